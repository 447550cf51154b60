#include "runtime/state/state.hpp"
#include "runtime/sys/error.hpp"

namespace ocirun::state {

std::optional<std::string> id_problem(std::string_view id) {
  if (id.empty()) return "must not be empty";
  if (id.size() > 1024) return "longer than 1024 characters";
  if (id == "." || id == "..") return "must not be \".\" or \"..\"";
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '+' || c == '-' || c == '.';
    if (!ok)
      return std::string("character '") + c +
             "' not allowed (use letters, digits, '_', '+', '-', '.')";
  }
  return std::nullopt;
}

void validate_id(std::string_view id) {
  if (auto problem = id_problem(id))
    throw Error("invalid container ID \"" + std::string(id) + "\": " + *problem);
}

}  // namespace ocirun::state
