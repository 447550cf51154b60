// The process and kernel attributes of the container: sysctls, the scheduling
// policy, the I/O priority, the CPU affinity, the personality and the time
// namespace's clock offsets: what to set (pure) and the calls that set it,
// made by the container's init. Whether a value is allowed at all is
// spec/validate.hpp's, which the loader checks before anything is created.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/spec/config.hpp"
#include "runtime/spec/validate.hpp"

namespace ocirun::process {

// --- linux.sysctl (sysctl.cpp) ---

// The file that sets it: "/proc/sys/net/ipv4/ip_forward"; nullopt as above.
std::optional<std::string> sysctl_path(std::string_view key);
// Writes each value to its /proc/sys file; throws "setting sysctl KEY: ...".
// Runs inside the container, with its /proc mounted and still writable.
void apply_sysctls(const std::map<std::string, std::string>& sysctl);

// --- process.execCPUAffinity ---

// --- process.scheduler ---

// struct sched_attr of sched_setattr(2), as far as the spec fills it.
struct SchedAttr {
  uint32_t policy = 0;
  uint64_t flags = 0;
  int32_t nice = 0;
  uint32_t priority = 0;
  uint64_t runtime = 0, deadline = 0, period = 0;
};
// Throws Error for what check_scheduler refuses.
SchedAttr sched_attr(const spec::Scheduler& s);

// --- process.ioPriority ---

// The value of ioprio_set(2): class << 13 | level. nullopt for an unknown class.
std::optional<int> ioprio_value(const spec::IoPriority& p);

// --- linux.personality ---

// PER_LINUX or PER_LINUX32; nullopt when no domain is set.
std::optional<unsigned long> personality_value(const spec::Personality& p);

// --- linux.timeOffsets ---

// --- effects, in the container's init ---

// With linux.timeOffsets: creates the time namespace the process enters at
// exec, with its offsets. Called before the ids change in a new user
// namespace: /proc/self/timens_offsets is then still the process's to open.
void enter_time_namespace(const spec::Config& config);
// Called after the rootfs is set up and before the capabilities are dropped:
// sets the personality, the I/O priority, the CPU affinity and the
// scheduling policy. Throws naming the field.
void apply_attributes(const spec::Config& config);
// The process's own part of that (I/O priority, CPU affinity, scheduler), which
// `exec` applies to its process too.
void apply_process_attributes(const spec::Process& p);
// process.oomScoreAdj, written through a verified procfs (sys/procfs.hpp) for
// `pid` (0: the caller): by the init itself, by ocirun for an init in a new
// user namespace (which has no capability of the host's left to lower it),
// and by exec's intermediate. A value below the current one that is refused
// says so (it needs CAP_SYS_RESOURCE: not rootless).
void apply_oom_score_adj(const spec::Process& p, pid_t pid = 0);

}  // namespace ocirun::process
