// The checks of process.* and linux.* values that need no kernel (sysctl
// names, CPU lists, the scheduler, the I/O priority, time offsets): the
// loader refuses a config with them before anything is created, naming the
// field, and process/ applies what they allow. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/spec/config.hpp"

namespace ocirun::spec {

// A fault in a part of a config object: `field` is the member at fault,
// relative to the object checked ("priority"), empty for the object itself.
struct Problem {
  std::string field;
  std::string message;
};

// --- linux.sysctl ---

// The components of a sysctl name as sysctl(8) reads it: dot-separated
// ("net.ipv4.ip_forward"), where a '/' stands for a dot inside a component
// ("net.ipv4.conf.eth0/100.forwarding"), or slash-separated when the first
// separator is a slash ("net/ipv4/conf/eth0.100/forwarding"). nullopt for a
// name with an empty, "." or ".." component.
std::optional<std::vector<std::string>> sysctl_components(std::string_view key);
// Why `key` may not be set in a container with these namespaces (a namespace
// joined by path counts as the container's own); empty when it may. Only the
// sysctls of the network, IPC and UTS namespaces are allowed:
//   "vm.swappiness" is not namespaced; refusing to set it in a container
std::string sysctl_refusal(std::string_view key, const std::vector<Namespace>& namespaces);

// --- process.execCPUAffinity ---

// The CPUs of a list such as "0-3,7" (spaces around items are allowed), sorted
// and without repeats; empty for an empty or blank list. Throws Error naming the
// fault ("CPU range \"3-1\" is reversed").
std::vector<unsigned> parse_cpu_list(std::string_view list);
// The largest CPU number a list may name.
inline constexpr unsigned kMaxCpu = 8191;
// The list the init applies: `final` when set, else `initial`; nullopt for none.
std::optional<std::string> init_cpu_list(const CpuAffinity& affinity);

// --- process.scheduler ---

// nullopt for a name the spec does not list.
std::optional<uint32_t> sched_policy_value(std::string_view name);
std::optional<uint64_t> sched_flag_value(std::string_view name);
// Values the kernel would refuse: nice outside -20..19, a priority outside
// 1..99 for SCHED_FIFO and SCHED_RR or other than 0 for the other policies,
// SCHED_DEADLINE without runtime <= deadline <= period.
std::optional<Problem> check_scheduler(const Scheduler& s);

// --- process.ioPriority ---

// The class number of ioprio_set(2): IOPRIO_CLASS_RT 1, _BE 2, _IDLE 3; nullopt otherwise.
std::optional<int> ioprio_class_value(std::string_view name);
// A priority outside 0..7.
std::optional<Problem> check_io_priority(const IoPriority& p);

// --- linux.timeOffsets ---

// nanosecs of 1000000000 or more.
std::optional<Problem> check_time_offset(const TimeOffset& offset);
// Offsets (none: nothing to check) need a time namespace the runtime creates: refused without a
// "time" entry in linux.namespaces, or with one joined by path (its clocks are set).
std::optional<Problem> check_time_offsets(const TimeOffsets& offsets,
                                          const std::vector<Namespace>& namespaces);

}  // namespace ocirun::spec
