// The process attributes of process.* and linux.* other than sysctls (see
// sysctl.cpp): the pure planning first, then the calls the init makes.
#include "runtime/process/attributes.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <memory>
#include <utility>

#include "namespaces/plan.hpp"
#include "runtime/log.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/procfs.hpp"
#include "runtime/sys/syscalls.hpp"

namespace ocirun::process {
namespace {

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
  std::vector<unsigned> cpus = spec::parse_cpu_list(list);
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

}  // namespace

// --- scheduler ---

SchedAttr sched_attr(const spec::Scheduler& s) {
  if (auto p = spec::check_scheduler(s)) throw Error(p->field + ": " + p->message);
  SchedAttr a;
  a.policy = *spec::sched_policy_value(s.policy);
  for (const auto& f : s.flags) a.flags |= *spec::sched_flag_value(f);
  a.nice = s.nice;
  a.priority = static_cast<uint32_t>(s.priority);
  a.runtime = s.runtime;
  a.deadline = s.deadline;
  a.period = s.period;
  return a;
}

// --- I/O priority ---

std::optional<int> ioprio_value(const spec::IoPriority& p) {
  auto cls = spec::ioprio_class_value(p.io_class);
  if (!cls) return std::nullopt;
  return *cls << 13 | p.priority;
}

// --- personality ---

std::optional<unsigned long> personality_value(const spec::Personality& p) {
  if (p.domain == "LINUX") return PER_LINUX;
  if (p.domain == "LINUX32") return PER_LINUX32;
  return std::nullopt;
}

// --- time offsets ---

// --- effects ---

void enter_time_namespace(const spec::Config& config) {
  if (config.linux_ && config.linux_->time_offsets)
    with_context("setting linux.timeOffsets",
                 [&] { ns::enter_time_namespace(*config.linux_->time_offsets); });
}

void apply_attributes(const spec::Config& config) {
  if (config.linux_) {
    const spec::Linux& lx = *config.linux_;
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

void apply_oom_score_adj(const spec::Process& p, pid_t pid) {
  if (!p.oom_score_adj) return;
  with_context("setting process.oomScoreAdj", [&] {
    sys::ProcFs proc = sys::ProcFs::open();
    std::string file = (pid ? std::to_string(pid) : std::string("self")) + "/oom_score_adj";
    try {
      proc.write(file, std::to_string(*p.oom_score_adj));
    } catch (const Error& e) {
      if (e.code() != EACCES && e.code() != EPERM) throw;
      int current = std::atoi(sys::read_fd(proc.open_file(file, O_RDONLY).get(), file).c_str());
      if (*p.oom_score_adj >= current) throw;
      throw Error(std::to_string(*p.oom_score_adj) + " is below the current value " +
                      std::to_string(current) +
                      ", and lowering it needs CAP_SYS_RESOURCE (which a rootless caller lacks): " +
                      e.what(),
                  e.code());
    }
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
    if (auto list = spec::init_cpu_list(*p.exec_cpu_affinity))
      with_context("setting process.execCPUAffinity \"" + *list + "\"",
                   [&] { set_cpu_affinity(*list); });
  if (p.scheduler) with_context("setting process.scheduler", [&] { set_scheduler(*p.scheduler); });
}

}  // namespace ocirun::process
