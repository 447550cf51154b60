// `exec`: a new process in a running container. An intermediate, cloned into
// the container's cgroup, joins the init's namespaces (setns on a pidfd, all at
// once, the user namespace handled by the kernel) and clones the process, which
// ocirun, the child subreaper, inherits and waits for; the process sets up its user,
// capabilities, rlimits and the container's seccomp filter, and execs.
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

#include "cgroups/manager.hpp"
#include "runtime/container/container.hpp"
#include "runtime/container/record.hpp"
#include "runtime/launch/sync.hpp"
#include "runtime/log.hpp"
#include "runtime/process/process.hpp"
#include "runtime/spec/loader.hpp"
#include "runtime/spec/tables.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/syscalls.hpp"
#include "seccomp/filter.hpp"

namespace ocirun::container {
namespace {

using state::Status;

std::string quoted(const std::string& id) {
  std::string q = "container \"";
  q += id;
  q += "\"";
  return q;
}

// The process to run: --process FILE, or the container's process with the
// command line's args, env, cwd and user over it.
spec::Process exec_process(const std::string& bundle, const ExecOptions& o) {
  std::string text = sys::read_file(bundle + "/config.json");
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (!o.process_file.empty()) {
    nlohmann::json p = nlohmann::json::parse(sys::read_file(o.process_file), nullptr, false);
    if (p.is_discarded()) throw Error("--process " + o.process_file + ": invalid JSON", EINVAL);
    doc["process"] = p;
    return *with_context("--process " + o.process_file, [&] {
              return spec::from_json(doc, "process");
            }).process;
  }
  spec::Process proc = *spec::from_json(doc, "config.json").process;
  if (o.args.empty()) throw Error("exec: a command to run is required (or --process FILE)", EINVAL);
  proc.args = o.args;
  proc.terminal = false;
  for (const auto& kv : o.env) {
    auto key = kv.substr(0, kv.find('='));
    std::erase_if(proc.env, [&](const std::string& e) { return e.substr(0, e.find('=')) == key; });
    proc.env.push_back(kv);
  }
  if (!o.cwd.empty()) proc.cwd = o.cwd;
  if (!o.user.empty()) {
    char* end;
    unsigned long uid = std::strtoul(o.user.c_str(), &end, 10);
    unsigned long gid = proc.user.gid;
    if (*end == ':') gid = std::strtoul(end + 1, &end, 10);
    if (*end || o.user[0] == ':' || o.user[0] == '-')
      throw Error("flag --user: expects UID[:GID], got \"" + o.user + "\"", EINVAL);
    proc.user.uid = static_cast<uint32_t>(uid);
    proc.user.gid = static_cast<uint32_t>(gid);
  }
  return proc;
}

// CLONE_NEW* of the init's namespaces that are not ours.
int namespaces_to_join(pid_t init) {
  int flags = 0;
  for (const auto& ns : spec::namespace_table()) {
    std::string name(ns.proc_name);
    struct stat mine, theirs;
    if (::stat(("/proc/self/ns/" + name).c_str(), &mine) < 0) continue;
    if (::stat(("/proc/" + std::to_string(init) + "/ns/" + name).c_str(), &theirs) < 0)
      throw_errno("reading the namespaces of the container's init");
    if (mine.st_ino != theirs.st_ino || mine.st_dev != theirs.st_dev) flags |= ns.clone_flag;
  }
  return flags;
}

[[noreturn]] void fail_child(int sync, const Error& e) {
  try {
    launch::send(sync, launch::MsgType::Error, e.code(), e.what());
  } catch (...) {
  }
  ::_exit(1);
}

// The process itself: in the container's namespaces and cgroup.
[[noreturn]] void exec_child(const spec::Process& proc, const seccomp::Filter* filter, int sync,
                             int preserve) {
  try {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (!proc.no_new_privileges && filter) (void)seccomp::load(*filter);
    process::apply_rlimits(proc.rlimits);
    process::apply_user_and_capabilities(proc.user, proc.capabilities);
    if (::chdir(proc.cwd.c_str()) < 0) throw_errno("chdir to process.cwd " + proc.cwd);
    ::umask(proc.user.umask.value_or(022));
    if (proc.no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
      throw_errno("prctl PR_SET_NO_NEW_PRIVS");
    if (::syscall(SYS_close_range, 3 + preserve, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
      throw_errno("close_range");
    if (proc.no_new_privileges && filter) (void)seccomp::load(*filter);
    std::string exe = process::find_executable(proc.args.at(0), proc.env);
    std::vector<std::string> args = proc.args, env = proc.env;
    auto argv = sys::c_strings(args);
    auto envp = sys::c_strings(env);
    ::execve(exe.c_str(), argv.data(), envp.data());
    throw_errno("exec: \"" + proc.args[0] + "\"");
  } catch (const Error& e) {
    fail_child(sync, e);
  }
}

}  // namespace

int exec(const state::Store& store, const std::string& id, const ExecOptions& o) {
  state::ContainerDir dir = store.open(id, false);
  auto rec = try_read(dir);
  Status st = rec ? dir.status(*rec) : Status::Stopped;
  if (st == Status::Stopped || st == Status::Creating)
    throw Error("cannot exec in " + quoted(id) + ": it is " + std::string(state::status_name(st)));
  if (st == Status::Paused && !o.ignore_paused)
    throw Error("cannot exec in " + quoted(id) + ": it is paused (--ignore-paused to go ahead)");
  auto pidfd = open_init(*rec);
  if (!pidfd) throw Error("cannot exec in " + quoted(id) + ": it is not running");
  spec::Process proc = exec_process(rec->bundle, o);
  if (proc.terminal) throw Error("exec: a terminal (--tty, process.terminal) is not supported yet");
  std::optional<seccomp::Filter> filter;
  {
    auto config = spec::load_bundle(rec->bundle);
    if (config.linux_ && config.linux_->seccomp.is_object())
      filter = seccomp::build(seccomp::plan(config.linux_->seccomp));
  }
  int flags = namespaces_to_join(rec->pid);
  std::optional<cgroups::Cgroup> cgroup;
  if (!rec->cgroup.empty()) cgroup = cgroups::Cgroup::open(rec->cgroup);

  sigset_t mask;
  sigemptyset(&mask);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD}) sigaddset(&mask, s);
  if (!o.detach) sigprocmask(SIG_BLOCK, &mask, nullptr);

  // The process is the intermediate's child (CLONE_PARENT is refused across
  // pid namespaces); as the subreaper, ocirun inherits it when the
  // intermediate exits, and waits for it.
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) throw_errno("prctl PR_SET_CHILD_SUBREAPER");
  launch::SyncPair pair = launch::make_sync_pair();
  bool in_cgroup = false;
  pid_t mid = sys::clone_process(0, cgroup ? cgroup->fd() : -1, &in_cgroup);
  if (mid == 0) {
    pair.parent.reset();
    int sync = pair.child.get();
    try {
      if (::setns(pidfd->get(), flags) < 0) throw_errno("joining the container's namespaces");
      pid_t pid = sys::clone_process(0);
      if (pid == 0) exec_child(proc, filter ? &*filter : nullptr, sync, o.preserve_fds);
      launch::send(sync, launch::MsgType::Pid, 0, std::to_string(pid));
      ::_exit(0);
    } catch (const Error& e) {
      fail_child(sync, e);
    }
  }
  pair.child.reset();
  int status = 0;
  auto m = launch::receive(pair.parent.get());
  while (::waitpid(mid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!m)
    throw Error("exec: the process joining the container " + sys::describe_wait_status(status));
  if (m->type == launch::MsgType::Error) throw Error(m->text, m->err);
  pid_t pid = static_cast<pid_t>(std::stol(m->text));
  if (cgroup && !in_cgroup) cgroup->add(pid);
  // EOF: the process exec'd. A message: it failed before.
  auto after = launch::receive(pair.parent.get());
  if (after && after->type == launch::MsgType::Error) {
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    throw Error(after->text, after->err);
  }
  if (o.detach) {
    if (!o.pid_file.empty()) {
      with_context("writing --pid-file " + o.pid_file, [&] {
        std::string path = o.pid_file;
        auto slash = path.rfind('/');
        std::string d = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
        UniqueFd dfd = sys::open(d, O_RDONLY | O_DIRECTORY);
        sys::write_file_atomic(dfd.get(), path.substr(slash + 1), std::to_string(pid));
      });
    }
    return 0;
  }
  status = wait_in_foreground(pid, mask, -1);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace ocirun::container
