// /proc/<pid>/mountinfo, parsed (proc(5)). Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ocirun::sys {

struct MountEntry {
  std::string root;    // the part of the filesystem mounted ("/" for all of it)
  std::string point;   // where, in the reader's mount namespace
  std::string fstype;  // "proc", "sysfs", ...
};

// The entries in mountinfo's order (a later one may cover an earlier one);
// octal escapes (\040 for a space) decoded; malformed lines skipped.
std::vector<MountEntry> parse_mountinfo(std::string_view text);

// `path` is `dir` or below it, as paths (not as strings: /ab is not under /a).
bool path_under(std::string_view path, std::string_view dir);

}  // namespace ocirun::sys
