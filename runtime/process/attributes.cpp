// The process attributes of process.* and linux.* other than sysctls (see
// sysctl.cpp): the pure planning first, then the calls the init makes.
#include "runtime/process/attributes.hpp"

#include <sched.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <memory>
#include <utility>

#include "runtime/log.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/procfs.hpp"
#include "runtime/sys/syscalls.hpp"

// Older C library headers may lack the time namespace flag (Linux 5.6).
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace ocirun::process {
namespace {

constexpr std::array<std::pair<std::string_view, uint32_t>, 7> kPolicies{{
    {"SCHED_OTHER", 0},
    {"SCHED_FIFO", 1},
    {"SCHED_RR", 2},
    {"SCHED_BATCH", 3},
    {"SCHED_ISO", 4},  // reserved by Linux, not implemented: the kernel refuses it
    {"SCHED_IDLE", 5},
    {"SCHED_DEADLINE", 6},
}};

constexpr std::array<std::pair<std::string_view, uint64_t>, 7> kSchedFlags{{
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},
    {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},
    {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},
    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
}};

constexpr std::array<std::pair<std::string_view, int>, 3> kIoPrioClasses{{
    {"IOPRIO_CLASS_RT", 1},
    {"IOPRIO_CLASS_BE", 2},
    {"IOPRIO_CLASS_IDLE", 3},
}};

template <class Table>
auto lookup(const Table& table, std::string_view name)
    -> std::optional<typename Table::value_type::second_type> {
  for (const auto& [n, v] : table)
    if (n == name) return v;
  return std::nullopt;
}

std::string_view trim(std::string_view s) {
  size_t b = s.find_first_not_of(' ');
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(' ') - b + 1);
}

unsigned parse_cpu(std::string_view s, std::string_view item) {
  unsigned n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size())
    throw Error("\"" + std::string(item) + "\" is not a CPU number or range");
  if (n > kMaxCpu)
    throw Error("CPU " + std::string(s) + " is beyond the largest CPU number Linux supports (" +
                std::to_string(kMaxCpu) + ")");
  return n;
}

// struct sched_attr, sized as SCHED_ATTR_SIZE_VER1 (with the utilization
// clamps, which the SCHED_FLAG_UTIL_CLAMP_* flags need).
struct KernelSchedAttr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
  uint32_t sched_util_min;
  uint32_t sched_util_max;
};
static_assert(sizeof(KernelSchedAttr) == 56);

void set_scheduler(const spec::Scheduler& s) {
  SchedAttr a = sched_attr(s);
  KernelSchedAttr k{};
  k.size = sizeof k;
  k.sched_policy = a.policy;
  k.sched_flags = a.flags;
  k.sched_nice = a.nice;
  k.sched_priority = a.priority;
  k.sched_runtime = a.runtime;
  k.sched_deadline = a.deadline;
  k.sched_period = a.period;
  // The spec has no clamp values: a flag asking for one gets the widest range.
  k.sched_util_min = 0;
  k.sched_util_max = 1024;  // SCHED_CAPACITY_SCALE
  if (::syscall(SYS_sched_setattr, 0, &k, 0) < 0) throw_errno("sched_setattr " + s.policy);
}

void set_cpu_affinity(const std::string& list) {
  std::vector<unsigned> cpus = parse_cpu_list(list);
  if (cpus.empty()) return;
  size_t count = cpus.back() + 1;
  std::unique_ptr<cpu_set_t, void (*)(cpu_set_t*)> set(CPU_ALLOC(count),
                                                       [](cpu_set_t* p) { CPU_FREE(p); });
  if (!set) throw_errno("CPU_ALLOC", ENOMEM);
  size_t size = CPU_ALLOC_SIZE(count);
  CPU_ZERO_S(size, set.get());
  for (unsigned c : cpus) CPU_SET_S(c, size, set.get());
  if (::sched_setaffinity(0, size, set.get()) < 0) throw_errno("sched_setaffinity");
}

// With offsets to set, the init is cloned without a time namespace of its own
// (namespaces/plan.cpp): a namespace's clocks are fixed once a process is in it.
// One created by unshare is entered by the caller only at execve (its children
// at once), so its offsets can still be written until then.
void enter_time_namespace(const spec::TimeOffsets& offsets) {
  std::string text = timens_offsets_text(offsets);
  if (text.empty()) return;
  if (::unshare(CLONE_NEWTIME) < 0) throw_errno("unshare CLONE_NEWTIME");
  sys::ProcFs::open().write("self/timens_offsets", text);
}

}  // namespace

// --- CPU lists ---

std::vector<unsigned> parse_cpu_list(std::string_view list) {
  std::vector<unsigned> out;
  if (trim(list).empty()) return out;
  size_t pos = 0;
  while (true) {
    size_t comma = list.find(',', pos);
    std::string_view item =
        trim(list.substr(pos, comma == std::string_view::npos ? comma : comma - pos));
    if (item.empty()) throw Error("empty item in CPU list \"" + std::string(list) + "\"");
    size_t dash = item.find('-');
    if (dash == std::string_view::npos) {
      out.push_back(parse_cpu(item, item));
    } else {
      unsigned lo = parse_cpu(trim(item.substr(0, dash)), item);
      unsigned hi = parse_cpu(trim(item.substr(dash + 1)), item);
      if (lo > hi) throw Error("CPU range \"" + std::string(item) + "\" is reversed");
      for (unsigned c = lo; c <= hi; ++c) out.push_back(c);
    }
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::optional<std::string> init_cpu_list(const spec::CpuAffinity& affinity) {
  if (!trim(affinity.final).empty()) return affinity.final;
  if (!trim(affinity.initial).empty()) return affinity.initial;
  return std::nullopt;
}

// --- scheduler ---

std::optional<uint32_t> sched_policy_value(std::string_view name) {
  return lookup(kPolicies, name);
}

std::optional<uint64_t> sched_flag_value(std::string_view name) {
  return lookup(kSchedFlags, name);
}

std::optional<Problem> check_scheduler(const spec::Scheduler& s) {
  auto policy = sched_policy_value(s.policy);
  if (!policy) return Problem{"policy", "unknown scheduling policy \"" + s.policy + "\""};
  for (const auto& f : s.flags)
    if (!sched_flag_value(f)) return Problem{"flags", "unknown scheduler flag \"" + f + "\""};
  if (s.nice < -20 || s.nice > 19)
    return Problem{"nice", "must be between -20 and 19, got " + std::to_string(s.nice)};
  bool realtime = s.policy == "SCHED_FIFO" || s.policy == "SCHED_RR";
  if (realtime && (s.priority < 1 || s.priority > 99))
    return Problem{"priority", "must be between 1 and 99 for " + s.policy + ", got " +
                                   std::to_string(s.priority)};
  if (!realtime && s.priority != 0)
    return Problem{"priority", "must be 0 for " + s.policy + " (only SCHED_FIFO and SCHED_RR " +
                                   "have priorities), got " + std::to_string(s.priority)};
  if (s.policy == "SCHED_DEADLINE") {
    if (s.deadline == 0) return Problem{"deadline", "is required for SCHED_DEADLINE"};
    if (s.runtime < 1024)
      return Problem{"runtime", "must be at least 1024 (nanoseconds) for SCHED_DEADLINE, got " +
                                    std::to_string(s.runtime)};
    if (s.runtime > s.deadline)
      return Problem{"runtime", "must not exceed deadline (" + std::to_string(s.deadline) +
                                    "), got " + std::to_string(s.runtime)};
    if (s.period != 0 && s.deadline > s.period)
      return Problem{"deadline", "must not exceed period (" + std::to_string(s.period) + "), got " +
                                     std::to_string(s.deadline)};
  }
  return std::nullopt;
}

SchedAttr sched_attr(const spec::Scheduler& s) {
  if (auto p = check_scheduler(s)) throw Error(p->field + ": " + p->message);
  SchedAttr a;
  a.policy = *sched_policy_value(s.policy);
  for (const auto& f : s.flags) a.flags |= *sched_flag_value(f);
  a.nice = s.nice;
  a.priority = static_cast<uint32_t>(s.priority);
  a.runtime = s.runtime;
  a.deadline = s.deadline;
  a.period = s.period;
  return a;
}

// --- I/O priority ---

std::optional<int> ioprio_value(const spec::IoPriority& p) {
  auto cls = lookup(kIoPrioClasses, p.io_class);
  if (!cls) return std::nullopt;
  return *cls << 13 | p.priority;
}

std::optional<Problem> check_io_priority(const spec::IoPriority& p) {
  if (!lookup(kIoPrioClasses, p.io_class))
    return Problem{"class", "unknown I/O priority class \"" + p.io_class + "\""};
  if (p.priority < 0 || p.priority > 7)
    return Problem{"priority", "must be between 0 and 7, got " + std::to_string(p.priority)};
  return std::nullopt;
}

// --- personality ---

std::optional<unsigned long> personality_value(const spec::Personality& p) {
  if (p.domain == "LINUX") return PER_LINUX;
  if (p.domain == "LINUX32") return PER_LINUX32;
  return std::nullopt;
}

// --- time offsets ---

std::optional<Problem> check_time_offset(const spec::TimeOffset& offset) {
  if (offset.nanosecs >= 1000000000)
    return Problem{"nanosecs",
                   "must be less than 1000000000, got " + std::to_string(offset.nanosecs)};
  return std::nullopt;
}

std::optional<Problem> check_time_offsets(const spec::TimeOffsets& offsets,
                                          const std::vector<spec::Namespace>& namespaces) {
  if (!offsets.monotonic && !offsets.boottime) return std::nullopt;  // nothing to set
  const spec::Namespace* time = nullptr;
  for (const auto& n : namespaces)
    if (n.type == spec::NsType::Time) time = &n;
  if (!time)
    return Problem{"",
                   "needs a time namespace of the container's own (linux.namespaces has no "
                   "\"time\" entry)"};
  if (!time->path.empty())
    return Problem{"", "cannot set the clocks of a time namespace joined by path (" + time->path +
                           "): the offsets need a new one"};
  return std::nullopt;
}

std::string timens_offsets_text(const spec::TimeOffsets& offsets) {
  std::string out;
  for (auto [name, offset] :
       {std::pair{"monotonic", &offsets.monotonic}, std::pair{"boottime", &offsets.boottime}})
    if (*offset)
      out += std::string(name) + " " + std::to_string((*offset)->secs) + " " +
             std::to_string((*offset)->nanosecs) + "\n";
  return out;
}

// --- effects ---

void apply_attributes(const spec::Config& config) {
  if (config.linux_) {
    const spec::Linux& lx = *config.linux_;
    if (lx.time_offsets)
      with_context("setting linux.timeOffsets", [&] { enter_time_namespace(*lx.time_offsets); });
    if (lx.personality) {
      if (!lx.personality->flags.empty())
        log::warn("linux.personality.flags: not supported; ignored");
      if (auto persona = personality_value(*lx.personality))
        with_context("setting linux.personality", [&] {
          if (::personality(*persona) < 0) throw_errno("personality " + lx.personality->domain);
        });
    }
  }
  if (config.process) apply_process_attributes(*config.process);
}

void apply_oom_score_adj(const spec::Process& p) {
  if (p.oom_score_adj)
    with_context("setting process.oomScoreAdj", [&] {
      sys::ProcFs::open().write("self/oom_score_adj", std::to_string(*p.oom_score_adj));
    });
}

void apply_process_attributes(const spec::Process& p) {
  if (p.io_priority)
    with_context("setting process.ioPriority", [&] {
      auto value = ioprio_value(*p.io_priority);
      if (!value) throw Error("unknown class \"" + p.io_priority->io_class + "\"");
      constexpr int kWhoProcess = 1;  // IOPRIO_WHO_PROCESS
      if (::syscall(SYS_ioprio_set, kWhoProcess, 0, *value) < 0)
        throw_errno("ioprio_set " + p.io_priority->io_class);
    });
  // Before the scheduler: a SCHED_DEADLINE task may not change its affinity.
  if (p.exec_cpu_affinity)
    if (auto list = init_cpu_list(*p.exec_cpu_affinity))
      with_context("setting process.execCPUAffinity \"" + *list + "\"",
                   [&] { set_cpu_affinity(*list); });
  if (p.scheduler) with_context("setting process.scheduler", [&] { set_scheduler(*p.scheduler); });
}

}  // namespace ocirun::process
