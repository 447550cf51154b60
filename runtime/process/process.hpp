// The container process's identity and limits: user and groups, capabilities,
// rlimits, and the executable to run. Each has a pure part (what to set) and
// the call that sets it, made by the container's init.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/spec/config.hpp"

namespace ocirun::process {

// Capability sets as bit masks (bit N = capability N).
struct CapSets {
  uint64_t bounding = 0, effective = 0, inheritable = 0, permitted = 0, ambient = 0;
};
CapSets cap_sets(const spec::Capabilities& caps);
// Removes what `available` (the runtime's own bounding set) lacks; returns the
// names of the capabilities removed.
std::vector<std::string> restrict_caps(CapSets& sets, uint64_t available);

// Sets rlimits; throws naming the limit.
void apply_rlimits(const std::vector<spec::Rlimit>& rlimits);

// Switches to the configured user and groups and applies the capability sets:
// the bounding set is dropped first (every capability the kernel has, up to
// cap_last_cap, that the config does not name), then the ids change with the
// capabilities kept, then the process's sets are set and ambient ones raised.
// An absent `caps` grants nothing. `also_keep` stays effective and permitted
// on top (CAP_SYS_ADMIN, for a seccomp filter loaded at the last moment);
// set_capabilities(returned sets) drops it. Returns the sets applied.
CapSets apply_user_and_capabilities(const spec::User& user,
                                    const std::optional<spec::Capabilities>& caps,
                                    uint64_t also_keep = 0);
// capset(2): the effective, permitted and inheritable sets of `sets`.
void set_capabilities(const CapSets& sets);

// The search path of the container's environment (PATH=..., or the default).
std::string search_path(const std::vector<std::string>& env);
// The candidates for args[0] in order: itself when it has a '/', else each PATH dir.
std::vector<std::string> exec_candidates(const std::string& arg0, const std::string& path);
// The executable to run, found in the container's filesystem. Throws
// `exec: "foo": executable file not found in $PATH` as runc words it.
std::string find_executable(const std::string& arg0, const std::vector<std::string>& env);

// --- process.apparmorProfile, process.selinuxLabel (lsm.cpp) ---

struct LsmSupport {
  bool apparmor = false, selinux = false;
};
// The labels this runtime knows how to give (apply_exec_labels): what
// `features` reports as linux.apparmor/selinux.enabled, whatever the host has.
inline constexpr LsmSupport kLabelsImplemented{.apparmor = true, .selinux = true};
// What the host enables (/sys/module/apparmor, selinuxfs).
LsmSupport host_lsm_support();
// Why the process's labels cannot be applied on such a host; empty when they can.
std::string lsm_refusal(const spec::Process& p, const LsmSupport& host);
// Throws lsm_refusal's message (EINVAL) when the process has a label this
// host cannot give; probes the host only when it has one.
void check_exec_labels(const spec::Process& p);
// In the process, before exec: the labels it takes at exec. Throws naming the field.
void apply_exec_labels(const spec::Process& p);

}  // namespace ocirun::process
