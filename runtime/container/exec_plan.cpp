// What `exec` runs: the process JSON (--process, or the config's process with
// the command line's args) with the flags over it, checked by the loader.
#include <charconv>
#include <set>

#include "runtime/container/exec.hpp"
#include "runtime/spec/loader.hpp"
#include "runtime/spec/tables.hpp"
#include "runtime/sys/error.hpp"

namespace ocirun::container {
namespace {

using nlohmann::json;

std::string quote(const std::string& s) {
  std::string q = "\"";
  q += s;
  q += "\"";
  return q;
}

uint32_t parse_id(std::string_view text, const std::string& flag, const std::string& whole) {
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size())
    throw Error("flag " + flag + ": expects a number, got " + quote(whole), EINVAL);
  return v;
}

void append_unique(json& list, const std::string& value) {
  if (!list.is_array()) list = json::array();
  for (const auto& v : list)
    if (v == value) return;
  list.push_back(value);
}

// The flags over the process JSON, before the loader checks it.
void apply_flags(json& p, const ExecOptions& o) {
  if (!o.args.empty()) p["args"] = o.args;
  for (const auto& kv : o.env) {
    if (kv.find('=') == std::string::npos || kv[0] == '=')
      throw Error("flag --env: expects KEY=VALUE, got " + quote(kv), EINVAL);
    auto key = kv.substr(0, kv.find('=') + 1);
    json env = json::array();
    if (p.contains("env") && p["env"].is_array())
      for (const auto& e : p["env"])
        if (!e.is_string() || !e.get<std::string>().starts_with(key)) env.push_back(e);
    env.push_back(kv);
    p["env"] = std::move(env);
  }
  if (!o.cwd.empty()) p["cwd"] = o.cwd;
  if (!p.contains("user") || !p["user"].is_object()) p["user"] = json::object();
  json& user = p["user"];
  if (!o.user.empty()) {
    auto colon = o.user.find(':');
    user["uid"] = parse_id(std::string_view(o.user).substr(0, colon), "--user", o.user);
    if (colon != std::string::npos)
      user["gid"] = parse_id(std::string_view(o.user).substr(colon + 1), "--user", o.user);
  }
  for (const auto& g : o.extra_gids) {
    if (!user.contains("additionalGids") || !user["additionalGids"].is_array())
      user["additionalGids"] = json::array();
    user["additionalGids"].push_back(parse_id(g, "--additional-gids", g));
  }
  for (const auto& cap : o.caps) {
    if (!spec::capability_from_name(cap))
      throw Error("flag --cap: unknown capability " + quote(cap), EINVAL);
    if (!p.contains("capabilities") || !p["capabilities"].is_object())
      p["capabilities"] = json::object();
    for (const char* set : {"bounding", "effective", "permitted"})
      append_unique(p["capabilities"][set], cap);
  }
  if (o.tty) p["terminal"] = true;
  if (o.no_new_privs) p["noNewPrivileges"] = true;
  if (!o.apparmor.empty()) p["apparmorProfile"] = o.apparmor;
  if (!o.process_label.empty()) p["selinuxLabel"] = o.process_label;
}

}  // namespace

spec::Process exec_process(const json& config, const json* process_file, const ExecOptions& o) {
  json doc = config;
  json p;
  if (process_file) {
    p = *process_file;
    if (!p.is_object()) throw Error("--process " + o.process_file + ": not a JSON object", EINVAL);
    // What limits the container is not dropped by omission: a process file
    // without these fields gets the container's (as runc does).
    if (doc.contains("process") && doc["process"].is_object())
      for (const char* key : {"capabilities", "noNewPrivileges", "apparmorProfile", "selinuxLabel"})
        if (!p.contains(key) && doc["process"].contains(key)) p[key] = doc["process"][key];
  } else {
    if (o.args.empty())
      throw Error("exec: a command to run is required (or --process FILE)", EINVAL);
    p = doc.contains("process") && doc["process"].is_object() ? doc["process"] : json::object();
    p["terminal"] = false;
    p.erase("consoleSize");
  }
  apply_flags(p, o);
  doc["process"] = std::move(p);
  std::string name = process_file ? "--process " + o.process_file : std::string("config.json");
  return *spec::from_json(doc, name).process;
}

std::string exec_sub_cgroup(const std::vector<std::string>& flags) {
  std::set<std::string> paths;
  for (const auto& f : flags) {
    auto colon = f.find(':');
    std::string path = colon == std::string::npos ? f : f.substr(colon + 1);
    while (path.starts_with("/")) path.erase(0, 1);
    while (path.ends_with("/")) path.pop_back();
    if (path.empty()) throw Error("flag --cgroup: no path in " + quote(f), EINVAL);
    for (size_t at = 0; at <= path.size();) {
      size_t slash = path.find('/', at);
      if (slash == std::string::npos) slash = path.size();
      std::string_view part(path.data() + at, slash - at);
      if (part.empty() || part == "." || part == "..")
        throw Error("flag --cgroup: " + quote(f) + " must name a cgroup below the container's",
                    EINVAL);
      at = slash + 1;
    }
    paths.insert(path);
  }
  if (paths.size() > 1)
    throw Error("flag --cgroup: cgroup v2 has one hierarchy, but " + std::to_string(paths.size()) +
                    " different sub-cgroups are named",
                EINVAL);
  return paths.empty() ? "" : *paths.begin();
}

void check_exec_terminal(bool terminal, bool detach, const std::string& console_socket) {
  if (terminal && detach && console_socket.empty())
    throw Error("exec: a terminal (--tty) with --detach needs --console-socket", EINVAL);
  if (!terminal && !console_socket.empty())
    throw Error("--console-socket: given, but the process has no terminal (--tty)", EINVAL);
}

}  // namespace ocirun::container
