#include "runtime/rootfs/plan.hpp"

#include <sys/mount.h>

#include <algorithm>
#include <array>

#include "runtime/rootfs/options.hpp"
#include "runtime/sys/error.hpp"

namespace ocirun::rootfs {
namespace {

// The devices every container gets (runtime-linux.md, "Default Devices").
// Names and numbers only: a constexpr table of DeviceOps (std::string) is a
// constant expression for GCC but not for clang before 17 (tests/fuzz).
struct DefaultDevice {
  const char* path;
  uint32_t major, minor;
};
constexpr std::array<DefaultDevice, 6> kDefaultDevices{{
    {"/dev/null", 1, 3},
    {"/dev/zero", 1, 5},
    {"/dev/full", 1, 7},
    {"/dev/random", 1, 8},
    {"/dev/urandom", 1, 9},
    {"/dev/tty", 5, 0},
}};

unsigned long propagation_flags(const std::string& name) {
  if (name.empty()) return 0;
  auto o = parse_mount_options({name});
  return o.propagation;
}

std::string join_bundle(const std::string& bundle, const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  return bundle + "/" + path;
}

}  // namespace

Plan plan(const spec::Config& config, const PlanInput& in) {
  Plan p;
  p.rootfs = in.rootfs;
  p.pivot = !in.no_pivot;
  p.readonly_root = config.root.readonly;
  p.bind_devices = in.user_namespace || in.rootless;
  std::string propagation = config.linux_ ? config.linux_->rootfs_propagation : "";
  // Nothing we mount may propagate back to the host: "/" is made a slave first,
  // unless rootfsPropagation asks for private (stricter) or shared (kept on the rootfs).
  p.root_propagation = MS_SLAVE | MS_REC;
  if (propagation == "private" || propagation == "rprivate")
    p.root_propagation = MS_PRIVATE | MS_REC;
  p.rootfs_propagation_after = propagation_flags(propagation);

  for (size_t i = 0; i < config.mounts.size(); ++i) {
    const auto& m = config.mounts[i];
    MountOp op;
    op.field = "mounts[" + std::to_string(i) + "]";
    op.destination = m.destination;
    auto o = parse_mount_options(m.options);
    op.flags = o.flags;
    op.data = o.data;
    op.propagation = o.propagation;
    op.bind = o.bind || m.type == "bind";
    op.recursive = o.recursive;
    op.attr_set = o.attr_set;
    op.attr_clr = o.attr_clr;
    op.idmap = o.idmap || !m.uid_mappings.empty() || !m.gid_mappings.empty();
    op.idmap_recursive = o.idmap_recursive;
    if (op.idmap) {
      if (!op.bind)
        throw Error(op.field + ": an idmapped mount (idmap, ridmap) must be a bind mount");
      if (in.user_namespace && !in.new_user_namespace)
        throw Error(op.field +
                    ": idmapped mounts (idmap, ridmap, uidMappings) are not supported in a "
                    "user namespace joined by path");
      if (m.uid_mappings.empty() || m.gid_mappings.empty())
        throw Error(op.field + ": an idmapped mount needs both uidMappings and gidMappings");
      op.uid_mappings = m.uid_mappings;
      op.gid_mappings = m.gid_mappings;
    }
    if (op.bind) {
      if (m.source.empty()) throw Error(op.field + ".source: a bind mount needs a source");
      op.source = join_bundle(in.bundle, m.source);
    } else if (m.type == "sysfs" && (in.user_namespace || in.rootless) && !in.network_namespace) {
      // sysfs can only be mounted by the owner of the network namespace: take the host's.
      op.bind = op.recursive = true;
      op.source = "/sys";
      op.real_dir = true;
    } else {
      if (m.type.empty())
        throw Error(op.field + ".type: needed for a mount that is not a bind mount");
      op.fstype = m.type == "cgroup" ? "cgroup2" : m.type;
      op.source = m.source.empty() ? op.fstype : m.source;
      op.tmpcopyup = o.tmpcopyup && op.fstype == "tmpfs";  // as runc: other types ignore it
      op.cgroup_bind_fallback = op.fstype == "cgroup2";
      op.real_dir = op.fstype == "proc" || op.fstype == "sysfs";
      // The container's view of its cgroups is read-only unless "rw" is asked for.
      if (op.cgroup_bind_fallback &&
          std::find(m.options.begin(), m.options.end(), "rw") == m.options.end())
        op.flags |= MS_RDONLY;
    }
    if (op.destination == "/dev" && (op.flags & MS_RDONLY)) {
      op.flags &= ~MS_RDONLY;
      p.readonly_dev = true;
    }
    p.mounts.push_back(std::move(op));
  }

  // Populate /dev when the config gives the container a /dev of its own (a tmpfs),
  // or mounts nothing there (then the rootfs' /dev is used).
  bool dev_bound = false;
  for (const auto& op : p.mounts)
    if (op.destination == "/dev" && op.bind) dev_bound = true;
  p.make_devices = !dev_bound;  // a bind of the host's /dev is left as it is
  if (p.make_devices) {
    for (const DefaultDevice& d : kDefaultDevices)
      p.devices.push_back(DeviceOp{d.path, 'c', d.major, d.minor, 0666, 0, 0});
    if (config.linux_) {
      for (const auto& d : config.linux_->devices) {
        DeviceOp op{d.path,
                    d.type,
                    static_cast<uint32_t>(d.major),
                    static_cast<uint32_t>(d.minor),
                    d.file_mode.value_or(0666) & 07777,
                    d.uid.value_or(0),
                    d.gid.value_or(0)};
        // A config entry replaces a default device of the same path.
        std::erase_if(p.devices, [&](const DeviceOp& x) { return x.path == op.path; });
        p.devices.push_back(op);
      }
    }
    p.symlinks = {{"/proc/self/fd", "/dev/fd"},
                  {"/proc/self/fd/0", "/dev/stdin"},
                  {"/proc/self/fd/1", "/dev/stdout"},
                  {"/proc/self/fd/2", "/dev/stderr"}};
    for (const auto& op : p.mounts)
      if (op.destination == "/dev/pts" && op.fstype == "devpts")
        p.symlinks.push_back({"pts/ptmx", "/dev/ptmx"});
  }
  if (config.linux_) {
    p.masked_paths = config.linux_->masked_paths;
    p.readonly_paths = config.linux_->readonly_paths;
  }
  return p;
}

std::vector<std::string> revealing_mounts(const std::vector<sys::MountEntry>& mounts,
                                          const std::string& rootfs) {
  std::vector<std::string> out;
  for (const auto& m : mounts)
    if (m.root == "/" && (m.fstype == "proc" || m.fstype == "sysfs") &&
        !sys::path_under(m.point, rootfs))
      out.push_back(m.point);
  return out;
}

}  // namespace ocirun::rootfs
