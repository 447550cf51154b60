#include "runtime/cli/args.hpp"

#include <array>

#include "runtime/sys/error.hpp"

namespace ocirun::cli {
namespace {

constexpr FlagSpec kHelp{"help", 'h', false, "", "show help"};

constexpr std::array kGlobal{
    FlagSpec{"root", 0, true, "DIR",
             "where container state is kept (default /run/ocirun; rootless: "
             "$XDG_RUNTIME_DIR/ocirun)"},
    FlagSpec{"log", 0, true, "FILE", "also write log lines to FILE"},
    FlagSpec{"log-format", 0, true, "text|json", "format of the --log lines (default text)"},
    FlagSpec{"debug", 0, false, "", "log debug messages"},
    FlagSpec{"systemd-cgroup", 0, false, "",
             "the systemd cgroup driver: the container is a transient unit of systemd's, "
             "linux.cgroupsPath its slice:prefix:name"},
    FlagSpec{"cgroup-manager", 0, true, "cgroupfs|disabled",
             "how the container's cgroup is made (default cgroupfs; disabled: none, "
             "linux.resources ignored)"},
    FlagSpec{"rootless", 0, true, "true|false|auto",
             "rootless mode: state in $XDG_RUNTIME_DIR/ocirun, cgroups only where the caller "
             "may make them (default auto: when not root, or in a user namespace)"},
    FlagSpec{"criu", 0, true, "PATH", "accepted for runc compatibility; ignored"},
    FlagSpec{"version", 'v', false, "", "print the version"},
    kHelp,
};

constexpr FlagSpec kBundle{"bundle", 'b', true, "DIR", "the bundle directory (default: current)"};
constexpr FlagSpec kPidFile{"pid-file", 0, true, "FILE", "write the init's pid to FILE"};
constexpr FlagSpec kConsole{"console-socket", 0, true, "PATH",
                            "unix socket that receives the terminal's master fd"};
constexpr FlagSpec kNoPivot{"no-pivot", 0, false, "",
                            "use MS_MOVE and chroot instead of pivot_root"};
constexpr FlagSpec kNoKeyring{"no-new-keyring", 0, false, "", "keep the caller's session keyring"};
constexpr FlagSpec kPreserve{"preserve-fds", 0, true, "N",
                             "pass N extra fds (3 .. 3+N-1) to the container"};

constexpr std::array kSpecFlags{
    kBundle, FlagSpec{"rootless", 0, false, "", "a config for a non-root user"}, kHelp};
constexpr std::array kCreateFlags{kBundle,    kPidFile,  kConsole, kNoPivot,
                                  kNoKeyring, kPreserve, kHelp};
constexpr std::array kRunFlags{
    kBundle,
    kPidFile,
    kConsole,
    kNoPivot,
    kNoKeyring,
    kPreserve,
    FlagSpec{"detach", 'd', false, "", "return once the container runs"},
    FlagSpec{"keep", 0, false, "", "keep the stopped container's state after it exits"},
    FlagSpec{"stats-file", 0, true, "FILE",
             "after the container exits, write its exit, OOM and resource usage as JSON to FILE"},
    kHelp};
constexpr std::array kOnlyHelp{kHelp};
constexpr std::array kKillFlags{
    FlagSpec{"all", 'a', false, "", "signal every process of the container"}, kHelp};
constexpr std::array kDeleteFlags{
    FlagSpec{"force", 'f', false, "", "kill the container first if it is running"}, kHelp};
constexpr std::array kListFlags{FlagSpec{"format", 'f', true, "table|json", "output format"},
                                FlagSpec{"quiet", 'q', false, "", "print only the ids"}, kHelp};

constexpr std::array kPsFlags{
    FlagSpec{"format", 'f', true, "table|json", "output format (default table)"}, kHelp};
constexpr std::array kEventsFlags{
    FlagSpec{"stats", 0, false, "", "print the statistics once and exit"},
    FlagSpec{"interval", 0, true, "DURATION", "time between stats events (default 5s)"}, kHelp};
constexpr std::array kUpdateFlags{
    FlagSpec{"resources", 'r', true, "FILE",
             "LinuxResources JSON to apply (\"-\": standard input)"},
    FlagSpec{"memory", 0, true, "BYTES", "memory limit (512m, 1g, ...; -1: none)"},
    FlagSpec{"memory-swap", 0, true, "BYTES", "memory plus swap limit (-1: none)"},
    FlagSpec{"memory-reservation", 0, true, "BYTES", "memory soft limit (memory.low)"},
    FlagSpec{"kernel-memory", 0, true, "BYTES",
             "accepted for runc compatibility; cgroup v2 has no such limit (a warning)"},
    FlagSpec{"kernel-memory-tcp", 0, true, "BYTES",
             "accepted for runc compatibility; cgroup v2 has no such limit (a warning)"},
    FlagSpec{"cpu-shares", 0, true, "N", "CPU shares (relative weight)"},
    FlagSpec{"cpu-share", 0, true, "N", "same as --cpu-shares (runc's spelling)"},
    FlagSpec{"cpu-quota", 0, true, "USEC", "CPU time per period (-1: none)"},
    FlagSpec{"cpu-period", 0, true, "USEC", "CPU period"},
    FlagSpec{"cpu-rt-period", 0, true, "USEC", "realtime period (not on cgroup v2)"},
    FlagSpec{"cpu-rt-runtime", 0, true, "USEC", "realtime runtime (not on cgroup v2)"},
    FlagSpec{"cpuset-cpus", 0, true, "LIST", "CPUs the container may use (0-3,7)"},
    FlagSpec{"cpuset-mems", 0, true, "LIST", "memory nodes the container may use"},
    FlagSpec{"pids-limit", 0, true, "N", "maximum number of processes (-1: none)"},
    FlagSpec{"blkio-weight", 0, true, "N", "block I/O weight, 10 to 1000"},
    kHelp};

constexpr std::array kExecFlags{
    FlagSpec{"process", 'p', true, "FILE", "the process to run: a runtime-spec process JSON"},
    FlagSpec{"tty", 't', false, "", "a terminal for the process"},
    kConsole,
    FlagSpec{"cwd", 0, true, "DIR", "working directory in the container"},
    FlagSpec{"env", 'e', true, "KEY=VALUE", "set an environment variable (repeatable)", true},
    FlagSpec{"user", 'u', true, "UID[:GID]", "user (and group) to run as"},
    FlagSpec{"additional-gids", 'g', true, "GID", "an additional group (repeatable)", true},
    FlagSpec{"cap", 'c', true, "CAP", "add a capability (repeatable)", true},
    FlagSpec{"no-new-privs", 0, false, "", "set no_new_privs for the process"},
    FlagSpec{"apparmor", 0, true, "PROFILE", "AppArmor profile of the process"},
    FlagSpec{"process-label", 0, true, "LABEL", "SELinux label of the process"},
    FlagSpec{"detach", 'd', false, "", "return once the process has started"},
    FlagSpec{"pid-file", 0, true, "FILE", "write the process's pid to FILE"},
    kPreserve,
    FlagSpec{"ignore-paused", 0, false, "", "exec even into a paused container (waits for resume)"},
    FlagSpec{"cgroup", 0, true, "[CTRL:]PATH", "run in this sub-cgroup of the container's", true},
    kHelp};

constexpr std::string_view kId = "<container-id>";

constexpr std::array kCommands{
    CommandSpec{"spec", "", "write a default config.json into the bundle", 0, 0, kSpecFlags},
    CommandSpec{"create", kId, "create a container, ready to start", 1, 1, kCreateFlags},
    CommandSpec{"start", kId, "start the process of a created container", 1, 1, kOnlyHelp},
    CommandSpec{"run", kId, "create and start a container, wait for it and delete it", 1, 1,
                kRunFlags},
    CommandSpec{"state", kId, "print the state of a container as JSON", 1, 1, kOnlyHelp},
    CommandSpec{"kill", "<container-id> [signal]", "send a signal (default TERM) to a container", 1,
                2, kKillFlags},
    CommandSpec{"delete", kId, "delete a stopped container and its state", 1, 1, kDeleteFlags},
    CommandSpec{"list", "", "list containers", 0, 0, kListFlags},
    CommandSpec{"features", "", "print the features this runtime supports as JSON", 0, 0,
                kOnlyHelp},
    CommandSpec{"exec", "<container-id> [command args...]",
                "run a new process in a running container", 1, 1024, kExecFlags, true},
    CommandSpec{"pause", kId, "freeze every process of a container", 1, 1, kOnlyHelp},
    CommandSpec{"resume", kId, "thaw a paused container", 1, 1, kOnlyHelp},
    CommandSpec{"ps", "<container-id> [-- ps arguments]", "list the processes of a container", 1,
                1024, kPsFlags, true},
    CommandSpec{"update", kId, "change the resource limits of a running container", 1, 1,
                kUpdateFlags},
    CommandSpec{"events", kId, "print resource statistics and OOM events as JSON", 1, 1,
                kEventsFlags},
};

const FlagSpec* find_flag(std::span<const FlagSpec> flags, std::string_view name) {
  for (const auto& f : flags)
    if (name.size() == 1 ? f.short_name == name[0] : f.name == name) return &f;
  return nullptr;
}

// Parses one flag at argv[i] into `out`; advances i past its value.
void take_flag(std::span<const std::string> argv, size_t& i, std::span<const FlagSpec> flags,
               std::map<std::string, std::string>& out, const std::string& where) {
  std::string_view tok = argv[i];
  std::string_view body = tok.substr(tok.starts_with("--") ? 2 : 1);
  std::optional<std::string> inline_value;
  if (auto eq = body.find('='); eq != std::string_view::npos) {
    inline_value = std::string(body.substr(eq + 1));
    body = body.substr(0, eq);
  }
  const FlagSpec* f = find_flag(flags, body);
  if (!f) throw Error("unknown flag \"" + std::string(tok) + "\"" + where);
  std::string name(f->name);
  if (!f->takes_value) {
    std::string v = inline_value.value_or("true");
    if (v != "true" && v != "false" && v != "1" && v != "0")
      throw Error("flag --" + name + ": expects true or false, got \"" + v + "\"");
    out[name] = (v == "true" || v == "1") ? "true" : "false";
    return;
  }
  std::string value;
  if (inline_value) {
    value = *inline_value;
  } else {
    if (i + 1 >= argv.size()) throw Error("flag --" + name + " needs a value" + where);
    value = argv[++i];
  }
  if (f->repeatable && out.count(name)) {
    out[name] += '\n';
    out[name] += value;
  } else {
    out[name] = value;
  }
}

bool is_flag(std::string_view s) {
  return s.size() > 1 && s[0] == '-';
}

}  // namespace

std::span<const CommandSpec> commands() {
  return kCommands;
}
std::span<const FlagSpec> global_flags() {
  return kGlobal;
}

const CommandSpec* find_command(std::string_view name) {
  for (const auto& c : kCommands)
    if (c.name == name) return &c;
  return nullptr;
}

bool Invocation::flag(const std::string& name) const {
  auto it = flags.find(name);
  return it != flags.end() && it->second == "true";
}

std::string Invocation::value(const std::string& name, const std::string& fallback) const {
  auto it = flags.find(name);
  return it == flags.end() ? fallback : it->second;
}

std::vector<std::string> Invocation::values(const std::string& name) const {
  std::vector<std::string> out;
  auto it = flags.find(name);
  if (it == flags.end()) return out;
  const std::string& all = it->second;
  for (size_t at = 0; at <= all.size();) {
    size_t nl = std::min(all.find('\n', at), all.size());
    out.push_back(all.substr(at, nl - at));
    at = nl + 1;
  }
  return out;
}

Invocation parse(std::span<const std::string> argv) {
  Invocation inv;
  parse_command(argv, parse_globals(argv, inv), inv);
  return inv;
}

size_t parse_globals(std::span<const std::string> argv, Invocation& inv) {
  size_t i = 0;
  for (; i < argv.size() && is_flag(argv[i]); ++i) take_flag(argv, i, kGlobal, inv.globals, "");
  inv.help = inv.globals.count("help") && inv.globals["help"] == "true";
  inv.version = inv.globals.count("version") && inv.globals["version"] == "true";
  return i;
}

void parse_command(std::span<const std::string> argv, size_t i, Invocation& inv) {
  if (i >= argv.size()) return;
  inv.command = argv[i++];
  const CommandSpec* cmd = find_command(inv.command);
  if (!cmd) throw Error("unknown command \"" + inv.command + "\" (see ocirun --help)");
  std::string where = " for \"" + inv.command + "\"";
  bool flags_done = false;
  for (; i < argv.size(); ++i) {
    bool rest = cmd->rest_after_first && !inv.args.empty();
    if (!flags_done && argv[i] == "--") {
      flags_done = true;
    } else if (!flags_done && !rest && is_flag(argv[i])) {
      take_flag(argv, i, cmd->flags, inv.flags, where);
    } else {
      inv.args.push_back(argv[i]);
    }
  }
  if (inv.flag("help")) {
    inv.help = true;
    return;
  }
  int n = static_cast<int>(inv.args.size());
  if (n < cmd->min_args || n > cmd->max_args) {
    std::string want = cmd->args.empty() ? "no arguments" : std::string(cmd->args);
    throw Error("\"" + inv.command + "\" takes " + want + ", got " + std::to_string(n) +
                " argument" + (n == 1 ? "" : "s"));
  }
}

namespace {

std::string flag_lines(std::span<const FlagSpec> flags) {
  std::string out;
  for (const auto& f : flags) {
    std::string left = "  ";
    left += f.short_name ? std::string("-") + f.short_name + ", " : "    ";
    left += "--";
    left += f.name;
    if (f.takes_value) {
      left += ' ';
      left += f.value_name;
    }
    if (left.size() < 32) left.resize(32, ' ');
    out += left + " " + std::string(f.help) + "\n";
  }
  return out;
}

}  // namespace

std::string usage() {
  std::string out =
      "ocirun: an OCI container runtime\n\n"
      "Usage: ocirun [global flags] COMMAND [flags] [arguments]\n\nCommands:\n";
  for (const auto& c : kCommands) {
    std::string left = "  " + std::string(c.name);
    left.resize(12, ' ');
    out += left + std::string(c.summary) + "\n";
  }
  out += "\nGlobal flags:\n" + flag_lines(kGlobal);
  out += "\nRun 'ocirun COMMAND --help' for a command's flags.\n";
  return out;
}

std::string command_usage(const CommandSpec& c) {
  std::string out = "Usage: ocirun " + std::string(c.name) + " [flags]";
  if (!c.args.empty()) {
    out += ' ';
    out += c.args;
  }
  out += "\n\n";
  out += c.summary;
  out += "\n\nFlags:\n";
  out += flag_lines(c.flags);
  return out;
}

}  // namespace ocirun::cli
