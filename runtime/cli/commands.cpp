#include "runtime/cli/commands.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "cgroups/manager.hpp"
#include "runtime/cli/update_flags.hpp"
#include "runtime/spec/loader.hpp"

#include "runtime/cli/features.hpp"
#include "runtime/cli/rootless.hpp"
#include "runtime/container/container.hpp"
#include "runtime/container/exec.hpp"
#include "runtime/log.hpp"
#include "runtime/spec/default_spec.hpp"
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

// Rootless mode (rootless.hpp): /proc/self/uid_map is read only when the
// flag and the euid leave it open; unreadable, it is taken for the initial
// namespace's, as runc does.
bool rootless_of(const Invocation& inv) {
  Rootless flag = parse_rootless(inv.globals.count("rootless") ? inv.globals.at("rootless") : "");
  uid_t euid = ::geteuid();
  std::string uid_map = "0 0 4294967295";
  if (flag == Rootless::Auto && euid == 0) {
    try {
      uid_map = sys::read_file("/proc/self/uid_map");
    } catch (const Error&) {
    }
  }
  return rootless_mode(flag, euid, uid_map);
}

cgroups::Options cgroup_options(const Invocation& inv, bool rootless) {
  auto g = inv.globals;
  cgroups::Options o;
  o.rootless = rootless;
  o.manager = cgroups::parse_manager(g.count("cgroup-manager") ? g["cgroup-manager"] : "");
  // runc's --systemd-cgroup is its systemd driver, as crun's --cgroup-manager=systemd.
  if (g.count("systemd-cgroup") && g["systemd-cgroup"] == "true") {
    o.manager = cgroups::Manager::Systemd;
    o.flag = "--systemd-cgroup";
  }
  o.path.systemd = o.manager == cgroups::Manager::Systemd;
  return o;
}

// Runs ps(1) with `args` and returns what it printed.
std::string run_ps(std::vector<std::string> args) {
  args.insert(args.begin(), "ps");
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) < 0) throw_errno("pipe");
  UniqueFd rd(pipefd[0]), wr(pipefd[1]);
  auto argv = sys::c_strings(args);  // before the fork: the child only makes system calls
  pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) {
    ::dup2(wr.get(), STDOUT_FILENO);
    ::execvp("ps", argv.data());
    ::_exit(127);
  }
  wr.reset();
  std::string out;
  try {
    out = sys::read_fd(rd.get(), "the output of ps");
  } catch (const Error&) {
    // what was read is lost; ps's status below says what went wrong
  }
  int status = sys::reap(pid);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Error("ps " + sys::describe_wait_status(status) +
                (WIFEXITED(status) && WEXITSTATUS(status) == 127 ? " (is ps installed?)" : ""));
  return out;
}

int cmd_ps(const Invocation& inv, const state::Store& store) {
  std::string format = inv.value("format", "table");
  if (format != "table" && format != "json")
    throw Error("flag --format: expects table or json, got \"" + format + "\"");
  auto pids = container::pids(store, inv.args[0]);
  if (format == "json") {
    print(nlohmann::json(pids).dump() + "\n");
    return 0;
  }
  std::vector<std::string> args(inv.args.begin() + 1, inv.args.end());
  if (args.empty()) args = {"-ef"};
  print(filter_ps_output(run_ps(args), pids));
  return 0;
}

int cmd_update(const Invocation& inv, const state::Store& store) {
  std::string text;
  if (inv.flags.count("resources")) {
    std::string path = inv.value("resources");
    text = path == "-" ? sys::read_fd(STDIN_FILENO, "standard input") : sys::read_file(path);
  }
  auto resources = update_resources(inv, text);
  spec::check_resources(resources, "--resources");
  container::update(store, inv.args[0], resources);
  return 0;
}

int cmd_events(const Invocation& inv, const state::Store& store) {
  container::EventsOptions o;
  o.once = inv.flag("stats");
  if (inv.flags.count("interval"))
    o.interval_ms = parse_duration_ms("interval", inv.value("interval"));
  container::events(store, inv.args[0], o, [](const nlohmann::json& e) {
    print(e.dump() + "\n");
    fflush(stdout);
  });
  return 0;
}

}  // namespace

std::string filter_ps_output(const std::string& output, const std::vector<pid_t>& pids) {
  size_t eol = output.find('\n');
  std::string header = output.substr(0, eol);
  // The PID column: its index among the header's words.
  int column = -1, i = 0;
  for (size_t at = 0; at < header.size();) {
    size_t start = header.find_first_not_of(' ', at);
    if (start == std::string::npos) break;
    size_t end = header.find(' ', start);
    if (header.compare(start, end == std::string::npos ? std::string::npos : end - start, "PID") ==
        0)
      column = i;
    ++i;
    at = end == std::string::npos ? header.size() : end;
  }
  if (column < 0) throw Error("ps: its output has no PID column (give ps an -o with pid)");
  std::string out = header + "\n";
  if (eol == std::string::npos) return out;
  for (size_t at = eol + 1; at < output.size();) {
    size_t end = output.find('\n', at);
    if (end == std::string::npos) end = output.size();
    std::string line = output.substr(at, end - at);
    at = end + 1;
    // the word at `column` (empty when the line is shorter)
    std::string word;
    size_t pos = 0;
    for (int k = 0; k <= column; ++k) {
      size_t start = line.find_first_not_of(' ', pos);
      if (start == std::string::npos) {
        word.clear();
        break;
      }
      pos = line.find(' ', start);
      word = line.substr(start, pos == std::string::npos ? std::string::npos : pos - start);
      if (pos == std::string::npos && k < column) {
        word.clear();
        break;
      }
    }
    if (word.empty()) continue;
    char* stop;
    long pid = std::strtol(word.c_str(), &stop, 10);
    if (*stop == 0 && std::find(pids.begin(), pids.end(), pid) != pids.end()) out += line + "\n";
  }
  return out;
}

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
  const std::string& cmd = inv.command;
  if (cmd == "spec") return cmd_spec(inv);
  if (cmd == "features") {
    print(features().dump(4) + "\n");
    return 0;
  }
  auto g = inv.globals;
  bool no_root = rootless_of(inv);
  state::Store store(state_root(g.count("root") ? std::optional(g["root"]) : std::nullopt, no_root,
                                ::getenv("XDG_RUNTIME_DIR")));
  const std::string id = inv.args.empty() ? "" : inv.args[0];

  if (cmd == "create") {
    container::CreateOptions o;
    fill_create(inv, o);
    o.cgroups = cgroup_options(inv, no_root);
    o.rootless = no_root;
    container::create(store, id, o);
    return 0;
  }
  if (cmd == "run") {
    container::RunOptions o;
    fill_create(inv, o);
    o.cgroups = cgroup_options(inv, no_root);
    o.rootless = no_root;
    o.stats_file = inv.value("stats-file");
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
  if (cmd == "exec") {
    container::ExecOptions o;
    o.process_file = inv.value("process");
    o.args.assign(inv.args.begin() + 1, inv.args.end());
    o.env = inv.values("env");
    o.cwd = inv.value("cwd");
    o.user = inv.value("user");
    o.extra_gids = inv.values("additional-gids");
    o.caps = inv.values("cap");
    o.tty = inv.flag("tty");
    o.console_socket = inv.value("console-socket");
    o.no_new_privs = inv.flag("no-new-privs");
    o.apparmor = inv.value("apparmor");
    o.process_label = inv.value("process-label");
    o.cgroup = inv.values("cgroup");
    o.detach = inv.flag("detach");
    o.pid_file = inv.value("pid-file");
    o.preserve_fds = parse_count("preserve-fds", inv.value("preserve-fds", "0"));
    o.ignore_paused = inv.flag("ignore-paused");
    // As runc: a failure of the runtime, before the process runs, is 255,
    // so that an engine does not take it for the process's own status.
    try {
      return container::exec(store, id, o);
    } catch (const Error& e) {
      log::error(e.what());
      return 255;
    }
  }
  if (cmd == "pause") {
    container::pause(store, id);
    return 0;
  }
  if (cmd == "resume") {
    container::resume(store, id);
    return 0;
  }
  if (cmd == "ps") return cmd_ps(inv, store);
  if (cmd == "update") return cmd_update(inv, store);
  if (cmd == "events") return cmd_events(inv, store);
  throw Error("command \"" + cmd + "\" is not implemented");
}

}  // namespace ocirun::cli
