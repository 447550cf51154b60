#include "runtime/sys/mountinfo.hpp"

#include "runtime/sys/text.hpp"

namespace ocirun::sys {
namespace {

// The kernel escapes space, tab, newline and backslash as \ooo.
std::string unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      auto octal = [](char c) { return c >= '0' && c <= '7'; };
      if (octal(s[i + 1]) && octal(s[i + 2]) && octal(s[i + 3])) {
        out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

}  // namespace

std::vector<MountEntry> parse_mountinfo(std::string_view text) {
  std::vector<MountEntry> out;
  for_each_line(text, [&](std::string_view line) {
    // id parent major:minor root mount-point options [optional...] - fstype source super-options
    size_t sep = line.find(" - ");
    if (sep == std::string_view::npos) return;
    auto before = words(line.substr(0, sep));
    auto after = words(line.substr(sep + 3));
    if (before.size() < 5 || after.empty()) return;
    out.push_back({unescape(before[3]), unescape(before[4]), after[0]});
  });
  return out;
}

bool path_under(std::string_view path, std::string_view dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
  if (dir == "/") return path.starts_with("/");
  return path.starts_with(dir) && (path.size() == dir.size() || path[dir.size()] == '/');
}

}  // namespace ocirun::sys
