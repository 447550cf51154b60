#include "runtime/cli/commands.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "runtime/container/container.hpp"
#include "runtime/log.hpp"
#include "runtime/spec/default_spec.hpp"
#include "runtime/spec/features.hpp"
#include "runtime/spec/tables.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/syscalls.hpp"

namespace ocirun::cli {
namespace {

void print(const std::string& s) {
  fwrite(s.data(), 1, s.size(), stdout);
}

int parse_count(const std::string& flag, const std::string& v) {
  char* end;
  long n = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end || n < 0 || n > 1024)
    throw Error("flag --" + flag + ": expects a number from 0 to 1024, got \"" + v + "\"");
  return static_cast<int>(n);
}

void fill_create(const Invocation& inv, container::CreateOptions& o) {
  o.bundle = inv.value("bundle", ".");
  o.pid_file = inv.value("pid-file");
  o.console_socket = inv.value("console-socket");
  o.no_pivot = inv.flag("no-pivot");
  o.no_new_keyring = inv.flag("no-new-keyring");
  o.preserve_fds = parse_count("preserve-fds", inv.value("preserve-fds", "0"));
}

int cmd_spec(const Invocation& inv) {
  std::string path = inv.value("bundle", ".") + "/config.json";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST) throw Error(path + ": already exists; remove it first");
    throw_errno("create " + path);
  }
  UniqueFd f(fd);
  std::string text = spec::default_spec(inv.flag("rootless")).dump(4) + "\n";
  sys::write_all(f.get(), text.data(), text.size(), "write " + path);
  return 0;
}

}  // namespace

std::string list_table(const std::vector<nlohmann::json>& states) {
  const std::array<std::string, 6> head{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"};
  std::vector<std::array<std::string, 6>> rows{head};
  for (const auto& s : states)
    rows.push_back({s.value("id", ""), std::to_string(s.value("pid", 0)), s.value("status", ""),
                    s.value("bundle", ""), s.value("created", ""), s.value("owner", "")});
  std::array<size_t, 6> width{};
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  std::string out;
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) {
      out += r[i];
      if (i + 1 < r.size()) out += std::string(width[i] - r[i].size() + 3, ' ');
    }
    out += "\n";
  }
  return out;
}

int dispatch(const Invocation& inv) {
  if (inv.version) {
    print(std::string("ocirun version ") + OCIRUN_VERSION +
          "\nspec: " + std::string(spec::kOciVersion) + "\n");
    return 0;
  }
  if (inv.command.empty() || (inv.help && inv.command.empty())) {
    print(usage());
    return inv.help ? 0 : 1;
  }
  if (inv.help) {
    print(command_usage(*find_command(inv.command)));
    return 0;
  }
  auto g = inv.globals;
  state::Store store(g.count("root") ? g["root"] : "/run/ocirun");
  const std::string& cmd = inv.command;
  const std::string id = inv.args.empty() ? "" : inv.args[0];

  if (cmd == "spec") return cmd_spec(inv);
  if (cmd == "create") {
    container::CreateOptions o;
    fill_create(inv, o);
    container::create(store, id, o);
    return 0;
  }
  if (cmd == "run") {
    container::RunOptions o;
    fill_create(inv, o);
    o.detach = inv.flag("detach");
    o.keep = inv.flag("keep");
    return container::run(store, id, o);
  }
  if (cmd == "start") {
    container::start(store, id);
    return 0;
  }
  if (cmd == "state") {
    print(container::state(store, id).dump(2) + "\n");
    return 0;
  }
  if (cmd == "kill") {
    int sig = container::parse_signal(inv.args.size() > 1 ? inv.args[1] : "TERM");
    container::kill(store, id, sig, inv.flag("all"));
    return 0;
  }
  if (cmd == "delete") {
    container::remove(store, id, inv.flag("force"));
    return 0;
  }
  if (cmd == "list") {
    auto states = container::list(store);
    std::string format = inv.value("format", "table");
    if (inv.flag("quiet")) {
      for (const auto& s : states) print(s.value("id", "") + "\n");
    } else if (format == "json") {
      print(nlohmann::json(states).dump() + "\n");
    } else if (format == "table") {
      print(list_table(states));
    } else {
      throw Error("flag --format: expects table or json, got \"" + format + "\"");
    }
    return 0;
  }
  if (cmd == "features") {
    print(spec::features().dump(4) + "\n");
    return 0;
  }
  throw Error("command \"" + cmd + "\" is not implemented");
}

}  // namespace ocirun::cli
