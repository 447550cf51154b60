#include "runtime/sys/text.hpp"

namespace ocirun::sys {

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find_first_of(" \n", at);
    if (end == std::string_view::npos) end = text.size();
    if (end > at) out.emplace_back(text.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  for (size_t colon; (colon = line.find(':')) != std::string_view::npos;) {
    out.push_back(line.substr(0, colon));
    line.remove_prefix(colon + 1);
  }
  out.push_back(line);
  return out;
}

std::string passwd_name(std::string_view passwd, unsigned uid) {
  std::string name, id = std::to_string(uid);
  for_each_line(passwd, [&](std::string_view line) {
    auto f = fields(line);
    if (name.empty() && f.size() >= 3 && f[2] == id) name = f[0];
  });
  return name;
}

}  // namespace ocirun::sys
