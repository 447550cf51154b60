// The one reader of the JSON ocirun is given (the bundle's config, exec's
// --process, update's --resources): where a value is ("linux.namespaces[2]
// .type", `linux.sysctl["a.b"]`), a member by name, typed reads, and the one
// form of their errors, "<field>: must be <what>, got <value>". The config
// loader, the cgroup resources and devices planners and the seccomp planner
// all read through it, so every message names its field the same way.
#pragma once

#include <concepts>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace ocirun::spec {

// base + ".key", or base + "[\"key\"]" when key is not a plain identifier.
std::string field_member(const std::string& base, std::string_view key);
// base + "[i]"
std::string field_element(const std::string& base, size_t i);

// Where a value is: a chain of parents on the stack, spelt out only when a
// message needs it. A root names the document or the section ("" for the
// top of a config, "linux.resources"); it must outlive the chain.
class Path {
 public:
  Path() = default;
  explicit Path(std::string_view root) : key_(root) {}
  Path operator/(std::string_view key) const { return Path(this, key, 0, false); }
  Path operator[](size_t index) const { return Path(this, {}, index, true); }
  std::string str() const;

 private:
  Path(const Path* parent, std::string_view key, size_t index, bool is_index)
      : parent_(parent), key_(key), index_(index), is_index_(is_index) {}

  const Path* parent_ = nullptr;
  std::string_view key_;
  size_t index_ = 0;
  bool is_index_ = false;
};

// A value as a message quotes it: JSON, cut to 64 characters.
std::string shown(const nlohmann::json& v);
// A string as a message quotes it (shown as a JSON string).
std::string literal(std::string_view s);
// "a, b, c"
template <class Range>
std::string joined(const Range& words) {
  std::string out;
  for (std::string_view w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

// "<path>: <what>" (just what, at the top), as an ocirun::Error.
[[noreturn]] void fail(const Path& p, std::string_view what);
// "<path>: must be <expected>, got <value>".
[[noreturn]] void mismatch(const Path& p, std::string_view expected, const nlohmann::json& got);

// A member of an object; JSON null counts as absent (as Go's encoders write
// it), and so does any member of a value that is not an object.
const nlohmann::json* find(const nlohmann::json& object, std::string_view key);
const nlohmann::json* find(const nlohmann::json::object_t& object, std::string_view key);

const nlohmann::json::object_t& as_object(const nlohmann::json& v, const Path& p);
const nlohmann::json::array_t& as_array(const nlohmann::json& v, const Path& p);
const std::string& as_string(const nlohmann::json& v, const Path& p);
bool as_bool(const nlohmann::json& v, const Path& p);

// "a 32-bit integer", "an unsigned 64-bit integer".
template <std::integral T>
std::string integer_kind() {
  return std::string(std::is_signed_v<T> ? "a " : "an unsigned ") +
         std::to_string(std::numeric_limits<T>::digits + std::is_signed_v<T>) + "-bit integer";
}

template <std::integral T>
T as_integer(const nlohmann::json& v, const Path& p) {
  if (v.is_number_unsigned()) {
    auto u = v.get<uint64_t>();
    if (std::in_range<T>(u)) return static_cast<T>(u);
  } else if (v.is_number_integer()) {
    auto i = v.get<int64_t>();
    if (std::in_range<T>(i)) return static_cast<T>(i);
  }
  mismatch(p, integer_kind<T>(), v);
}

}  // namespace ocirun::spec
