#include "namespaces/plan.hpp"
#include "namespaces/types.hpp"

#include <sched.h>

#include <algorithm>

#include "runtime/spec/tables.hpp"
#include "runtime/sys/error.hpp"

namespace ocirun::ns {

Plan plan(const spec::Config& config) {
  Plan p;
  bool has_mount = false;
  if (!config.linux_)
    throw Error("linux: missing; a container needs at least a mount namespace of its own");
  const auto& lx = *config.linux_;
  for (const auto& info : namespace_table()) {
    const spec::Namespace* n = spec::find_namespace(config, info.type);
    if (!n) continue;
    // A time namespace with offsets is made by the init itself (unshare, write
    // the offsets, exec): clocks cannot be offset once a process is inside.
    bool by_init = info.type == spec::NsType::Time && lx.time_offsets;
    if (!n->path.empty())
      p.joins.push_back({info.type, n->path,
                         "linux.namespaces[" + std::to_string(n - lx.namespaces.data()) + "]"});
    else if (!by_init)
      p.clone_flags |= static_cast<unsigned long>(info.clone_flag);
    switch (info.type) {
      case spec::NsType::User:
        p.new_user = n->path.empty();
        break;
      case spec::NsType::Pid:
        p.own_pid = n->path.empty();
        break;
      case spec::NsType::Mount:
        p.own_mount = n->path.empty();
        has_mount = true;
        break;
      case spec::NsType::Uts:
        p.own_uts = true;
        break;
      default:
        break;
    }
  }
  // Join the user namespace first: it decides what the others may be joined with.
  std::stable_partition(p.joins.begin(), p.joins.end(),
                        [](const Join& j) { return j.type == spec::NsType::User; });
  if (!has_mount)
    throw Error(
        "linux.namespaces: a mount namespace is required (type \"mount\", new or with a path)");
  if (!config.hostname.empty() && !p.own_uts)
    throw Error("hostname: setting the hostname needs a UTS namespace of the container's own");
  if (!config.domainname.empty() && !p.own_uts)
    throw Error("domainname: setting the domainname needs a UTS namespace of the container's own");
  if (p.new_user) {
    if (lx.uid_mappings.empty())
      throw Error("linux.uidMappings: a new user namespace needs uid mappings");
    if (lx.gid_mappings.empty())
      throw Error("linux.gidMappings: a new user namespace needs gid mappings");
    p.uid_mappings = lx.uid_mappings;
    p.gid_mappings = lx.gid_mappings;
  } else if (!lx.uid_mappings.empty() || !lx.gid_mappings.empty()) {
    if (!spec::find_namespace(config, spec::NsType::User))
      throw Error("linux.uidMappings: id mappings need a user namespace in linux.namespaces");
  }
  return p;
}

std::string id_map_text(const std::vector<spec::IdMapping>& maps) {
  std::string out;
  for (const auto& m : maps)
    out += std::to_string(m.container_id) + " " + std::to_string(m.host_id) + " " +
           std::to_string(m.size) + "\n";
  return out;
}

}  // namespace ocirun::ns
