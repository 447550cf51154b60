// The config loader: the parsed document decoded into the typed Config by
// overloads of decode(), one per type, through the JSON reader
// (json_reader.hpp: every message names the offending field). The sections
// kept as raw JSON (linux.resources, linux.seccomp) and the fields the Config
// has no room for are checked against the schema tables (schema.hpp). The
// documents themselves (files, JSON and YAML text) are read by document.cpp.
#include "runtime/spec/loader.hpp"

#include <array>
#include <cerrno>
#include <span>
#include <utility>

#include "namespaces/types.hpp"
#include "runtime/spec/json_reader.hpp"
#include "runtime/spec/schema.hpp"
#include "runtime/spec/tables.hpp"
#include "runtime/spec/validate.hpp"
#include "runtime/sys/error.hpp"

namespace ocirun::spec {
namespace {

using json = nlohmann::json;

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
  const schema::Shape& shape;
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
      v, p, [](const Namespace& n) { return ns::namespace_info(n.type).name; }, "namespace");
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
  return !s.empty() && schema::all_of(s, schema::kDigits) && (s.size() == 1 || s[0] != '0');
}

bool dotted_identifiers(std::string_view s, bool prerelease) {
  constexpr std::string_view kIdent =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-";
  while (true) {
    size_t dot = s.find('.');
    std::string_view id = s.substr(0, dot);
    if (id.empty() || !schema::all_of(id, kIdent)) return false;
    if (prerelease && schema::all_of(id, schema::kDigits) && !numeric_identifier(id)) return false;
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
  schema::check_shape(v, p, schema::kStringMap);
  out.clear();
  for (const auto& [key, value] : v.items()) out.emplace(key, value.get<std::string>());
}

void decode(const json& v, const Path& p, Shaped out) {
  schema::check_shape(v, p, out.shape);
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
  schema::check_fields(o, p, schema::kUserExtras.fields);
}

void decode(const json& v, const Path& p, ConsoleSize& out) {
  const auto& o = as_object(v, p);
  required(o, "height", p, out.height);
  required(o, "width", p, out.width);
}

// The sections below are checked against their schema table first, so that
// their messages name the field as for the sections kept as JSON.
void decode(const json& v, const Path& p, Scheduler& out) {
  schema::check_shape(v, p, schema::kScheduler);
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
  schema::check_shape(v, p, schema::kIoPriority);
  const auto& o = as_object(v, p);
  required(o, "class", p, out.io_class);
  field(o, "priority", p, out.priority);
  report(check_io_priority(out), p);
}

void decode(const json& v, const Path& p, CpuAffinity& out) {
  schema::check_shape(v, p, schema::kCpuAffinity);
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
  schema::check_fields(o, p, schema::kProcessExtras.fields);
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
  auto t = ns::namespace_from_name(name);
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
  schema::check_shape(v, p, schema::kPersonality);
  const auto& o = as_object(v, p);
  field(o, "domain", p, out.domain);
  field(o, "flags", p, out.flags);
}

void decode(const json& v, const Path& p, TimeOffset& out) {
  schema::check_shape(v, p, schema::kTimeOffset);
  const auto& o = as_object(v, p);
  field(o, "secs", p, out.secs);
  field(o, "nanosecs", p, out.nanosecs);
  report(check_time_offset(out), p);
}

void decode(const json& v, const Path& p, TimeOffsets& out) {
  schema::check_shape(v, p, schema::kTimeOffsets);
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
  field(o, "resources", p, Shaped{schema::kResources, &out.resources});
  field(o, "seccomp", p, Shaped{schema::kSeccomp, &out.seccomp});
  field(o, "personality", p, out.personality);
  if (field(o, "timeOffsets", p, out.time_offsets))
    report(check_time_offsets(*out.time_offsets, out.namespaces), p / "timeOffsets");
  schema::check_fields(o, p, schema::kLinuxExtras.fields);
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

}  // namespace

Config from_json(const nlohmann::json& doc, std::string_view name) {
  return with_context(name, [&] { return decode_config(doc); });
}

}  // namespace ocirun::spec
