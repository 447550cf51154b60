// `exec`: a new process in a running container. What it runs, where (its
// cgroup, the init's namespaces) and under which filter is decided here; the
// process is made by the one spawn path (runtime/launch/exec_process.cpp).
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "cgroups/manager.hpp"
#include "runtime/container/exec.hpp"
#include "runtime/container/record.hpp"
#include "runtime/launch/launch.hpp"
#include "runtime/process/terminal.hpp"
#include "runtime/spec/loader.hpp"
#include "runtime/spec/tables.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/syscalls.hpp"
#include "seccomp/filter.hpp"
#include "seccomp/notify.hpp"

namespace ocirun::container {

using state::Status;

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

  launch::ExecConfig ec;
  ec.process = &proc;
  ec.seccomp = filter ? &*filter : nullptr;
  ec.init_pidfd = pidfd->get();
  ec.namespaces = ns::namespaces_to_join(rec->pid);
  ec.cgroup_fd = cgroup ? cgroup->fd() : -1;
  ec.preserve_fds = o.preserve_fds;
  launch::SpawnHooks hooks;
  if (cgroup) hooks.move_to_cgroup = [&](pid_t pid) { cgroup->add(pid); };
  hooks.seccomp_listener = [&](pid_t pid, int fd) {
    auto doc = seccomp::process_state(pid, rules->listener_metadata,
                                      state::state_document(*rec, Status::Running));
    seccomp::send_to_listener(rules->listener_path, fd, doc.dump());
  };
  launch::Child s = launch::spawn_exec(ec, hooks);
  if (s.console && !o.console_socket.empty()) {
    process::send_to_console_socket(o.console_socket, s.console.get(), s.console_path);
    s.console.reset();
  }
  write_pid_file(o.pid_file, s.pid);
  if (o.detach) return 0;
  return sys::exit_code(wait_in_foreground(s.pid, mask, s.console ? s.console.get() : -1));
}

}  // namespace ocirun::container
