// The config loader: one walker over the parsed document that keeps track of
// where it is, so that every message names the offending field.
//
// Two halves share the walker's primitives. The fields the runtime acts on are
// decoded into the typed Config by overloads of decode(), one per type. The
// sections kept as raw JSON (linux.resources, linux.seccomp) and the fields the
// Config has no room for are checked against small constexpr schema tables
// (Shape) transcribed from the runtime-spec's JSON schema.
#include "runtime/spec/loader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <concepts>
#include <limits>
#include <span>
#include <utility>

#include "runtime/spec/tables.hpp"
#include "runtime/spec/validate.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/fd.hpp"

namespace ocirun::spec {
namespace {

using json = nlohmann::json;

// ---------------------------------------------------------------------------
// Where the walker stands: a chain of parents on the stack, spelt out only when
// a message needs it ("linux.namespaces[2].type", `linux.sysctl["a.b"]`).

class Path {
 public:
  Path() = default;
  Path operator/(std::string_view key) const { return Path(this, key, 0, false); }
  Path operator[](size_t index) const { return Path(this, {}, index, true); }

  std::string str() const {
    std::string out = parent_ ? parent_->str() : std::string();
    if (is_index_) {
      out += '[' + std::to_string(index_) + ']';
    } else if (parent_) {
      if (!plain_key(key_)) {
        out += '[' + json(key_).dump(-1, ' ', false, json::error_handler_t::replace) + ']';
      } else {
        if (!out.empty()) out += '.';
        out += key_;
      }
    }
    return out;
  }

 private:
  Path(const Path* parent, std::string_view key, size_t index, bool is_index)
      : parent_(parent), key_(key), index_(index), is_index_(is_index) {}

  static bool plain_key(std::string_view k) {
    if (k.empty()) return false;
    for (char c : k)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
    return true;
  }

  const Path* parent_ = nullptr;
  std::string_view key_;
  size_t index_ = 0;
  bool is_index_ = false;
};

// ---------------------------------------------------------------------------
// Messages.

std::string shown(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > 64) s = s.substr(0, 60) + "...";
  return s;
}

std::string literal(std::string_view s) {
  return shown(json(s));
}

[[noreturn]] void fail(const Path& p, std::string_view what) {
  std::string where = p.str();
  if (where.empty()) throw Error(std::string(what));
  throw Error(where + ": " + std::string(what));
}

[[noreturn]] void mismatch(const Path& p, std::string_view expected, const json& got) {
  fail(p, "must be " + std::string(expected) + ", got " + shown(got));
}

template <class Range>
std::string joined(const Range& words) {
  std::string out;
  for (std::string_view w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Primitives: one JSON value of one type.

const json::object_t& as_object(const json& v, const Path& p) {
  if (!v.is_object()) mismatch(p, "an object", v);
  return v.get_ref<const json::object_t&>();
}

const json::array_t& as_array(const json& v, const Path& p) {
  if (!v.is_array()) mismatch(p, "an array", v);
  return v.get_ref<const json::array_t&>();
}

const std::string& as_string(const json& v, const Path& p) {
  if (!v.is_string()) mismatch(p, "a string", v);
  return v.get_ref<const std::string&>();
}

bool as_bool(const json& v, const Path& p) {
  if (!v.is_boolean()) mismatch(p, "a boolean", v);
  return v.get<bool>();
}

template <std::integral T>
std::string integer_kind() {
  return std::string(std::is_signed_v<T> ? "a " : "an unsigned ") +
         std::to_string(std::numeric_limits<T>::digits + std::is_signed_v<T>) + "-bit integer";
}

template <std::integral T>
T as_integer(const json& v, const Path& p) {
  if (v.is_number_unsigned()) {
    auto u = v.get<uint64_t>();
    if (std::in_range<T>(u)) return static_cast<T>(u);
  } else if (v.is_number_integer()) {
    auto i = v.get<int64_t>();
    if (std::in_range<T>(i)) return static_cast<T>(i);
  }
  mismatch(p, integer_kind<T>(), v);
}

// A member of an object; JSON null counts as absent (as Go's encoders write it).
const json* find(const json::object_t& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() || it->second.is_null() ? nullptr : &it->second;
}

// ---------------------------------------------------------------------------
// Schema tables for what is validated but not decoded.

enum class Kind : uint8_t { Bool, String, I32, I64, U16, U32, U64, Object, Array, Map };

struct Shape;

struct Field {
  std::string_view key;
  const Shape* shape;
  bool required = false;
};

struct Shape {
  Kind kind;
  std::span<const Field> fields{};              // Object: the known properties
  const Shape* item = nullptr;                  // Array: items; Map: values
  std::span<const std::string_view> choices{};  // String: allowed values, if any
  bool (*matches)(std::string_view) = nullptr;  // String: a pattern, if any
  std::string_view pattern{};                   // String: the pattern, for messages
  size_t min_items = 0;                         // Array
};

void check_shape(const json& v, const Path& p, const Shape& s);

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

void check_string(const std::string& s, const Path& p, const Shape& shape) {
  if (!shape.choices.empty()) {
    for (std::string_view c : shape.choices)
      if (c == s) return;
    fail(p, "must be one of " + joined(shape.choices) + ", got " + literal(s));
  }
  if (shape.matches && !shape.matches(s))
    fail(p, "must match " + std::string(shape.pattern) + ", got " + literal(s));
}

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
constexpr std::string_view kDigits = "0123456789";

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

constexpr Field kProcessExtras[] = {{"commandLine", &kString}};
constexpr Field kUserExtras[] = {{"username", &kString}};

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

constexpr Field kLinuxExtras[] = {
    {"netDevices", &kNetDevices}, {"intelRdt", &kIntelRdt}, {"memoryPolicy", &kMemoryPolicy}};

// ---------------------------------------------------------------------------
// Decoding into the typed Config: decode(value, path, out) per type.

// Decodes into `out`, then runs a further check on the result.
template <class T>
struct Checked {
  T& out;
  void (*check)(const T&, const Path&);
};
template <class T>
Checked<T> checked(T& out, void (*check)(const T&, const Path&)) {
  return {out, check};
}

// Checks against a schema table and keeps the value as it is (out may be null).
struct Shaped {
  const Shape& shape;
  json* out;
};

void decode(const json& v, const Path& p, std::string& out);
void decode(const json& v, const Path& p, bool& out);
void decode(const json& v, const Path& p, std::map<std::string, std::string>& out);
void decode(const json& v, const Path& p, Shaped out);
void decode(const json& v, const Path& p, Root& out);
void decode(const json& v, const Path& p, Mount& out);
void decode(const json& v, const Path& p, IdMapping& out);
void decode(const json& v, const Path& p, Rlimit& out);
void decode(const json& v, const Path& p, Capabilities& out);
void decode(const json& v, const Path& p, User& out);
void decode(const json& v, const Path& p, ConsoleSize& out);
void decode(const json& v, const Path& p, Scheduler& out);
void decode(const json& v, const Path& p, IoPriority& out);
void decode(const json& v, const Path& p, CpuAffinity& out);
void decode(const json& v, const Path& p, Process& out);
void decode(const json& v, const Path& p, Hook& out);
void decode(const json& v, const Path& p, Hooks& out);
void decode(const json& v, const Path& p, NsType& out);
void decode(const json& v, const Path& p, Namespace& out);
void decode(const json& v, const Path& p, Device& out);
void decode(const json& v, const Path& p, Personality& out);
void decode(const json& v, const Path& p, TimeOffset& out);
void decode(const json& v, const Path& p, TimeOffsets& out);
void decode(const json& v, const Path& p, Linux& out);

template <std::integral T>
void decode(const json& v, const Path& p, T& out) {
  out = as_integer<T>(v, p);
}

template <class T>
void decode(const json& v, const Path& p, std::optional<T>& out) {
  decode(v, p, out.emplace());
}

template <class T>
void decode(const json& v, const Path& p, std::vector<T>& out) {
  const auto& a = as_array(v, p);
  out.clear();
  out.resize(a.size());
  for (size_t i = 0; i < a.size(); ++i) decode(a[i], p[i], out[i]);
}

template <class T>
void decode(const json& v, const Path& p, Checked<T> c) {
  decode(v, p, c.out);
  c.check(c.out, p);
}

// An optional member: decoded when present; returns whether it was.
template <class T>
bool field(const json::object_t& o, std::string_view key, const Path& p, T&& out) {
  const json* v = find(o, key);
  if (v) decode(*v, p / key, out);
  return v != nullptr;
}

template <class T>
void required(const json::object_t& o, std::string_view key, const Path& p, T&& out) {
  if (!field(o, key, p, out)) fail(p / key, "is required");
}

// --- checks run after decoding ---

void absolute_path(const std::string& s, const Path& p) {
  if (!s.starts_with('/')) fail(p, "must be an absolute path, got " + literal(s));
}

void absolute_if_set(const std::string& s, const Path& p) {
  if (!s.empty()) absolute_path(s, p);
}

template <class T>
void not_empty(const T& v, const Path& p) {
  if (v.empty()) fail(p, "must not be empty");
}

template <void (*Check)(const std::string&, const Path&)>
void each(const std::vector<std::string>& v, const Path& p) {
  for (size_t i = 0; i < v.size(); ++i) Check(v[i], p[i]);
}

void known_capability(const std::string& s, const Path& p) {
  if (!capability_from_name(s)) fail(p, "unknown capability " + literal(s));
}

void known_rlimit(const std::string& s, const Path& p) {
  if (!rlimit_from_name(s)) fail(p, "unknown rlimit " + literal(s));
}

void positive(const std::optional<int>& v, const Path& p) {
  if (v && *v <= 0) fail(p, "must be greater than zero, got " + std::to_string(*v));
}

template <const auto& Choices>
void one_of(const std::string& s, const Path& p) {
  for (std::string_view c : Choices)
    if (c == s) return;
  fail(p, "must be one of " + joined(Choices) + ", got " + literal(s));
}

// Items whose key(item) repeats an earlier one's: "<path>[i].type: duplicate <what> ...".
template <class T, class Key>
void unique_by(const std::vector<T>& items, const Path& p, Key key, std::string_view what) {
  for (size_t i = 0; i < items.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (key(items[j]) == key(items[i]))
        fail(p[i] / "type", "duplicate " + std::string(what) + " " + literal(key(items[i])));
}

void unique_rlimits(const std::vector<Rlimit>& v, const Path& p) {
  unique_by(
      v, p, [](const Rlimit& r) -> std::string_view { return r.type; }, "rlimit");
}

void unique_namespaces(const std::vector<Namespace>& v, const Path& p) {
  unique_by(
      v, p, [](const Namespace& n) { return namespace_info(n.type).name; }, "namespace");
}

// A problem the attribute planners find, reported at `p` or at its member.
void report(const std::optional<Problem>& problem, const Path& p) {
  if (!problem) return;
  if (problem->field.empty()) fail(p, problem->message);
  fail(p / problem->field, problem->message);
}

void cpu_list(const std::string& s, const Path& p) {
  try {
    parse_cpu_list(s);
  } catch (const Error& e) {
    fail(p, e.what());
  }
}

// Only the sysctls of the container's own namespaces; checked once the
// namespaces are known.
void namespaced_sysctls(const Linux& lx, const Path& p) {
  for (const auto& [key, value] : lx.sysctl)
    if (std::string why = sysctl_refusal(key, lx.namespaces); !why.empty()) fail(p / "sysctl", why);
}

// Semantic versioning 2.0.0: MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD].
bool numeric_identifier(std::string_view s) {
  return !s.empty() && all_of(s, kDigits) && (s.size() == 1 || s[0] != '0');
}

bool dotted_identifiers(std::string_view s, bool prerelease) {
  constexpr std::string_view kIdent =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-";
  while (true) {
    size_t dot = s.find('.');
    std::string_view id = s.substr(0, dot);
    if (id.empty() || !all_of(id, kIdent)) return false;
    if (prerelease && all_of(id, kDigits) && !numeric_identifier(id)) return false;
    if (dot == std::string_view::npos) return true;
    s.remove_prefix(dot + 1);
  }
}

bool is_semver(std::string_view s) {
  if (size_t plus = s.find('+'); plus != std::string_view::npos) {
    if (!dotted_identifiers(s.substr(plus + 1), false)) return false;
    s = s.substr(0, plus);
  }
  if (size_t dash = s.find('-'); dash != std::string_view::npos) {
    if (!dotted_identifiers(s.substr(dash + 1), true)) return false;
    s = s.substr(0, dash);
  }
  for (int part = 0; part < 3; ++part) {
    size_t dot = s.find('.');
    if ((part < 2) == (dot == std::string_view::npos)) return false;
    if (!numeric_identifier(s.substr(0, dot))) return false;
    s = part < 2 ? s.substr(dot + 1) : std::string_view();
  }
  return true;
}

// 1.x.y, the major version this runtime implements. The 0.x drafts are let
// through too: the spec's own example config still says "0.5.0-dev".
void supported_version(const std::string& s, const Path& p) {
  if (!is_semver(s)) fail(p, "must be a semantic version such as \"1.0.0\", got " + literal(s));
  if (!s.starts_with("1.") && !s.starts_with("0."))
    fail(p, "must be a 1.x.y version (this runtime implements " + std::string(kOciVersion) +
                "), got " + literal(s));
}

constexpr std::string_view kPropagations[] = {"private", "rprivate", "slave",      "rslave",
                                              "shared",  "rshared",  "unbindable", "runbindable"};
constexpr std::string_view kDeviceTypes[] = {"c", "b", "u", "p"};

// --- decoders ---

void decode(const json& v, const Path& p, std::string& out) {
  out = as_string(v, p);
}

void decode(const json& v, const Path& p, bool& out) {
  out = as_bool(v, p);
}

void decode(const json& v, const Path& p, std::map<std::string, std::string>& out) {
  check_shape(v, p, kStringMap);
  out.clear();
  for (const auto& [key, value] : v.items()) out.emplace(key, value.get<std::string>());
}

void decode(const json& v, const Path& p, Shaped out) {
  check_shape(v, p, out.shape);
  if (out.out) *out.out = v;
}

void decode(const json& v, const Path& p, Root& out) {
  const auto& o = as_object(v, p);
  required(o, "path", p, checked(out.path, not_empty<std::string>));
  field(o, "readonly", p, out.readonly);
}

void decode(const json& v, const Path& p, Mount& out) {
  const auto& o = as_object(v, p);
  required(o, "destination", p, checked(out.destination, absolute_path));
  field(o, "type", p, out.type);
  field(o, "source", p, out.source);
  field(o, "options", p, out.options);
  field(o, "uidMappings", p, out.uid_mappings);
  field(o, "gidMappings", p, out.gid_mappings);
}

void decode(const json& v, const Path& p, IdMapping& out) {
  const auto& o = as_object(v, p);
  required(o, "containerID", p, out.container_id);
  required(o, "hostID", p, out.host_id);
  required(o, "size", p, out.size);
}

void decode(const json& v, const Path& p, Rlimit& out) {
  const auto& o = as_object(v, p);
  required(o, "type", p, checked(out.type, known_rlimit));
  required(o, "hard", p, out.hard);
  required(o, "soft", p, out.soft);
}

void decode(const json& v, const Path& p, Capabilities& out) {
  struct Set {
    std::string_view key;
    std::vector<std::string> Capabilities::*member;
  };
  static constexpr Set kSets[] = {{"bounding", &Capabilities::bounding},
                                  {"effective", &Capabilities::effective},
                                  {"inheritable", &Capabilities::inheritable},
                                  {"permitted", &Capabilities::permitted},
                                  {"ambient", &Capabilities::ambient}};
  const auto& o = as_object(v, p);
  for (const Set& s : kSets) field(o, s.key, p, checked(out.*s.member, each<known_capability>));
}

void decode(const json& v, const Path& p, User& out) {
  const auto& o = as_object(v, p);
  field(o, "uid", p, out.uid);
  field(o, "gid", p, out.gid);
  field(o, "umask", p, out.umask);
  field(o, "additionalGids", p, out.additional_gids);
  check_fields(o, p, kUserExtras);
}

void decode(const json& v, const Path& p, ConsoleSize& out) {
  const auto& o = as_object(v, p);
  required(o, "height", p, out.height);
  required(o, "width", p, out.width);
}

// The sections below are checked against their schema table first, so that
// their messages name the field as for the sections kept as JSON.
void decode(const json& v, const Path& p, Scheduler& out) {
  check_shape(v, p, kScheduler);
  const auto& o = as_object(v, p);
  required(o, "policy", p, out.policy);
  field(o, "nice", p, out.nice);
  field(o, "priority", p, out.priority);
  field(o, "flags", p, out.flags);
  field(o, "runtime", p, out.runtime);
  field(o, "deadline", p, out.deadline);
  field(o, "period", p, out.period);
  report(check_scheduler(out), p);
}

void decode(const json& v, const Path& p, IoPriority& out) {
  check_shape(v, p, kIoPriority);
  const auto& o = as_object(v, p);
  required(o, "class", p, out.io_class);
  field(o, "priority", p, out.priority);
  report(check_io_priority(out), p);
}

void decode(const json& v, const Path& p, CpuAffinity& out) {
  check_shape(v, p, kCpuAffinity);
  const auto& o = as_object(v, p);
  field(o, "initial", p, checked(out.initial, cpu_list));
  field(o, "final", p, checked(out.final, cpu_list));
}

void decode(const json& v, const Path& p, Process& out) {
  const auto& o = as_object(v, p);
  field(o, "terminal", p, out.terminal);
  field(o, "consoleSize", p, out.console_size);
  field(o, "user", p, out.user);
  required(o, "args", p, checked(out.args, not_empty<std::vector<std::string>>));
  field(o, "env", p, out.env);
  required(o, "cwd", p, checked(out.cwd, absolute_path));
  field(o, "capabilities", p, out.capabilities);
  field(o, "rlimits", p, checked(out.rlimits, unique_rlimits));
  field(o, "noNewPrivileges", p, out.no_new_privileges);
  field(o, "oomScoreAdj", p, out.oom_score_adj);
  field(o, "apparmorProfile", p, out.apparmor_profile);
  field(o, "selinuxLabel", p, out.selinux_label);
  field(o, "scheduler", p, out.scheduler);
  field(o, "ioPriority", p, out.io_priority);
  field(o, "execCPUAffinity", p, out.exec_cpu_affinity);
  check_fields(o, p, kProcessExtras);
}

void decode(const json& v, const Path& p, Hook& out) {
  const auto& o = as_object(v, p);
  required(o, "path", p, checked(out.path, absolute_path));
  field(o, "args", p, out.args);
  field(o, "env", p, out.env);
  field(o, "timeout", p, checked(out.timeout, positive));
}

void decode(const json& v, const Path& p, Hooks& out) {
  // In hook_names() order.
  static constexpr std::array kLists{&Hooks::prestart,         &Hooks::create_runtime,
                                     &Hooks::create_container, &Hooks::start_container,
                                     &Hooks::poststart,        &Hooks::poststop};
  const auto& o = as_object(v, p);
  auto names = hook_names();
  for (size_t i = 0; i < kLists.size() && i < names.size(); ++i)
    field(o, names[i], p, out.*kLists[i]);
}

void decode(const json& v, const Path& p, NsType& out) {
  const std::string& name = as_string(v, p);
  auto t = namespace_from_name(name);
  if (!t) fail(p, "unknown namespace type " + literal(name));
  out = *t;
}

void decode(const json& v, const Path& p, Namespace& out) {
  const auto& o = as_object(v, p);
  required(o, "type", p, out.type);
  field(o, "path", p, checked(out.path, absolute_if_set));
}

void decode(const json& v, const Path& p, Device& out) {
  const auto& o = as_object(v, p);
  required(o, "path", p, checked(out.path, absolute_path));
  std::string type;
  required(o, "type", p, checked(type, one_of<kDeviceTypes>));
  out.type = type[0];
  for (auto [key, number] : {std::pair{"major", &out.major}, std::pair{"minor", &out.minor}})
    if (!field(o, key, p, *number) && out.type != 'p')
      fail(p / key, "is required for a device of type " + literal(type));
  field(o, "fileMode", p, out.file_mode);
  field(o, "uid", p, out.uid);
  field(o, "gid", p, out.gid);
}

void decode(const json& v, const Path& p, Personality& out) {
  check_shape(v, p, kPersonality);
  const auto& o = as_object(v, p);
  field(o, "domain", p, out.domain);
  field(o, "flags", p, out.flags);
}

void decode(const json& v, const Path& p, TimeOffset& out) {
  check_shape(v, p, kTimeOffset);
  const auto& o = as_object(v, p);
  field(o, "secs", p, out.secs);
  field(o, "nanosecs", p, out.nanosecs);
  report(check_time_offset(out), p);
}

void decode(const json& v, const Path& p, TimeOffsets& out) {
  check_shape(v, p, kTimeOffsets);
  const auto& o = as_object(v, p);
  field(o, "monotonic", p, out.monotonic);
  field(o, "boottime", p, out.boottime);
}

void decode(const json& v, const Path& p, Linux& out) {
  const auto& o = as_object(v, p);
  field(o, "namespaces", p, checked(out.namespaces, unique_namespaces));
  field(o, "uidMappings", p, out.uid_mappings);
  field(o, "gidMappings", p, out.gid_mappings);
  field(o, "devices", p, out.devices);
  field(o, "cgroupsPath", p, out.cgroups_path);
  field(o, "sysctl", p, out.sysctl);
  field(o, "maskedPaths", p, checked(out.masked_paths, each<absolute_path>));
  field(o, "readonlyPaths", p, checked(out.readonly_paths, each<absolute_path>));
  field(o, "rootfsPropagation", p, checked(out.rootfs_propagation, one_of<kPropagations>));
  field(o, "mountLabel", p, out.mount_label);
  field(o, "resources", p, Shaped{kResources, &out.resources});
  field(o, "seccomp", p, Shaped{kSeccomp, &out.seccomp});
  field(o, "personality", p, out.personality);
  if (field(o, "timeOffsets", p, out.time_offsets))
    report(check_time_offsets(*out.time_offsets, out.namespaces), p / "timeOffsets");
  check_fields(o, p, kLinuxExtras);
  for (std::string_view name : kUnimplementedLinux)
    if (o.contains(name)) out.unimplemented.emplace_back(name);
  namespaced_sysctls(out, p);
}

Config decode_config(const json& doc) {
  Config c;
  const Path top;
  const auto& o = as_object(doc, top);
  required(o, "ociVersion", top, checked(c.oci_version, supported_version));
  required(o, "root", top, c.root);
  field(o, "process", top, c.process);
  field(o, "mounts", top, c.mounts);
  field(o, "hostname", top, c.hostname);
  field(o, "domainname", top, c.domainname);
  field(o, "hooks", top, c.hooks);
  field(o, "annotations", top, c.annotations);
  // Only Linux is acted on; the other platforms' sections are left alone.
  field(o, "linux", top, c.linux_);
  return c;
}

// ---------------------------------------------------------------------------
// Files.

// Reads a whole file into `out`; false if it does not exist.
bool read_file(const std::string& path, std::string& out) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return false;
    throw_errno(path);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) == 0 && st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
  char buf[16384];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno(path);
    }
    if (n == 0) return true;
    out.append(buf, static_cast<size_t>(n));
  }
}

std::string join(const std::string& dir, std::string_view file) {
  if (dir.empty()) return std::string(file);
  std::string out = dir;
  if (!out.ends_with('/')) out += '/';
  out += file;
  return out;
}

}  // namespace

void check_resources(const nlohmann::json& doc, std::string_view name) {
  with_context(name, [&] { check_shape(doc, Path(), kResources); });
}

Config from_json(const nlohmann::json& doc, std::string_view name) {
  return with_context(name, [&] { return decode_config(doc); });
}

json json_document(std::string_view text, std::string_view name) {
  // No config nests deeper than a few levels; a document nested thousands
  // deep would overflow the stack of the recursive code that reads it.
  constexpr int kMaxDepth = 128;
  auto depth_limit = [&](int depth, json::parse_event_t, json&) {
    if (depth > kMaxDepth)
      throw Error(std::string(name) + ": invalid JSON: nested deeper than " +
                  std::to_string(kMaxDepth) + " levels");
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), depth_limit);
  } catch (const json::out_of_range&) {
    // a number too large for a double ("1e999")
    throw Error(std::string(name) + ": invalid JSON: a number out of range");
  } catch (const json::parse_error& e) {
    // e.what(): "[json.exception.parse_error.101] parse error at line 1, ..."
    std::string_view msg = e.what();
    if (msg.starts_with('[')) {
      size_t end = msg.find("] ");
      if (end != std::string_view::npos) msg.remove_prefix(end + 2);
    }
    throw Error(std::string(name) + ": invalid JSON: " + std::string(msg));
  }
}

Config parse_json(std::string_view text, std::string_view name) {
  return from_json(json_document(text, name), name);
}

Config parse_yaml(std::string_view text, std::string_view name) {
  return from_json(yaml_document(text, name), name);
}

json load_bundle_document(const std::string& bundle_dir, std::string* name) {
  struct Candidate {
    std::string_view file;
    json (*parse)(std::string_view text, std::string_view name);
  };
  static constexpr Candidate kCandidates[] = {{"config.json", json_document},
                                              {"config.yaml", yaml_document},
                                              {"config.yml", yaml_document}};
  for (const Candidate& c : kCandidates) {
    std::string text;
    if (read_file(join(bundle_dir, c.file), text)) {
      if (name) *name = c.file;
      return c.parse(text, c.file);
    }
  }
  throw_errno(join(bundle_dir, kCandidates[0].file), ENOENT);
}

Config load_bundle(const std::string& bundle_dir) {
  std::string name;
  json doc = load_bundle_document(bundle_dir, &name);
  return from_json(doc, name);
}

}  // namespace ocirun::spec
