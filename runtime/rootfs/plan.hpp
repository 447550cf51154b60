// The root filesystem plan: config in, the ordered list of what to mount, create
// and link inside the container's root out. Pure: unit tests check it without
// root; apply.cpp carries it out inside the container's mount namespace.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "runtime/spec/config.hpp"
#include "runtime/sys/fd.hpp"
#include "runtime/sys/mountinfo.hpp"

namespace ocirun::rootfs {

struct MountOp {
  std::string source;       // host path for bind mounts (absolute), fs source otherwise
  std::string destination;  // absolute, inside the container's root
  std::string fstype;       // empty for bind mounts
  unsigned long flags = 0;  // MS_* flags (MS_RDONLY, MS_NOSUID, ...)
  std::string data;
  bool bind = false;
  bool recursive = false;
  unsigned long propagation = 0;  // applied after mounting, when non-zero
  // MOUNT_ATTR_* set/cleared on the whole tree once mounted ("rro", "rnosuid", ...).
  uint64_t attr_set = 0;
  uint64_t attr_clr = 0;
  bool tmpcopyup = false;  // a tmpfs filled with what the directory it covers held
  // An idmapped bind mount: the source, as seen through a user namespace with
  // these maps (containerID: the id in the source filesystem, hostID: the id it shows as).
  bool idmap = false;
  bool idmap_recursive = false;  // "ridmap": every mount of an rbind tree
  std::vector<spec::IdMapping> uid_mappings, gid_mappings;
  // A cgroup2 mount the kernel may refuse (EPERM/EBUSY: a user namespace without a
  // cgroup namespace of its own): bind the container's cgroup from the host instead.
  bool cgroup_bind_fallback = false;
  // procfs and sysfs (or the host's /sys bound in their place): the
  // destination must be a directory reached through no symlink, or masks and
  // procfs writes would miss what the container sees (CVE-2019-19921).
  bool real_dir = false;
  std::string field;  // config path, for messages: "mounts[3]"
};

struct DeviceOp {
  std::string path;  // absolute, inside the container
  char type = 'c';
  uint32_t major = 0, minor = 0;
  uint32_t mode = 0666;  // permission bits
  uint32_t uid = 0, gid = 0;
};

struct SymlinkOp {
  std::string target;
  std::string link;  // absolute, inside the container
};

struct Plan {
  std::string rootfs;                          // absolute host path
  unsigned long root_propagation = 0;          // for "/" before anything else
  unsigned long rootfs_propagation_after = 0;  // rootfsPropagation, applied after pivot
  std::vector<MountOp> mounts;
  bool make_devices = false;  // /dev is the runtime's to populate
  bool bind_devices = false;  // in a user namespace: bind host devices, mknod is not allowed
  std::vector<DeviceOp> devices;
  std::vector<SymlinkOp> symlinks;
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  bool readonly_root = false;
  // /dev asked "ro": mounted writable, made read-only once its submounts,
  // devices, links and console are in it (seal_dev), as runc does.
  bool readonly_dev = false;
  bool pivot = true;  // false: --no-pivot (MS_MOVE + chroot)
};

struct PlanInput {
  std::string bundle;  // absolute
  std::string rootfs;  // absolute, resolved
  bool no_pivot = false;
  bool user_namespace = false;      // the container is in a user namespace of its own
  bool new_user_namespace = false;  // ... created for it (not joined by path)
  bool network_namespace = false;   // ... and a network namespace of its own
  // Rootless (runtime/cli/rootless.hpp): the runtime itself lacks the host's
  // root, as in a user namespace: no mknod, the host's sysfs only bound.
  bool rootless = false;
};

// Throws Error naming the field for a mount the runtime cannot make.
Plan plan(const spec::Config& config, const PlanInput& in);

// --no-pivot leaves the host's mounts in the container's mount namespace,
// under the moved root. A full procfs or sysfs among them would let a
// process in a nested user namespace mount a fresh one (the kernel refuses
// only when no full, uncovered instance is visible) and so see what
// maskedPaths hide: these are the mount points to detach (or cover) first,
// as runc does. Full mounts of proc and sysfs outside `rootfs`.
std::vector<std::string> revealing_mounts(const std::vector<sys::MountEntry>& mounts,
                                          const std::string& rootfs);

// Effects (apply.cpp), in the container's new mount namespace.
// Prepares and mounts everything under the rootfs, then pivots into it; `/` is the
// container's root afterwards. `before_finish` runs after the pivot, with the
// container's /proc mounted and not yet made read-only by finish() (sysctls).
// `before_pivot` runs once everything is mounted, before the pivot (hooks).
// `premade` holds the bind sources the runtime opened (keyed by MountOp::field).
void apply(const Plan& plan, const std::function<void()>& before_finish = {},
           const std::function<void()>& before_pivot = {},
           std::map<std::string, UniqueFd>* premade = nullptr);

// Runtime side, for a container with a user namespace of its own: the source
// of each bind mount as a detached tree (id-mapped when asked), made while
// the runtime is still the host's root and handed to the init, which attaches
// it. Its root could neither reach a source in a 0700 host directory (runc
// opens sources the same way) nor id-map a mount (that takes privilege over
// the source's filesystem).
UniqueFd make_source_tree(const MountOp& op);
// The steps after pivoting that must wait for /proc (masked and read-only paths,
// read-only root). Part of apply(); exposed for exec-time reuse.
void finish(const Plan& plan);
// The last step of the init's root: a read-only /dev (Plan::readonly_dev).
void seal_dev(const Plan& plan);

}  // namespace ocirun::rootfs
