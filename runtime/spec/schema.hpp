// The runtime-spec's JSON schema for what the loader validates but does not
// decode: the sections kept as raw JSON (linux.resources, linux.seccomp) and
// the fields the typed Config has no room for, as small constexpr tables
// (Shape) transcribed from config-schema.json, config-linux.json and
// defs-linux.json.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include <nlohmann/json.hpp>

#include "runtime/spec/json_reader.hpp"

namespace ocirun::spec::schema {

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

// Checks `v` at `p` against `s`; throws naming the first field at fault.
void check_shape(const nlohmann::json& v, const Path& p, const Shape& s);
// The known members of an object (others are left alone, as the spec says).
void check_fields(const nlohmann::json::object_t& o, const Path& p, std::span<const Field> fields);

// The schema's patterns are plain scanners (no <regex> at start-up).
bool all_of(std::string_view s, std::string_view allowed);
inline constexpr std::string_view kDigits = "0123456789";

// What the loader checks with them.
extern const Shape kResources;
extern const Shape kSeccomp;
extern const Shape kScheduler;
extern const Shape kIoPriority;
extern const Shape kCpuAffinity;
extern const Shape kPersonality;
extern const Shape kTimeOffset;
extern const Shape kTimeOffsets;
extern const Shape kStringMap;
extern const Shape kProcessExtras;
extern const Shape kUserExtras;
extern const Shape kLinuxExtras;

}  // namespace ocirun::spec::schema
