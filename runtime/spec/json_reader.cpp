#include "runtime/spec/json_reader.hpp"

#include <cctype>

#include "runtime/sys/error.hpp"

namespace ocirun::spec {
namespace {

using json = nlohmann::json;

bool plain_key(std::string_view k) {
  if (k.empty()) return false;
  for (char c : k)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

}  // namespace

std::string field_member(const std::string& base, std::string_view key) {
  std::string out = base;
  if (plain_key(key)) {
    if (!out.empty()) out += '.';
    out += key;
  } else {
    out += '[';
    out += json(std::string(key)).dump(-1, ' ', false, json::error_handler_t::replace);
    out += ']';
  }
  return out;
}

std::string field_element(const std::string& base, size_t i) {
  return base + '[' + std::to_string(i) + ']';
}

std::string Path::str() const {
  if (!parent_) return std::string(key_);
  std::string base = parent_->str();
  return is_index_ ? field_element(base, index_) : field_member(base, key_);
}

std::string shown(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > 64) s = s.substr(0, 60) + "...";
  return s;
}

std::string literal(std::string_view s) {
  return shown(json(s));
}

void fail(const Path& p, std::string_view what) {
  std::string where = p.str();
  if (where.empty()) throw Error(std::string(what));
  throw Error(where + ": " + std::string(what));
}

void mismatch(const Path& p, std::string_view expected, const json& got) {
  fail(p, "must be " + std::string(expected) + ", got " + shown(got));
}

const json* find(const json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  return find(object.get_ref<const json::object_t&>(), key);
}

const json* find(const json::object_t& object, std::string_view key) {
  auto it = object.find(key);
  return it == object.end() || it->second.is_null() ? nullptr : &it->second;
}

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

}  // namespace ocirun::spec
