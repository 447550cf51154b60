// The parent's side of the init's setup (sync.hpp): spawned through the one
// spawn path (spawn.cpp), then given its id maps and bind sources when it has
// a new user namespace, and waited for until it is ready to exec.
#include <sched.h>

#include "runtime/launch/launch.hpp"
#include "runtime/launch/spawn.hpp"
#include "runtime/launch/sync.hpp"
#include "runtime/log.hpp"
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
  Child c = spawn(spec, hooks);
  try {
    if (cfg.namespaces->new_user) {
      ns::write_id_maps(c.pid, *cfg.namespaces);
      for (const auto& op : cfg.rootfs->mounts) {
        if (!op.bind) continue;
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
