// `exec`: a new process in a running container. An intermediate, cloned into
// the container's cgroup, joins the init's namespaces (setns on a pidfd, all at
// once: the kernel enters the user namespace first) and clones the process;
// ocirun, a child subreaper, inherits it when the intermediate exits. The
// process sets up its terminal, user, capabilities, rlimits and the container's
// seccomp filter, and execs. Every error reaches ocirun over the sync socket.
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>

#include "cgroups/manager.hpp"
#include "runtime/container/exec.hpp"
#include "runtime/container/record.hpp"
#include "runtime/launch/launch.hpp"
#include "runtime/launch/sync.hpp"
#include "runtime/log.hpp"
#include "runtime/process/attributes.hpp"
#include "runtime/process/process.hpp"
#include "runtime/process/terminal.hpp"
#include "runtime/spec/loader.hpp"
#include "runtime/spec/tables.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/syscalls.hpp"
#include "seccomp/filter.hpp"
#include "seccomp/notify.hpp"

namespace ocirun::container {
namespace {

using state::Status;

// The process itself, in the container's namespaces and cgroup. First of
// all it closes what it inherited from ocirun (state, cgroup and log fds,
// fds the caller leaked): nothing of the host is open when it picks its cwd.
[[noreturn]] void exec_child(const spec::Process& proc, const seccomp::Filter* filter, int sync,
                             int preserve) noexcept {
  try {
    launch::close_inherited_fds(preserve, {sync});
    launch::forward_log(sync);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    // A session of its own, always: no TIOCSTI into the caller's terminal.
    if (::setsid() < 0) throw_errno("setsid");
    if (proc.terminal) {
      process::Pty pty = process::open_pty(proc.console_size);
      launch::send(sync, launch::MsgType::Console, 0, pty.slave_path, pty.master.get());
      process::attach_pty(pty, proc.user.uid);
    }
    process::apply_process_attributes(proc);
    launch::Confinement last = launch::finish_setup(proc, filter, sync, preserve);
    std::string exe = process::find_executable(proc.args.at(0), proc.env);
    std::vector<std::string> args = proc.args, env = proc.env;
    auto argv = sys::c_strings(args);
    auto envp = sys::c_strings(env);
    launch::confine(last);
    ::execve(exe.c_str(), argv.data(), envp.data());
    throw_errno("exec: \"" + proc.args[0] + "\"");
  } catch (...) {
    launch::fail_current(sync, "exec");
  }
}

// The intermediate: joins, clones the process, tells its pid and exits.
[[noreturn]] void intermediate(int pidfd, int flags, const spec::Process& proc,
                               const seccomp::Filter* filter, int sync, int preserve) noexcept {
  try {
    launch::close_inherited_fds(preserve, {sync, pidfd});
    launch::forward_log(sync);
    // In the host's pid namespace still; the process inherits it.
    process::apply_oom_score_adj(proc);
    // Without CLONE_INTO_CGROUP, ocirun moves us into the cgroup first: the
    // process must be born there.
    auto go = launch::receive(sync);
    if (!go || go->type != launch::MsgType::Continue) ::_exit(1);
    if (::setns(pidfd, flags) < 0) throw_errno("joining the container's namespaces");
    pid_t pid = sys::clone_process(0);
    if (pid == 0) exec_child(proc, filter, sync, preserve);
    launch::send(sync, launch::MsgType::Pid, 0, std::to_string(pid));
    ::_exit(0);
  } catch (...) {
    launch::fail_current(sync, "exec");
  }
}

struct Spawned {
  pid_t pid = -1;
  UniqueFd console;
  std::string pts;
};

// Reads the sync socket until EOF (the intermediate gone, the process exec'd):
// the process's pid, its terminal, its seccomp notify fd (handed to
// `listener` at once: the process may already wait on it), or the first error.
// On an error the intermediate and the process are killed and reaped.
Spawned collect(int sync, pid_t mid, const std::function<void(pid_t, int)>& listener) {
  Spawned s;
  UniqueFd notify;
  std::optional<Error> error;
  while (auto m = launch::receive(sync)) {
    if (m->type == launch::MsgType::Log) {
      log::relay(m->text);
    } else if (m->type == launch::MsgType::Pid) {
      s.pid = static_cast<pid_t>(std::stol(m->text));
    } else if (m->type == launch::MsgType::Console) {
      s.console = std::move(m->fd);
      s.pts = m->text;
    } else if (m->type == launch::MsgType::SeccompFd) {
      notify = std::move(m->fd);
    } else if (m->type == launch::MsgType::Error && !error) {
      error.emplace(m->text, m->err);
    }
    if (notify && s.pid > 0 && !error) {
      try {
        listener(s.pid, notify.get());
      } catch (const Error& e) {
        error = e;
      }
      notify.reset();
    }
    if (error) break;
  }
  if (error) {
    ::kill(mid, SIGKILL);
    if (s.pid > 0) ::kill(s.pid, SIGKILL);
  }
  int status = sys::reap(mid);
  if (error) {
    if (s.pid > 0) sys::reap(s.pid);  // ours now: the subreaper's
    throw *error;
  }
  if (s.pid <= 0)
    throw Error("exec: the process joining the container " + sys::describe_wait_status(status));
  return s;
}

}  // namespace

int exec(const state::Store& store, const std::string& id, const ExecOptions& o) {
  state::ContainerDir dir = store.open(id, false);
  auto rec = try_read(dir);
  Status st = rec ? status_of(dir, *rec) : Status::Stopped;
  if (st == Status::Stopped || st == Status::Creating)
    throw Error("cannot exec in " + quoted(id) + ": it is " + std::string(state::status_name(st)));
  if (st == Status::Paused && !o.ignore_paused)
    throw Error("cannot exec in " + quoted(id) + ": it is paused (--ignore-paused to go ahead)");
  auto pidfd = open_init(*rec);
  if (!pidfd) throw Error("cannot exec in " + quoted(id) + ": it is not running");

  nlohmann::json config = spec::load_bundle_document(rec->bundle);
  std::optional<nlohmann::json> process_file;
  if (!o.process_file.empty())
    process_file =
        spec::json_document(sys::read_file(o.process_file), "--process " + o.process_file);
  spec::Process proc = exec_process(config, process_file ? &*process_file : nullptr, o);
  check_exec_terminal(proc.terminal, o.detach, o.console_socket);
  if (proc.terminal && o.console_socket.empty() && !proc.console_size)
    proc.console_size = process::window_size(STDIN_FILENO);
  process::check_exec_labels(proc);
  std::optional<seccomp::RuleSet> rules;
  std::optional<seccomp::Filter> filter;
  if (config.contains("linux") && config["linux"].contains("seccomp") &&
      config["linux"]["seccomp"].is_object()) {
    rules = seccomp::plan(config["linux"]["seccomp"]);
    filter = seccomp::build(*rules);
  }
  int flags = ns::namespaces_to_join(rec->pid);
  std::optional<cgroups::Cgroup> cgroup;
  if (!rec->cgroup.empty()) {
    std::string path = rec->cgroup;
    if (std::string sub = exec_sub_cgroup(o.cgroup); !sub.empty()) path += "/" + sub;
    cgroup = cgroups::Cgroup::open(path);
    if (cgroup->fd() < 0) {
      std::string what = o.cgroup.empty() ? "the container's cgroup " : "flag --cgroup: ";
      throw_errno(what + path);
    }
  } else if (!o.cgroup.empty()) {
    throw Error("flag --cgroup: " + quoted(id) + " has no cgroup", EINVAL);
  }

  sigset_t mask;
  sigemptyset(&mask);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD}) sigaddset(&mask, s);
  if (!o.detach) sigprocmask(SIG_BLOCK, &mask, nullptr);

  // CLONE_PARENT is refused across pid namespaces: the process is the
  // intermediate's child, and ocirun, as subreaper, inherits it.
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) throw_errno("prctl PR_SET_CHILD_SUBREAPER");
  launch::SyncPair pair = launch::make_sync_pair();
  bool in_cgroup = false;
  pid_t mid = sys::clone_process(0, cgroup ? cgroup->fd() : -1, &in_cgroup);
  if (mid == 0) {
    pair.parent.reset();
    intermediate(pidfd->get(), flags, proc, filter ? &*filter : nullptr, pair.child.get(),
                 o.preserve_fds);
  }
  pair.child.reset();
  try {
    if (cgroup && !in_cgroup) cgroup->add(mid);
    launch::send(pair.parent.get(), launch::MsgType::Continue);
  } catch (...) {
    ::kill(mid, SIGKILL);
    sys::reap(mid);
    throw;
  }
  auto listener = [&](pid_t pid, int fd) {
    auto doc = seccomp::process_state(pid, rules->listener_metadata,
                                      state::state_document(*rec, Status::Running));
    seccomp::send_to_listener(rules->listener_path, fd, doc.dump());
  };
  Spawned s = collect(pair.parent.get(), mid, listener);
  if (s.console && !o.console_socket.empty()) {
    process::send_to_console_socket(o.console_socket, s.console.get(), s.pts);
    s.console.reset();
  }
  write_pid_file(o.pid_file, s.pid);
  if (o.detach) return 0;
  return sys::exit_code(wait_in_foreground(s.pid, mask, s.console ? s.console.get() : -1));
}

}  // namespace ocirun::container
