#include "runtime/spec/field_path.hpp"

#include <cctype>

#include <nlohmann/json.hpp>

namespace ocirun::spec {
namespace {

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
    out += '.';
    out += key;
  } else {
    out += '[';
    out += nlohmann::json(std::string(key))
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += ']';
  }
  return out;
}

std::string field_element(const std::string& base, size_t i) {
  std::string out = base;
  out += '[';
  out += std::to_string(i);
  out += ']';
  return out;
}

}  // namespace ocirun::spec
