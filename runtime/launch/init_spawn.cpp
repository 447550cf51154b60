// The parent's side of the init's setup (sync.hpp): spawned through the one
// spawn path (spawn.cpp), then given its id maps and bind sources when it has
// a new user namespace, and waited for until it is ready to exec.
#include <sched.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "runtime/launch/launch.hpp"
#include "runtime/launch/spawn.hpp"
#include "runtime/launch/sync.hpp"
#include "runtime/log.hpp"
#include "runtime/process/attributes.hpp"
#include "runtime/sys/error.hpp"

namespace ocirun::launch {
namespace {

// "linux.namespaces[i]: pid namespace PATH" when the init joins one.
std::string joined_pid_namespace(const ns::Plan& plan) {
  for (const auto& j : plan.joins)
    if (j.type == spec::NsType::Pid) return j.field + ": pid namespace " + j.path;
  return {};
}

}  // namespace

Child spawn_init(const InitConfig& cfg, const SpawnHooks& hooks) {
  SpawnSpec spec;
  spec.what = "container init";
  spec.clone_flags = cfg.namespaces->clone_flags;
  spec.cgroup_fd = cfg.cgroup_fd;
  spec.preserve_fds = cfg.preserve_fds;
  InitConfig joined = cfg;
  if (cfg.namespaces->join_before_clone()) {
    // Pid, time and user namespaces given by path, and any join next to a new
    // user namespace: joined by the intermediate, so that the init is born in
    // them (and mounts /proc of the right pid namespace).
    spec.join = [&] { ns::join_namespaces(*cfg.namespaces, cfg.ns_fds); };
    spec.joined_pid_namespace = joined_pid_namespace(*cfg.namespaces);
    spec.keep = cfg.ns_fds;
    spec.keep.push_back(cfg.exec_fifo_fd);
    joined.joined_by_intermediate = true;
    joined.ns_fds.clear();
  }
  spec.main = [&](int sync_fd, unsigned long unshare_later) {
    init_main(joined, sync_fd, unshare_later);
  };
  // ocirun is not dumpable, and its children are born so: their /proc files
  // are then root's, and a rootless ocirun could not write the init's id
  // maps. It is dumpable for the clone alone (the child inherits that, and
  // turns it off once its maps are written: ns::become_root); no process of
  // the container exists yet, and rootless, ocirun is the caller's own.
  // Who writes the id maps, settled before anything is made (a map the
  // caller may not use is refused here).
  ns::MapWriters writers = ns::map_writers(*cfg.namespaces);
  bool dumpable = cfg.namespaces->new_user && ::geteuid() != 0;
  if (dumpable && ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0) throw_errno("prctl PR_SET_DUMPABLE");
  Child c;
  try {
    c = spawn(spec, hooks);
  } catch (...) {
    if (dumpable) ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    throw;
  }
  if (dumpable) ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  try {
    if (cfg.namespaces->new_user) {
      // The init has none of the host's capabilities left, and its /proc
      // files are not its own: ocirun sets its oom_score_adj.
      process::apply_oom_score_adj(*cfg.config->process, c.pid);
      ns::write_id_maps(c.pid, *cfg.namespaces, writers);
      // Bind sources are opened here, as the host's root; a caller that is
      // not root could not clone a mount tree: the init binds them itself.
      for (const auto& op : cfg.rootfs->mounts) {
        if (!op.bind || (::geteuid() != 0 && !op.idmap)) continue;
        UniqueFd tree = rootfs::make_source_tree(op);
        send(c.sync.get(), MsgType::MountFd, 0, op.field, tree.get());
      }
      send(c.sync.get(), MsgType::MapsWritten);
    }
    c.until(MsgType::Ready);
  } catch (...) {
    c.kill_and_reap();
    throw;
  }
  return c;
}

void release(Child& c, StartMode mode, const std::string& state) {
  send(c.sync.get(), MsgType::Continue, 0, state);
  if (mode == StartMode::Fifo) return;
  send(c.sync.get(), MsgType::Start);
  // EOF: the child's end closed on exec. kError: exec failed.
  c.until_exec();
}

}  // namespace ocirun::launch
