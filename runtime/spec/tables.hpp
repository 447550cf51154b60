// The names the spec lets a config use, with what each maps to on Linux. One
// table per kind: the loader validates against them, the launcher maps through
// them, and `ocirun features` prints them, so the three cannot drift apart.
// The namespace types have theirs in namespaces/types.hpp.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "runtime/spec/config.hpp"

namespace ocirun::spec {

// The runtime-spec version this runtime implements: written into `ocirun spec`
// output and reported as ociVersionMax by `ocirun features`.
inline constexpr std::string_view kOciVersion = "1.3.0";

// linux.seccomp's vocabulary (defs-linux.json): what the loader accepts and
// `features` reports.
inline constexpr std::string_view kSeccompActions[] = {
    "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
    "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          "SCMP_ACT_NOTIFY"};
// Members of `linux` that ocirun does not implement: the loader notes them,
// create refuses a config that has them (rather than run without), features
// reports them disabled.
inline constexpr std::string_view kUnimplementedLinux[] = {"intelRdt", "netDevices",
                                                           "memoryPolicy"};
bool linux_member_implemented(std::string_view name);

inline constexpr std::string_view kSeccompFlags[] = {
    "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
inline constexpr std::string_view kSeccompArchs[] = {
    "SCMP_ARCH_X86",         "SCMP_ARCH_X86_64",      "SCMP_ARCH_X32",    "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64",     "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",   "SCMP_ARCH_MIPS",
    "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",
    "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",         "SCMP_ARCH_PPC64",  "SCMP_ARCH_PPC64LE",
    "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",       "SCMP_ARCH_SH",     "SCMP_ARCH_SHEB",
    "SCMP_ARCH_PARISC",      "SCMP_ARCH_PARISC64",    "SCMP_ARCH_RISCV64"};
inline constexpr std::string_view kSeccompOperators[] = {
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",       "SCMP_CMP_EQ",
    "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};

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
