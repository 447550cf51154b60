#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>

#include "runtime/launch/launch.hpp"
#include "runtime/launch/sync.hpp"
#include "runtime/log.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/syscalls.hpp"

namespace ocirun::launch {
namespace {

// Kills and reaps a child that failed during setup; returns how it ended.
int kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  return sys::reap(pid);
}

// The next message the child sent, or, when it died without one, how it ended.
// A terminal's master, sent on the way, is kept in c.console.
Message expect(Child& c, MsgType want, const SpawnHooks& hooks) {
  auto m = receive(c.sync.get());
  for (; m && (m->type == MsgType::Console || m->type == MsgType::RuntimeHooks ||
               m->type == MsgType::SeccompFd || m->type == MsgType::Log);
       m = receive(c.sync.get())) {
    if (m->type == MsgType::Log) {
      log::relay(m->text);
    } else if (m->type == MsgType::Console) {
      c.console = std::move(m->fd);
      c.console_path = m->text;
    } else if (m->type == MsgType::SeccompFd) {
      if (hooks.seccomp_listener && m->fd) hooks.seccomp_listener(m->fd.get());
    } else {
      send(c.sync.get(), MsgType::HooksDone, 0, hooks.runtime_hooks ? hooks.runtime_hooks() : "");
    }
  }
  if (!m) {
    int status = sys::reap(c.pid);
    c.pid = -1;
    throw Error("container init " + sys::describe_wait_status(status) + " during setup");
  }
  if (m->type == MsgType::Error) throw Error(m->text, m->err);
  if (m->type != want) throw Error("sync: unexpected message " + std::to_string(int(m->type)));
  return std::move(*m);
}

}  // namespace

namespace {

// Clones the init after the joins. A pid namespace whose init has exited
// takes no new process (ENOMEM): the sandbox a container was to join is gone.
pid_t clone_init_after_joins(const ns::Plan& plan) {
  try {
    return sys::clone_process(plan.clone_flags);
  } catch (const Error& e) {
    if (e.code() != ENOMEM) throw;
    for (const auto& j : plan.joins)
      if (j.type == spec::NsType::Pid)
        throw Error(j.field + ": pid namespace " + j.path +
                        ": its init has exited; no process can enter it any more",
                    ESRCH);
    throw;
  }
}

// The intermediate: joins the namespaces given by path, clones the init into
// the new ones, writes its pid to `pid_fd` and exits. The pid goes through a
// pipe of its own: on the sync socket the init may already be talking.
// Nothing escapes it: a failure goes over the sync socket.
[[noreturn]] void join_then_clone(const InitConfig& cfg, int sync_fd, int pid_fd) noexcept {
  try {
    forward_log(sync_fd);
    ns::join_namespaces(*cfg.namespaces, cfg.ns_fds);
    InitConfig joined = cfg;
    joined.joined_by_intermediate = true;
    joined.ns_fds.clear();
    pid_t pid = clone_init_after_joins(*cfg.namespaces);
    if (pid == 0) init_main(joined, sync_fd);
    std::string text = std::to_string(pid);
    sys::write_all(pid_fd, text.data(), text.size(), "write");
    ::_exit(0);
  } catch (...) {
    fail_current(sync_fd, "joining the namespaces");
  }
}

// The init, cloned straight into its new namespaces, or through an intermediate
// that joins the namespaces given by path first (ns::Plan::join_before_clone).
pid_t clone_init(const InitConfig& cfg, SyncPair& pair, bool& in_cgroup) {
  if (!cfg.namespaces->join_before_clone()) {
    pid_t pid = sys::clone_process(cfg.namespaces->clone_flags, cfg.cgroup_fd, &in_cgroup);
    if (pid == 0) {
      pair.parent.reset();
      init_main(cfg, pair.child.get());
    }
    return pid;
  }
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) throw_errno("prctl PR_SET_CHILD_SUBREAPER");
  int p[2];
  if (::pipe2(p, O_CLOEXEC) < 0) throw_errno("pipe");
  UniqueFd pid_rd(p[0]), pid_wr(p[1]);
  pid_t mid = sys::clone_process(0, cfg.cgroup_fd, &in_cgroup);
  if (mid == 0) {
    pair.parent.reset();
    pid_rd.reset();
    join_then_clone(cfg, pair.child.get(), pid_wr.get());
  }
  pid_wr.reset();
  std::string text;
  try {
    text = sys::read_fd(pid_rd.get(), "the init's pid");
  } catch (const Error&) {
  }
  int status = sys::reap(mid);
  if (!text.empty()) return static_cast<pid_t>(std::stol(text));
  auto m = receive(pair.parent.get());
  if (m && m->type == MsgType::Error) throw Error(m->text, m->err);
  throw Error("the process joining the namespaces " + sys::describe_wait_status(status));
}

}  // namespace

Child spawn(const InitConfig& cfg, const SpawnHooks& hooks) {
  SyncPair pair = make_sync_pair();
  bool in_cgroup = false;
  pid_t pid = clone_init(cfg, pair, in_cgroup);
  pair.child.reset();
  Child c;
  c.pid = pid;
  c.sync = std::move(pair.parent);
  try {
    hooks.on_cloned(pid);
    if (cfg.cgroup_fd >= 0 && !in_cgroup && hooks.move_to_cgroup) hooks.move_to_cgroup(pid);
    if (cfg.namespaces->new_user) {
      ns::write_id_maps(pid, *cfg.namespaces);
      for (const auto& op : cfg.rootfs->mounts) {
        if (!op.bind) continue;
        UniqueFd tree = rootfs::make_source_tree(op);
        send(c.sync.get(), MsgType::MountFd, 0, op.field, tree.get());
      }
      send(c.sync.get(), MsgType::MapsWritten);
    }
    expect(c, MsgType::Ready, hooks);
  } catch (...) {
    if (c.pid > 0) kill_and_reap(c.pid);
    throw;
  }
  return c;
}

void release(Child& c, StartMode mode, const std::string& state) {
  send(c.sync.get(), MsgType::Continue, 0, state);
  if (mode == StartMode::Fifo) return;
  send(c.sync.get(), MsgType::Start);
  // EOF: the child's end closed on exec. A message: exec failed.
  auto m = receive(c.sync.get());
  for (; m && m->type == MsgType::Log; m = receive(c.sync.get())) log::relay(m->text);
  if (m && m->type == MsgType::Error) throw Error(m->text, m->err);
}

}  // namespace ocirun::launch
