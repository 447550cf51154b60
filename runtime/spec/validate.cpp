// The checks of process.* and linux.* values that need no kernel: the
// loader refuses a config with them before anything is created, naming the
// field; process/ applies what they allow. Pure.
#include "runtime/spec/validate.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

#include <nlohmann/json.hpp>

#include "runtime/sys/error.hpp"

namespace ocirun::spec {
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

constexpr std::array<std::string_view, 8> kIpcKernelKeys = {
    "msgmax", "msgmnb", "msgmni", "sem", "shmall", "shmmax", "shmmni", "shm_rmid_forced"};

std::string shown_key(std::string_view s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool has_namespace(const std::vector<Namespace>& namespaces, NsType t) {
  for (const auto& n : namespaces)
    if (n.type == t) return true;
  return false;
}

}  // namespace

// --- linux.sysctl ---

std::optional<std::vector<std::string>> sysctl_components(std::string_view key) {
  size_t first = key.find_first_of("./");
  bool slashes = first != std::string_view::npos && key[first] == '/';
  char sep = slashes ? '/' : '.';
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    size_t end = key.find(sep, pos);
    std::string comp(key.substr(pos, end == std::string_view::npos ? end : end - pos));
    if (!slashes)
      for (char& c : comp)
        if (c == '/') c = '.';
    if (comp.empty() || comp == "." || comp == ".." || comp.find('\0') != std::string::npos)
      return std::nullopt;
    out.push_back(std::move(comp));
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return out;
}

std::string sysctl_refusal(std::string_view key, const std::vector<Namespace>& namespaces) {
  auto comps = sysctl_components(key);
  if (!comps) return shown_key(key) + " is not a valid sysctl name";
  const auto& c = *comps;
  struct Need {
    NsType type;
    std::string_view what;  // "a network namespace"
    std::string_view name;  // its linux.namespaces type
  };
  std::optional<Need> need;
  if (c[0] == "net" && c.size() > 1) {
    need = Need{NsType::Network, "a network namespace", "network"};
  } else if (c.size() > 2 && c[0] == "fs" && c[1] == "mqueue") {
    need = Need{NsType::Ipc, "an IPC namespace", "ipc"};
  } else if (c.size() == 2 && c[0] == "kernel") {
    for (std::string_view k : kIpcKernelKeys)
      if (c[1] == k) need = Need{NsType::Ipc, "an IPC namespace", "ipc"};
    if (c[1] == "hostname" || c[1] == "domainname")
      need = Need{NsType::Uts, "a UTS namespace", "uts"};
  }
  if (!need) return shown_key(key) + " is not namespaced; refusing to set it in a container";
  if (!has_namespace(namespaces, need->type))
    return shown_key(key) + " needs " + std::string(need->what) +
           " of the container's own (linux." + "namespaces has no \"" + std::string(need->name) +
           "\" entry)";
  return {};
}

// --- process.execCPUAffinity ---

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

std::optional<std::string> init_cpu_list(const CpuAffinity& affinity) {
  if (!trim(affinity.final).empty()) return affinity.final;
  if (!trim(affinity.initial).empty()) return affinity.initial;
  return std::nullopt;
}

// --- process.scheduler ---

std::optional<uint32_t> sched_policy_value(std::string_view name) {
  return lookup(kPolicies, name);
}

std::optional<uint64_t> sched_flag_value(std::string_view name) {
  return lookup(kSchedFlags, name);
}

std::optional<Problem> check_scheduler(const Scheduler& s) {
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

// --- process.ioPriority ---

std::optional<int> ioprio_class_value(std::string_view name) {
  return lookup(kIoPrioClasses, name);
}

std::optional<Problem> check_io_priority(const IoPriority& p) {
  if (!lookup(kIoPrioClasses, p.io_class))
    return Problem{"class", "unknown I/O priority class \"" + p.io_class + "\""};
  if (p.priority < 0 || p.priority > 7)
    return Problem{"priority", "must be between 0 and 7, got " + std::to_string(p.priority)};
  return std::nullopt;
}

// --- linux.timeOffsets ---

std::optional<Problem> check_time_offset(const TimeOffset& offset) {
  if (offset.nanosecs >= 1000000000)
    return Problem{"nanosecs",
                   "must be less than 1000000000, got " + std::to_string(offset.nanosecs)};
  return std::nullopt;
}

std::optional<Problem> check_time_offsets(const TimeOffsets& offsets,
                                          const std::vector<Namespace>& namespaces) {
  if (!offsets.monotonic && !offsets.boottime) return std::nullopt;  // nothing to set
  const Namespace* time = nullptr;
  for (const auto& n : namespaces)
    if (n.type == NsType::Time) time = &n;
  if (!time)
    return Problem{"",
                   "needs a time namespace of the container's own (linux.namespaces has no "
                   "\"time\" entry)"};
  if (!time->path.empty())
    return Problem{"", "cannot set the clocks of a time namespace joined by path (" + time->path +
                           "): the offsets need a new one"};
  return std::nullopt;
}

}  // namespace ocirun::spec
