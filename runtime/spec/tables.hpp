// The names the spec lets a config use, with what each maps to on Linux. One
// table per kind: the loader validates against them, the launcher maps through
// them, and `ocirun features` prints them, so the three cannot drift apart.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "runtime/spec/config.hpp"

namespace ocirun::spec {

// The runtime-spec version this runtime implements: written into `ocirun spec`
// output and reported as ociVersionMax by `ocirun features`.
inline constexpr std::string_view kOciVersion = "1.3.0";

struct NamespaceInfo {
  NsType type;
  std::string_view name;       // spec name: "pid", "network", "mount", ...
  int clone_flag;              // CLONE_NEWPID, ...
  std::string_view proc_name;  // entry under /proc/<pid>/ns: "pid", "net", "mnt", ...
};
std::span<const NamespaceInfo> namespace_table();
const NamespaceInfo& namespace_info(NsType t);
std::optional<NsType> namespace_from_name(std::string_view name);

struct RlimitInfo {
  std::string_view name;  // "RLIMIT_NOFILE"
  int resource;           // RLIMIT_NOFILE
};
std::span<const RlimitInfo> rlimit_table();
std::optional<int> rlimit_from_name(std::string_view name);

struct CapabilityInfo {
  std::string_view name;  // "CAP_SYS_ADMIN"
  int number;             // CAP_SYS_ADMIN
};
std::span<const CapabilityInfo> capability_table();
std::optional<int> capability_from_name(std::string_view name);

// Hook kinds in config.json order: "prestart", "createRuntime", ...
std::span<const std::string_view> hook_names();

}  // namespace ocirun::spec
