#include "cgroups/systemd_plan.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "cgroups/path.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/text.hpp"

namespace ocirun::cgroups::systemd {
namespace {

Error bad_path(const std::string& path, const std::string& why) {
  return Error("linux.cgroupsPath: \"" + path + "\": " + why, EINVAL);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

std::optional<uint64_t> number(std::string_view s) {
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

// "max" → infinity; a number as is.
std::optional<uint64_t> limit(std::string_view s) {
  if (s == "max") return kInfinity;
  return number(s);
}

// cpuset's list ("0-3,8") → systemd's bitmask: byte i bit j is CPU 8i+j.
std::optional<std::vector<uint8_t>> bitmask(std::string_view list) {
  std::vector<uint8_t> mask;
  constexpr uint64_t kMaxBit = 1 << 16;  // far above any machine's CPUs or nodes
  for (size_t at = 0; at <= list.size();) {
    size_t comma = std::min(list.find(',', at), list.size());
    std::string_view part = trim(list.substr(at, comma - at));
    at = comma + 1;
    if (part.empty()) continue;
    size_t dash = part.find('-');
    auto first = number(part.substr(0, dash));
    auto last = dash == std::string_view::npos ? first : number(part.substr(dash + 1));
    if (!first || !last || *last < *first || *last >= kMaxBit) return std::nullopt;
    if (mask.size() <= *last / 8) mask.resize(*last / 8 + 1);
    for (uint64_t bit = *first; bit <= *last; ++bit) mask[bit / 8] |= uint8_t(1u << (bit % 8));
  }
  return mask;
}

Property prop(std::string name, std::string signature, Value v, std::string field) {
  return {std::move(name), std::move(signature), std::move(v), std::move(field)};
}

// The property (or properties) for one write, or none when systemd has
// none for that file or cannot say that value.
std::vector<Property> owned(const Write& w) {
  static constexpr std::pair<std::string_view, std::string_view> kLimits[] = {
      {"memory.max", "MemoryMax"},          {"memory.low", "MemoryLow"},
      {"memory.min", "MemoryMin"},          {"memory.high", "MemoryHigh"},
      {"memory.swap.max", "MemorySwapMax"}, {"pids.max", "TasksMax"}};
  for (const auto& [file, name] : kLimits)
    if (w.file == file)
      if (auto v = limit(w.value)) return {prop(std::string(name), "t", *v, w.field)};
  if (w.file == "cpu.weight") {
    if (auto v = number(w.value)) return {prop("CPUWeight", "t", *v, w.field)};
  } else if (w.file == "cpu.max") {
    // "QUOTA PERIOD" or "max PERIOD". systemd keeps the quota as a share of
    // a second in percent: a quota that is not a whole percent is rounded
    // up to the next 10 ms per second, as runc does, so that the cgroup
    // gets at least what was asked.
    auto f = sys::words(w.value);
    if (f.size() != 2) return {};
    auto period = number(f[1]);
    auto quota = limit(f[0]);
    if (!period || *period == 0 || !quota) return {};
    uint64_t per_sec = kInfinity;
    if (*quota != kInfinity) {
      per_sec = static_cast<uint64_t>(std::ceil(double(*quota) * 1e6 / double(*period)));
      if (per_sec % 10000) per_sec = (per_sec / 10000 + 1) * 10000;
    }
    return {prop("CPUQuotaPeriodUSec", "t", *period, w.field),
            prop("CPUQuotaPerSecUSec", "t", per_sec, w.field)};
  } else if (w.file == "cpuset.cpus" || w.file == "cpuset.mems") {
    if (auto mask = bitmask(w.value))
      return {prop(w.file == "cpuset.cpus" ? "AllowedCPUs" : "AllowedMemoryNodes", "ay",
                   std::move(*mask), w.field)};
  } else if (w.file == "io.weight" || (w.file == "io.bfq.weight" && !w.fallback_value.empty())) {
    // The cgroup-wide weight only ("default N" or "N"); per-device ones stay
    // writes. blockIO.weight comes as io.bfq.weight with io.weight's value
    // as the fallback.
    std::string_view v = w.file == "io.weight" ? w.value : w.fallback_value;
    if (v.starts_with("default ")) v.remove_prefix(8);
    if (auto n = number(v)) return {prop("IOWeight", "t", *n, w.field)};
  }
  return {};
}

// Names of a major number in /proc/devices ("char-pts"), or "" when unknown.
std::string major_name(char type, int64_t major, const DeviceMajors& majors) {
  const auto& table = type == 'b' ? majors.blocks : majors.chars;
  auto it = table.find(major);
  if (it == table.end()) return {};
  return (type == 'b' ? "block-" : "char-") + it->second;
}

// "uint64 123" and friends → the number, of that type.
std::optional<Value> typed_number(std::string_view type, std::string_view text,
                                  std::string& signature) {
  auto as_signed = [&](auto zero) -> std::optional<Value> {
    decltype(zero) v{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return Value(v);
  };
  if (type == "uint64" || type == "t") {
    signature = "t";
    return as_signed(uint64_t{});
  }
  if (type == "int64" || type == "x") {
    signature = "x";
    return as_signed(int64_t{});
  }
  if (type == "uint32" || type == "u") {
    signature = "u";
    return as_signed(uint32_t{});
  }
  if (type == "int32" || type == "i") {
    signature = "i";
    return as_signed(int32_t{});
  }
  if (type == "double" || type == "d") {
    signature = "d";
    std::string s(text);
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (s.empty() || *end || !std::isfinite(d)) return std::nullopt;
    return Value(d);
  }
  return std::nullopt;
}

// A GVariant string literal: '...' or "..." with backslash escapes.
std::optional<std::string> quoted(std::string_view text, size_t& at) {
  if (at >= text.size() || (text[at] != '\'' && text[at] != '"')) return std::nullopt;
  char q = text[at++];
  std::string out;
  while (at < text.size() && text[at] != q) {
    if (text[at] == '\\' && at + 1 < text.size()) ++at;
    out += text[at++];
  }
  if (at >= text.size()) return std::nullopt;
  ++at;
  return out;
}

std::optional<Value> gvariant(std::string_view text, std::string& signature) {
  text = trim(text);
  if (text == "true" || text == "false") {
    signature = "b";
    return Value(text == "true");
  }
  if (!text.empty() && (text[0] == '\'' || text[0] == '"')) {
    size_t at = 0;
    auto s = quoted(text, at);
    if (!s || at != text.size()) return std::nullopt;
    signature = "s";
    return Value(std::move(*s));
  }
  if (text.starts_with("@as ")) text = trim(text.substr(4));
  if (text.starts_with('[') && text.ends_with(']')) {
    std::vector<std::string> items;
    std::string_view body = trim(text.substr(1, text.size() - 2));
    size_t at = 0;
    while (at < body.size()) {
      auto s = quoted(body, at);
      if (!s) return std::nullopt;
      items.push_back(std::move(*s));
      while (at < body.size() && body[at] == ' ') ++at;
      if (at < body.size() && body[at++] != ',') return std::nullopt;
      while (at < body.size() && body[at] == ' ') ++at;
    }
    signature = "as";
    return Value(std::move(items));
  }
  size_t space = text.find(' ');
  if (space != std::string_view::npos)
    return typed_number(text.substr(0, space), trim(text.substr(space + 1)), signature);
  // An untyped number is an int32 in GVariant's text form (a double with a
  // point or an exponent).
  if (text.find_first_of(".eE") != std::string_view::npos &&
      text.find_first_not_of("0123456789+-.eE") == std::string_view::npos)
    return typed_number("double", text, signature);
  return typed_number("int32", text, signature);
}

// seconds (any number type) → microseconds, for a "...Sec" property.
std::optional<uint64_t> seconds_to_usec(const Value& v) {
  double sec = std::visit(
      [](const auto& x) -> double {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>)
          return static_cast<double>(x);
        return -1;
      },
      v);
  if (!(sec >= 0) || sec * 1e6 >= 1.8e19) return std::nullopt;
  return static_cast<uint64_t>(std::llround(sec * 1e6));
}

constexpr std::string_view kAnnotationPrefix = "org.systemd.property.";

}  // namespace

Unit unit_of(const std::string& cgroups_path, const std::string& id) {
  std::string slice = "system.slice", prefix = "ocirun", name = id;
  if (!cgroups_path.empty()) {
    size_t c1 = cgroups_path.find(':');
    size_t c2 = c1 == std::string::npos ? c1 : cgroups_path.find(':', c1 + 1);
    if (c2 == std::string::npos || cgroups_path.find(':', c2 + 1) != std::string::npos)
      throw bad_path(cgroups_path, "with the systemd driver, expected \"slice:prefix:name\"");
    slice = cgroups_path.substr(0, c1);
    prefix = cgroups_path.substr(c1 + 1, c2 - c1 - 1);
    name = cgroups_path.substr(c2 + 1);
    if (name.empty()) name = id;
    if (slice.empty()) slice = "system.slice";
    if (slice == "-") slice = "-.slice";
  }
  Unit u;
  u.slice = slice;
  if (name.ends_with(".slice")) {
    u.name = name;  // a slice of its own
  } else {
    if (!prefix.empty()) u.name = prefix + "-";
    u.name += name;
    if (!u.name.ends_with(".scope")) u.name += ".scope";
  }
  if (u.name.find('/') != std::string::npos) throw bad_path(cgroups_path, "a unit name has no '/'");
  try {
    // runc's path, a slice unit's too: the slice's, then the unit's name.
    u.path = expand_slice(slice) + "/" + u.name;
  } catch (const Error& e) {
    throw bad_path(cgroups_path.empty() ? u.slice + ":ocirun:" + id : cgroups_path, e.what());
  }
  return u;
}

std::vector<Property> take_owned_limits(ResourcePlan& plan) {
  std::vector<Property> out;
  std::vector<Write> rest;
  for (Write& w : plan.writes) {
    auto props = owned(w);
    if (props.empty()) {
      rest.push_back(std::move(w));
      continue;
    }
    for (auto& p : props) {
      // A later write of the same file (unified over a field) wins, as it
      // would in the cgroup.
      std::erase_if(out, [&](const Property& q) { return q.name == p.name; });
      out.push_back(std::move(p));
    }
  }
  plan.writes = std::move(rest);
  return out;
}

DeviceMajors device_majors(std::string_view proc_devices) {
  DeviceMajors out;
  std::map<int64_t, std::string>* table = nullptr;
  sys::for_each_line(proc_devices, [&](std::string_view line) {
    if (line.starts_with("Character devices:")) {
      table = &out.chars;
    } else if (line.starts_with("Block devices:")) {
      table = &out.blocks;
    } else if (table) {
      auto f = sys::words(line);
      if (f.size() == 2)
        if (auto n = number(f[0])) table->emplace(static_cast<int64_t>(*n), f[1]);
    }
  });
  return out;
}

std::vector<Property> device_properties(const std::vector<DeviceRule>& rules,
                                        const DeviceMajors& majors) {
  const std::string field = "linux.resources.devices";
  // The program denies what no rule allows, and the last rule that matches
  // decides: an allow-all rule with every access (and no rule after it that
  // denies) needs no policy; a deny-all rule voids the allows before it.
  bool allows_all = false;
  std::vector<std::pair<std::string, std::string>> allow;
  for (const DeviceRule& r : rules) {
    bool all = r.type == 'a' && r.major < 0 && r.minor < 0;
    std::string access = r.access.empty() ? "rwm" : r.access;
    if (!r.allow) {
      allows_all = false;  // narrows: DeviceAllow's set stays wider, the program is exact
      if (all && access == "rwm") allow.clear();
      continue;
    }
    if (all && access == "rwm") {
      allows_all = true;
      continue;
    }
    std::vector<char> types;
    if (r.type == 'a')
      types = {'c', 'b'};
    else
      types = {r.type};
    for (char t : types) {
      std::string kind = t == 'b' ? "block" : "char";
      std::string name;
      if (r.major < 0)
        name = kind + "-*";
      else if (r.minor < 0)
        name = major_name(t, r.major, majors);
      else
        name = "/dev/" + kind + "/" + std::to_string(r.major) + ":" + std::to_string(r.minor);
      // A major /proc/devices does not name has no device: nothing to allow.
      if (!name.empty()) allow.emplace_back(std::move(name), access);
    }
  }
  if (allows_all) return {};
  return {prop("DevicePolicy", "s", std::string("strict"), field),
          prop("DeviceAllow", "a(ss)", std::move(allow), field)};
}

Property annotation_property(const std::string& key, const std::string& value) {
  const std::string field = "annotations[\"" + key + "\"]";
  std::string name = key.substr(kAnnotationPrefix.size());
  bool plain = !name.empty() && name[0] >= 'A' && name[0] <= 'Z' &&
               std::all_of(name.begin(), name.end(), [](char c) {
                 return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
               });
  if (!plain) throw Error(field + ": not a systemd property name", EINVAL);
  std::string signature;
  auto v = gvariant(value, signature);
  if (!v)
    throw Error(field + ": \"" + value +
                    "\" is not a GVariant value (true, 'text', ['a', 'b'], 42, uint64 42, ...)",
                EINVAL);
  if (name.ends_with("Sec") && !name.ends_with("USec")) {
    auto usec = seconds_to_usec(*v);
    if (!usec) throw Error(field + ": expects a number of seconds, got \"" + value + "\"", EINVAL);
    name = name.substr(0, name.size() - 3) + "USec";
    return prop(name, "t", *usec, field);
  }
  return prop(name, signature, std::move(*v), field);
}

std::vector<Property> annotation_properties(const std::map<std::string, std::string>& annotations) {
  std::vector<Property> out;
  for (auto it = annotations.lower_bound(std::string(kAnnotationPrefix));
       it != annotations.end() && it->first.starts_with(kAnnotationPrefix); ++it)
    out.push_back(annotation_property(it->first, it->second));
  return out;
}

std::vector<Property> unit_properties(const Unit& unit, const std::string& id,
                                      std::vector<Property> limits, std::vector<Property> devices,
                                      std::vector<Property> annotations) {
  std::vector<Property> out;
  out.push_back(prop("Description", "s", "ocirun container " + id, ""));
  if (!unit.is_slice()) out.push_back(prop("Slice", "s", unit.slice, "linux.cgroupsPath"));
  out.push_back(prop("Delegate", "b", true, ""));
  out.push_back(prop("DefaultDependencies", "b", false, ""));
  for (const char* a : {"MemoryAccounting", "CPUAccounting", "IOAccounting", "TasksAccounting"})
    out.push_back(prop(a, "b", true, ""));
  auto add = [&](std::vector<Property>& more) {
    for (Property& p : more) {
      std::erase_if(out, [&](const Property& q) { return q.name == p.name; });
      out.push_back(std::move(p));
    }
  };
  add(limits);
  add(devices);
  add(annotations);
  return out;
}

}  // namespace ocirun::cgroups::systemd
