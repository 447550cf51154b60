#include "runtime/spec/schema.hpp"

#include "runtime/spec/loader.hpp"
#include "runtime/spec/tables.hpp"
#include "runtime/sys/error.hpp"

namespace ocirun::spec {

void check_resources(const nlohmann::json& doc, std::string_view name) {
  with_context(name, [&] { check_shape(doc, Path(), schema::kResources); });
}

namespace schema {

using json = nlohmann::json;

void check_fields(const json::object_t& o, const Path& p, std::span<const Field> fields) {
  for (const Field& f : fields) {
    const json* v = find(o, f.key);
    if (v) {
      check_shape(*v, p / f.key, *f.shape);
    } else if (f.required) {
      fail(p / f.key, "is required");
    }
  }
}

namespace {

void check_string(const std::string& s, const Path& p, const Shape& shape) {
  if (!shape.choices.empty()) {
    for (std::string_view c : shape.choices)
      if (c == s) return;
    fail(p, "must be one of " + joined(shape.choices) + ", got " + literal(s));
  }
  if (shape.matches && !shape.matches(s))
    fail(p, "must match " + std::string(shape.pattern) + ", got " + literal(s));
}

}  // namespace

void check_shape(const json& v, const Path& p, const Shape& s) {
  switch (s.kind) {
    case Kind::Bool:
      as_bool(v, p);
      break;
    case Kind::String:
      check_string(as_string(v, p), p, s);
      break;
    case Kind::I32:
      as_integer<int32_t>(v, p);
      break;
    case Kind::I64:
      as_integer<int64_t>(v, p);
      break;
    case Kind::U16:
      as_integer<uint16_t>(v, p);
      break;
    case Kind::U32:
      as_integer<uint32_t>(v, p);
      break;
    case Kind::U64:
      as_integer<uint64_t>(v, p);
      break;
    case Kind::Object:
      check_fields(as_object(v, p), p, s.fields);
      break;
    case Kind::Array: {
      const auto& a = as_array(v, p);
      if (a.size() < s.min_items)
        fail(p, "must have at least " + std::to_string(s.min_items) + " item(s)");
      for (size_t i = 0; i < a.size(); ++i) check_shape(a[i], p[i], *s.item);
      break;
    }
    case Kind::Map:
      for (const auto& [key, value] : as_object(v, p)) {
        if (key.empty()) fail(p, "keys must not be empty");
        check_shape(value, p / key, *s.item);
      }
      break;
  }
}

// Patterns of the schema, as plain scanners (no <regex> at start-up).
bool all_of(std::string_view s, std::string_view allowed) {
  return s.find_first_not_of(allowed) == std::string_view::npos;
}

bool is_page_size(std::string_view s) {  // ^[1-9][0-9]*[KMG]B$
  return s.size() >= 3 && s[0] >= '1' && s[0] <= '9' && s.ends_with('B') &&
         std::string_view("KMG").find(s[s.size() - 2]) != std::string_view::npos &&
         all_of(s.substr(1, s.size() - 3), kDigits);
}
bool is_cpu_list(std::string_view s) {
  return all_of(s, "0123456789, -");
}  // ^[0-9, -]*$
bool is_mem_bw(std::string_view s) {  // ^MB:[^\n]*$
  return s.starts_with("MB:") && s.find('\n') == std::string_view::npos;
}

// Leaves.
constexpr Shape kBool{Kind::Bool};
constexpr Shape kString{Kind::String};
constexpr Shape kI32{Kind::I32};
constexpr Shape kI64{Kind::I64};
constexpr Shape kU16{Kind::U16};
constexpr Shape kU32{Kind::U32};
constexpr Shape kU64{Kind::U64};
constexpr Shape kStrings{.kind = Kind::Array, .item = &kString};
constexpr Shape kStringMap{.kind = Kind::Map, .item = &kString};

constexpr Shape enum_of(std::span<const std::string_view> choices) {
  return {.kind = Kind::String, .choices = choices};
}
constexpr Shape array_of(const Shape& item, size_t min_items = 0) {
  return {.kind = Kind::Array, .item = &item, .min_items = min_items};
}
constexpr Shape object_of(std::span<const Field> fields) {
  return {.kind = Kind::Object, .fields = fields};
}

// config-schema.json: process fields the Config does not keep.
constexpr std::string_view kIoPrioClasses[] = {"IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE",
                                               "IOPRIO_CLASS_IDLE"};
constexpr Shape kIoPrioClass = enum_of(kIoPrioClasses);
constexpr Field kIoPriorityFields[] = {{"class", &kIoPrioClass, true}, {"priority", &kI32}};
constexpr Shape kIoPriority = object_of(kIoPriorityFields);

constexpr std::string_view kSchedPolicies[] = {"SCHED_OTHER",   "SCHED_FIFO", "SCHED_RR",
                                               "SCHED_BATCH",   "SCHED_ISO",  "SCHED_IDLE",
                                               "SCHED_DEADLINE"};
constexpr std::string_view kSchedFlags[] = {"SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM",
                                            "SCHED_FLAG_DL_OVERRUN",    "SCHED_FLAG_KEEP_POLICY",
                                            "SCHED_FLAG_KEEP_PARAMS",   "SCHED_FLAG_UTIL_CLAMP_MIN",
                                            "SCHED_FLAG_UTIL_CLAMP_MAX"};
constexpr Shape kSchedPolicy = enum_of(kSchedPolicies);
constexpr Shape kSchedFlag = enum_of(kSchedFlags);
constexpr Shape kSchedFlagList = array_of(kSchedFlag);
constexpr Field kSchedulerFields[] = {{"policy", &kSchedPolicy, true},
                                      {"nice", &kI32},
                                      {"priority", &kI32},
                                      {"flags", &kSchedFlagList},
                                      {"runtime", &kU64},
                                      {"deadline", &kU64},
                                      {"period", &kU64}};
constexpr Shape kScheduler = object_of(kSchedulerFields);

constexpr Shape kCpuList{.kind = Kind::String, .matches = is_cpu_list, .pattern = "^[0-9, -]*$"};
constexpr Field kCpuAffinityFields[] = {{"initial", &kCpuList}, {"final", &kCpuList}};
constexpr Shape kCpuAffinity = object_of(kCpuAffinityFields);

constexpr Field kProcessExtraFields[] = {{"commandLine", &kString}};
constexpr Shape kProcessExtras = object_of(kProcessExtraFields);
constexpr Field kUserExtraFields[] = {{"username", &kString}};
constexpr Shape kUserExtras = object_of(kUserExtraFields);

// config-linux.json: linux.resources.
constexpr Field kDeviceCgroupFields[] = {{"allow", &kBool, true},
                                         {"type", &kString},
                                         {"major", &kI64},
                                         {"minor", &kI64},
                                         {"access", &kString}};
constexpr Shape kDeviceCgroup = object_of(kDeviceCgroupFields);

constexpr Field kPidsFields[] = {{"limit", &kI64, true}};

constexpr Field kWeightDeviceFields[] = {
    {"major", &kI64, true}, {"minor", &kI64, true}, {"weight", &kU16}, {"leafWeight", &kU16}};
constexpr Shape kWeightDevice = object_of(kWeightDeviceFields);
constexpr Field kThrottleFields[] = {
    {"major", &kI64, true}, {"minor", &kI64, true}, {"rate", &kU64}};
constexpr Shape kThrottle = object_of(kThrottleFields);
constexpr Shape kThrottles = array_of(kThrottle);
constexpr Shape kWeightDevices = array_of(kWeightDevice);
constexpr Field kBlockIoFields[] = {{"weight", &kU16},
                                    {"leafWeight", &kU16},
                                    {"throttleReadBpsDevice", &kThrottles},
                                    {"throttleWriteBpsDevice", &kThrottles},
                                    {"throttleReadIOPSDevice", &kThrottles},
                                    {"throttleWriteIOPSDevice", &kThrottles},
                                    {"weightDevice", &kWeightDevices}};

constexpr Field kCpuFields[] = {
    {"cpus", &kString},         {"mems", &kString}, {"period", &kU64},
    {"quota", &kI64},           {"burst", &kU64},   {"realtimePeriod", &kU64},
    {"realtimeRuntime", &kI64}, {"shares", &kU64},  {"idle", &kI64}};

constexpr Shape kPageSize{
    .kind = Kind::String, .matches = is_page_size, .pattern = "^[1-9][0-9]*[KMG]B$"};
constexpr Field kHugepageFields[] = {{"pageSize", &kPageSize, true}, {"limit", &kU64, true}};
constexpr Shape kHugepage = object_of(kHugepageFields);

constexpr Field kMemoryFields[] = {{"kernel", &kI64},
                                   {"kernelTCP", &kI64},
                                   {"limit", &kI64},
                                   {"reservation", &kI64},
                                   {"swap", &kI64},
                                   {"swappiness", &kU64},
                                   {"disableOOMKiller", &kBool},
                                   {"useHierarchy", &kBool},
                                   {"checkBeforeUpdate", &kBool}};

constexpr Field kPriorityFields[] = {{"name", &kString, true}, {"priority", &kU32, true}};
constexpr Shape kPriority = object_of(kPriorityFields);
constexpr Shape kPriorities = array_of(kPriority);
constexpr Field kNetworkFields[] = {{"classID", &kU32}, {"priorities", &kPriorities}};

constexpr Field kRdmaFields[] = {{"hcaHandles", &kU32}, {"hcaObjects", &kU32}};
constexpr Shape kRdma = object_of(kRdmaFields);

constexpr Shape kDeviceCgroups = array_of(kDeviceCgroup);
constexpr Shape kPids = object_of(kPidsFields);
constexpr Shape kBlockIo = object_of(kBlockIoFields);
constexpr Shape kCpu = object_of(kCpuFields);
constexpr Shape kHugepages = array_of(kHugepage);
constexpr Shape kMemory = object_of(kMemoryFields);
constexpr Shape kNetwork = object_of(kNetworkFields);
constexpr Shape kRdmaMap{.kind = Kind::Map, .item = &kRdma};
constexpr Field kResourcesFields[] = {{"unified", &kStringMap}, {"devices", &kDeviceCgroups},
                                      {"pids", &kPids},         {"blockIO", &kBlockIo},
                                      {"cpu", &kCpu},           {"hugepageLimits", &kHugepages},
                                      {"memory", &kMemory},     {"network", &kNetwork},
                                      {"rdma", &kRdmaMap}};
constexpr Shape kResources = object_of(kResourcesFields);

// defs-linux.json: linux.seccomp.
constexpr Shape kSeccompAction = enum_of(kSeccompActions);
constexpr Shape kSeccompFlag = enum_of(kSeccompFlags);
constexpr Shape kSeccompArch = enum_of(kSeccompArchs);
constexpr Shape kSeccompOperator = enum_of(kSeccompOperators);
constexpr Field kSyscallArgFields[] = {{"index", &kU32, true},
                                       {"value", &kU64, true},
                                       {"valueTwo", &kU64},
                                       {"op", &kSeccompOperator, true}};
constexpr Shape kSyscallArg = object_of(kSyscallArgFields);
constexpr Shape kSyscallArgs = array_of(kSyscallArg);
constexpr Shape kSyscallNames = array_of(kString, 1);
constexpr Field kSyscallFields[] = {{"names", &kSyscallNames, true},
                                    {"action", &kSeccompAction, true},
                                    {"errnoRet", &kU32},
                                    {"args", &kSyscallArgs}};
constexpr Shape kSyscall = object_of(kSyscallFields);
constexpr Shape kSyscalls = array_of(kSyscall);
constexpr Shape kSeccompFlagList = array_of(kSeccompFlag);
constexpr Shape kSeccompArchList = array_of(kSeccompArch);
constexpr Field kSeccompFields[] = {{"defaultAction", &kSeccompAction, true},
                                    {"defaultErrnoRet", &kU32},
                                    {"flags", &kSeccompFlagList},
                                    {"listenerPath", &kString},
                                    {"listenerMetadata", &kString},
                                    {"architectures", &kSeccompArchList},
                                    {"syscalls", &kSyscalls}};
constexpr Shape kSeccomp = object_of(kSeccompFields);

// config-linux.json: linux fields the Config does not keep.
constexpr Field kNetDeviceFields[] = {{"name", &kString}};
constexpr Shape kNetDevice = object_of(kNetDeviceFields);
constexpr Shape kNetDevices{.kind = Kind::Map, .item = &kNetDevice};

constexpr Shape kMemBw{.kind = Kind::String, .matches = is_mem_bw, .pattern = "^MB:[^\\n]*$"};
constexpr Field kIntelRdtFields[] = {{"closID", &kString},
                                     {"schemata", &kStrings},
                                     {"l3CacheSchema", &kString},
                                     {"memBwSchema", &kMemBw},
                                     {"enableMonitoring", &kBool}};
constexpr Shape kIntelRdt = object_of(kIntelRdtFields);

constexpr std::string_view kMemPolicyModes[] = {
    "MPOL_DEFAULT",   "MPOL_BIND",           "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
    "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL"};
constexpr std::string_view kMemPolicyFlags[] = {"MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES",
                                                "MPOL_F_STATIC_NODES"};
constexpr Shape kMemPolicyMode = enum_of(kMemPolicyModes);
constexpr Shape kMemPolicyFlag = enum_of(kMemPolicyFlags);
constexpr Shape kMemPolicyFlagList = array_of(kMemPolicyFlag);
constexpr Field kMemoryPolicyFields[] = {
    {"mode", &kMemPolicyMode}, {"nodes", &kString}, {"flags", &kMemPolicyFlagList}};
constexpr Shape kMemoryPolicy = object_of(kMemoryPolicyFields);

constexpr std::string_view kPersonalityDomains[] = {"LINUX", "LINUX32"};
constexpr Shape kPersonalityDomain = enum_of(kPersonalityDomains);
constexpr Field kPersonalityFields[] = {{"domain", &kPersonalityDomain}, {"flags", &kStrings}};
constexpr Shape kPersonality = object_of(kPersonalityFields);

constexpr Field kTimeOffsetFields[] = {{"secs", &kI64}, {"nanosecs", &kU32}};
constexpr Shape kTimeOffset = object_of(kTimeOffsetFields);
constexpr Field kTimeOffsetsFields[] = {{"boottime", &kTimeOffset}, {"monotonic", &kTimeOffset}};
constexpr Shape kTimeOffsets = object_of(kTimeOffsetsFields);

constexpr Field kLinuxExtraFields[] = {
    {"netDevices", &kNetDevices}, {"intelRdt", &kIntelRdt}, {"memoryPolicy", &kMemoryPolicy}};
constexpr Shape kLinuxExtras = object_of(kLinuxExtraFields);

}  // namespace schema
}  // namespace ocirun::spec
