// Splitting the text of kernel files (mountinfo, cgroup.procs, ...). Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ocirun::sys {

// Calls f(line) for each line of `text` (without the '\n').
template <class F>
void for_each_line(std::string_view text, F&& f) {
  while (!text.empty()) {
    size_t eol = text.find('\n');
    f(text.substr(0, eol));
    if (eol == std::string_view::npos) break;
    text.remove_prefix(eol + 1);
  }
}

// The words of `text`, split at spaces and newlines (cgroup.controllers,
// cgroup.procs, a mountinfo line).
std::vector<std::string> words(std::string_view text);

// The fields of a colon-separated line (/etc/passwd, /etc/subuid).
std::vector<std::string_view> fields(std::string_view line);

// The name of user `uid` in the text of an /etc/passwd, or "" when none.
std::string passwd_name(std::string_view passwd, unsigned uid);

}  // namespace ocirun::sys
