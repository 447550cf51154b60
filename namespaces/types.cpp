#include "namespaces/types.hpp"

#include <sched.h>

#include <array>

// Older C library headers may lack the time namespace flag (Linux 5.6).
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace ocirun::ns {
namespace {

using spec::NsType;

// In NsType order, so that namespace_info() is an index (checked below).
constexpr std::array<NamespaceInfo, 8> kNamespaces{{
    {NsType::User, "user", CLONE_NEWUSER, "user"},
    {NsType::Mount, "mount", CLONE_NEWNS, "mnt"},
    {NsType::Pid, "pid", CLONE_NEWPID, "pid"},
    {NsType::Network, "network", CLONE_NEWNET, "net"},
    {NsType::Ipc, "ipc", CLONE_NEWIPC, "ipc"},
    {NsType::Uts, "uts", CLONE_NEWUTS, "uts"},
    {NsType::Cgroup, "cgroup", CLONE_NEWCGROUP, "cgroup"},
    {NsType::Time, "time", CLONE_NEWTIME, "time"},
}};

constexpr bool namespaces_in_enum_order() {
  for (size_t i = 0; i < kNamespaces.size(); ++i)
    if (static_cast<size_t>(kNamespaces[i].type) != i) return false;
  return true;
}
static_assert(namespaces_in_enum_order(), "kNamespaces must follow the NsType order");

}  // namespace

std::span<const NamespaceInfo> namespace_table() {
  return kNamespaces;
}

const NamespaceInfo& namespace_info(NsType t) {
  return kNamespaces[static_cast<size_t>(t)];
}

std::optional<NsType> namespace_from_name(std::string_view name) {
  for (const NamespaceInfo& n : kNamespaces)
    if (n.name == name) return n.type;
  return std::nullopt;
}

}  // namespace ocirun::ns
