// exec's process, from clone to exec, and its parent's side. An intermediate
// (spawn.cpp) joins the init's namespaces (setns on a pidfd, all at once: the
// kernel enters the user namespace first) and clones the process; the process
// sets up its terminal, user, capabilities, rlimits and the container's
// seccomp filter, and execs. Every error reaches ocirun over the sync socket.
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include "runtime/launch/launch.hpp"
#include "runtime/launch/spawn.hpp"
#include "runtime/launch/sync.hpp"
#include "runtime/process/attributes.hpp"
#include "runtime/process/process.hpp"
#include "runtime/process/terminal.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/syscalls.hpp"

namespace ocirun::launch {

// The process itself, in the container's namespaces and cgroup. First of
// all it closes what it inherited from ocirun (state, cgroup and log fds,
// fds the caller leaked): nothing of the host is open when it picks its cwd.
void exec_main(const ExecConfig& cfg, int sync_fd) noexcept {
  const spec::Process& proc = *cfg.process;
  try {
    close_inherited_fds(cfg.preserve_fds, {sync_fd});
    forward_log(sync_fd);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    // A session of its own, always: no TIOCSTI into the caller's terminal.
    if (::setsid() < 0) throw_errno("setsid");
    if (proc.terminal) {
      process::Pty pty = process::open_pty(proc.console_size);
      send(sync_fd, MsgType::Console, 0, pty.slave_path, pty.master.get());
      process::attach_pty(pty, proc.user.uid);
    }
    process::apply_process_attributes(proc);
    Confinement last = finish_setup(proc, cfg.seccomp, sync_fd, cfg.preserve_fds);
    std::string exe = process::find_executable(proc.args.at(0), proc.env);
    std::vector<std::string> args = proc.args, env = proc.env;
    auto argv = sys::c_strings(args);
    auto envp = sys::c_strings(env);
    confine(last);
    ::execve(exe.c_str(), argv.data(), envp.data());
    throw_errno("exec: \"" + proc.args[0] + "\"");
  } catch (...) {
    fail_current(sync_fd, "exec");
  }
}

Child spawn_exec(const ExecConfig& cfg, const SpawnHooks& hooks) {
  SpawnSpec spec;
  spec.what = "exec";
  spec.cgroup_fd = cfg.cgroup_fd;
  spec.preserve_fds = cfg.preserve_fds;
  spec.keep = {cfg.init_pidfd};
  spec.join = [&] {
    // In the host's pid namespace still; the process inherits it.
    process::apply_oom_score_adj(*cfg.process);
    if (::setns(cfg.init_pidfd, cfg.namespaces) < 0)
      throw_errno("joining the container's namespaces");
  };
  if (cfg.namespaces & CLONE_NEWPID) spec.joined_pid_namespace = "the container's pid namespace";
  spec.main = [&](int sync_fd, unsigned long) { exec_main(cfg, sync_fd); };
  Child c = spawn(spec, hooks);
  try {
    c.until_exec();
  } catch (...) {
    c.kill_and_reap();
    throw;
  }
  return c;
}

}  // namespace ocirun::launch
