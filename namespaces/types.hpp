// The kernel's namespace types as the runtime-spec names them: the spec's
// name ("network"), the clone flag (CLONE_NEWNET) and the entry under
// /proc/<pid>/ns ("net"). The loader reads names through it, the planner and
// the joins map through it, and `ocirun features` prints it.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "runtime/spec/config.hpp"

namespace ocirun::ns {

struct NamespaceInfo {
  spec::NsType type;
  std::string_view name;       // spec name: "pid", "network", "mount", ...
  int clone_flag;              // CLONE_NEWPID, ...
  std::string_view proc_name;  // entry under /proc/<pid>/ns: "pid", "net", "mnt", ...
};
std::span<const NamespaceInfo> namespace_table();
const NamespaceInfo& namespace_info(spec::NsType t);
std::optional<spec::NsType> namespace_from_name(std::string_view name);

}  // namespace ocirun::ns
