#include "runtime/launch/spawn.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/launch/launch.hpp"
#include "runtime/log.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/syscalls.hpp"

namespace ocirun::launch {
namespace {

// Clones the process. A pid namespace whose init has exited takes no new
// process (ENOMEM): the namespace the process was to join is gone.
pid_t clone_after_joins(const SpawnSpec& spec) {
  try {
    return sys::clone_process(spec.clone_flags);
  } catch (const Error& e) {
    if (e.code() != ENOMEM || spec.joined_pid_namespace.empty()) throw;
    throw Error(
        spec.joined_pid_namespace + ": its init has exited; no process can enter it any more",
        ESRCH);
  }
}

// The intermediate. It closes what it inherited, waits until the parent has
// it in the cgroup, joins, clones the process, writes its pid to `pid_fd`
// and exits. Nothing escapes it: a failure goes over the sync socket.
[[noreturn]] void intermediate(const SpawnSpec& spec, int sync_fd, int pid_fd) noexcept {
  try {
    std::vector<int> keep = spec.keep;
    keep.push_back(sync_fd);
    keep.push_back(pid_fd);
    close_inherited_fds(spec.preserve_fds, std::move(keep));
    forward_log(sync_fd);
    auto go = receive(sync_fd);
    if (!go || go->type != MsgType::Continue) ::_exit(1);
    spec.join();
    pid_t pid = clone_after_joins(spec);
    if (pid == 0) {
      ::close(pid_fd);
      spec.main(sync_fd, 0);
      ::_exit(1);  // main never returns
    }
    std::string text = std::to_string(pid);
    sys::write_all(pid_fd, text.data(), text.size(), "write");
    ::_exit(0);
  } catch (...) {
    fail_current(sync_fd, spec.what);
  }
}

// Through the intermediate: returns the process's pid once the intermediate
// is reaped, or throws its error.
pid_t spawn_through_intermediate(const SpawnSpec& spec, const SpawnHooks& hooks, SyncPair& pair,
                                 bool* moved) {
  // CLONE_PARENT is refused across pid namespaces: the process is the
  // intermediate's child, and ocirun, as subreaper, inherits it.
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) throw_errno("prctl PR_SET_CHILD_SUBREAPER");
  int p[2];
  if (::pipe2(p, O_CLOEXEC) < 0) throw_errno("pipe");
  UniqueFd pid_rd(p[0]), pid_wr(p[1]);
  bool in_cgroup = false;
  pid_t mid = sys::clone_process(0, spec.cgroup_fd, &in_cgroup);
  if (mid == 0) {
    pair.parent.reset();
    pid_rd.reset();
    intermediate(spec, pair.child.get(), pid_wr.get());
  }
  pid_wr.reset();
  pair.child.reset();
  try {
    if (spec.cgroup_fd >= 0 && !in_cgroup && hooks.move_to_cgroup) hooks.move_to_cgroup(mid);
    *moved = spec.cgroup_fd >= 0;
    send(pair.parent.get(), MsgType::Continue);
  } catch (...) {
    sys::kill_and_reap(mid);
    throw;
  }
  std::string text;
  try {
    text = sys::read_fd(pid_rd.get(), "the process's pid");
  } catch (const Error&) {
  }
  int status = sys::reap(mid);
  if (!text.empty()) return static_cast<pid_t>(std::stol(text));
  auto m = receive(pair.parent.get());
  if (m && m->type == MsgType::Error) throw Error(m->text, m->err);
  throw Error(spec.what + ": the process joining the namespaces " +
              sys::describe_wait_status(status));
}

// In the process, when it was not cloned into its cgroup but is moved
// there: waits until it is, so that nothing of its setup (its cgroup
// namespace above all) happens in the runtime's cgroup.
void await_cgroup(int sync_fd) noexcept {
  auto m = receive(sync_fd);
  if (!m || m->type != MsgType::InCgroup) ::_exit(1);
}

}  // namespace

Child spawn(const SpawnSpec& spec, const SpawnHooks& hooks) {
  SyncPair pair = make_sync_pair();
  Child c;
  c.what = spec.what;
  c.hooks = &hooks;
  // In its cgroup: cloned there, or its intermediate was. Otherwise (a
  // kernel before 5.7, or a cgroup that does not exist yet: the systemd
  // driver's unit) move_to_cgroup gets the process.
  // Moved, its new cgroup namespace is made after the move, by the process.
  bool moved = false;
  if (spec.join) {
    c.pid = spawn_through_intermediate(spec, hooks, pair, &moved);
  } else {
    bool in_cgroup = false;
    unsigned long later = spec.cgroup_fd < 0 && hooks.move_to_cgroup ? CLONE_NEWCGROUP : 0;
    c.pid = sys::clone_process(spec.clone_flags & ~later, spec.cgroup_fd, &in_cgroup);
    if (c.pid == 0) {
      pair.parent.reset();
      if (!in_cgroup && hooks.move_to_cgroup) {
        await_cgroup(pair.child.get());
        later = CLONE_NEWCGROUP;  // clone_process left it out too, when it could not
      }
      spec.main(pair.child.get(), spec.clone_flags & later);
      ::_exit(1);  // main never returns
    }
    pair.child.reset();
    moved = in_cgroup;
  }
  c.sync = std::move(pair.parent);
  try {
    if (hooks.on_cloned) hooks.on_cloned(c.pid);
    if (!moved && hooks.move_to_cgroup) {
      hooks.move_to_cgroup(c.pid);
      send(c.sync.get(), MsgType::InCgroup);
    }
  } catch (...) {
    c.kill_and_reap();
    throw;
  }
  return c;
}

std::optional<Message> Child::next(std::optional<MsgType> want) {
  for (auto m = receive(sync.get()); m; m = receive(sync.get())) {
    switch (m->type) {
      case MsgType::Log:
        log::relay(m->text);
        break;
      case MsgType::Console:
        console = std::move(m->fd);
        console_path = m->text;
        break;
      case MsgType::SeccompFd:
        if (hooks && hooks->seccomp_listener && m->fd) hooks->seccomp_listener(pid, m->fd.get());
        break;
      case MsgType::RuntimeHooks:
        send(sync.get(), MsgType::HooksDone, 0,
             hooks && hooks->runtime_hooks ? hooks->runtime_hooks() : "");
        break;
      case MsgType::Error:
        throw Error(m->text, m->err);
      default:
        if (m->type != want)
          throw Error(what + ": sync: unexpected message " + std::to_string(int(m->type)));
        return m;
    }
  }
  if (!want) return std::nullopt;
  int status = sys::reap(pid);
  pid = -1;
  throw Error(what + " " + sys::describe_wait_status(status) + " during setup");
}

Message Child::until(MsgType want) {
  return std::move(*next(want));
}

void Child::until_exec() {
  next(std::nullopt);
}

void Child::kill_and_reap() noexcept {
  sys::kill_and_reap(pid);
}

}  // namespace ocirun::launch
