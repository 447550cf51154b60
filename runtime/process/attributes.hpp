// The process and kernel attributes of the container: sysctls, the scheduling
// policy, the I/O priority, the CPU affinity, the personality and the time
// namespace's clock offsets. Each has a pure part (is it allowed, what to set),
// which the loader uses to refuse a config before anything is created, and the
// calls that set it, made by the container's init.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/spec/config.hpp"

namespace ocirun::process {

// A fault in a part of a config object: `field` is the member at fault,
// relative to the object checked ("priority"), empty for the object itself.
struct Problem {
  std::string field;
  std::string message;
};

// --- linux.sysctl (sysctl.cpp) ---

// The components of a sysctl name as sysctl(8) reads it: dot-separated
// ("net.ipv4.ip_forward"), where a '/' stands for a dot inside a component
// ("net.ipv4.conf.eth0/100.forwarding"), or slash-separated when the first
// separator is a slash ("net/ipv4/conf/eth0.100/forwarding"). nullopt for a
// name with an empty, "." or ".." component.
std::optional<std::vector<std::string>> sysctl_components(std::string_view key);
// The file that sets it: "/proc/sys/net/ipv4/ip_forward"; nullopt as above.
std::optional<std::string> sysctl_path(std::string_view key);
// Why `key` may not be set in a container with these namespaces (a namespace
// joined by path counts as the container's own); empty when it may. Only the
// sysctls of the network, IPC and UTS namespaces are allowed:
//   "vm.swappiness" is not namespaced; refusing to set it in a container
std::string sysctl_refusal(std::string_view key, const std::vector<spec::Namespace>& namespaces);
// Writes each value to its /proc/sys file; throws "setting sysctl KEY: ...".
// Runs inside the container, with its /proc mounted and still writable.
void apply_sysctls(const std::map<std::string, std::string>& sysctl);

// --- process.execCPUAffinity ---

// The CPUs of a list such as "0-3,7" (spaces around items are allowed), sorted
// and without repeats; empty for an empty or blank list. Throws Error naming the
// fault ("CPU range \"3-1\" is reversed").
std::vector<unsigned> parse_cpu_list(std::string_view list);
// The largest CPU number a list may name.
inline constexpr unsigned kMaxCpu = 8191;
// The list the init applies: `final` when set, else `initial`; nullopt for none.
std::optional<std::string> init_cpu_list(const spec::CpuAffinity& affinity);

// --- process.scheduler ---

// struct sched_attr of sched_setattr(2), as far as the spec fills it.
struct SchedAttr {
  uint32_t policy = 0;
  uint64_t flags = 0;
  int32_t nice = 0;
  uint32_t priority = 0;
  uint64_t runtime = 0, deadline = 0, period = 0;
};
// nullopt for a name the spec does not list.
std::optional<uint32_t> sched_policy_value(std::string_view name);
std::optional<uint64_t> sched_flag_value(std::string_view name);
// Values the kernel would refuse: nice outside -20..19, a priority outside
// 1..99 for SCHED_FIFO and SCHED_RR or other than 0 for the other policies,
// SCHED_DEADLINE without runtime <= deadline <= period.
std::optional<Problem> check_scheduler(const spec::Scheduler& s);
// Throws Error for what check_scheduler refuses.
SchedAttr sched_attr(const spec::Scheduler& s);

// --- process.ioPriority ---

// The value of ioprio_set(2): class << 13 | level. nullopt for an unknown class.
std::optional<int> ioprio_value(const spec::IoPriority& p);
// A priority outside 0..7.
std::optional<Problem> check_io_priority(const spec::IoPriority& p);

// --- linux.personality ---

// PER_LINUX or PER_LINUX32; nullopt when no domain is set.
std::optional<unsigned long> personality_value(const spec::Personality& p);

// --- linux.timeOffsets ---

// nanosecs of 1000000000 or more.
std::optional<Problem> check_time_offset(const spec::TimeOffset& offset);
// Offsets (none: nothing to check) need a time namespace the runtime creates: refused without a
// "time" entry in linux.namespaces, or with one joined by path (its clocks are set).
std::optional<Problem> check_time_offsets(const spec::TimeOffsets& offsets,
                                          const std::vector<spec::Namespace>& namespaces);
// The text written to /proc/self/timens_offsets: "monotonic 172800 0\n...".
std::string timens_offsets_text(const spec::TimeOffsets& offsets);

// --- effects, in the container's init ---

// Called after the rootfs is set up and before the capabilities are dropped:
// creates the time namespace the process enters at exec with its offsets
// (when linux.timeOffsets is set), then sets the personality, the I/O priority,
// the CPU affinity and the scheduling policy. Throws naming the field.
void apply_attributes(const spec::Config& config);
// The process's own part of that (I/O priority, CPU affinity, scheduler), which
// `exec` applies to its process too.
void apply_process_attributes(const spec::Process& p);
// process.oomScoreAdj, written through a verified procfs (sys/procfs.hpp) by
// the init and by exec's intermediate.
void apply_oom_score_adj(const spec::Process& p);

}  // namespace ocirun::process
