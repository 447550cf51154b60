// Where a container's cgroup lives (pure): the cgroup2 hierarchy's mount point
// from /proc/self/mountinfo, the caller's own cgroup from /proc/self/cgroup,
// and linux.cgroupsPath resolved to a path inside the hierarchy.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/sys/text.hpp"

namespace ocirun::cgroups {

using sys::for_each_line;
using sys::words;

// The mount point of the cgroup2 hierarchy: the first cgroup2 mount whose root
// is "/", whose mount point is not under `exclude` (a container's rootfs) and
// that no later mount covers (a tmpfs over it hides it); /sys/fs/cgroup is
// preferred when several qualify. nullopt: none is visible.
std::optional<std::string> cgroup2_mount(std::string_view mountinfo, std::string_view exclude = {});

// The cgroup v2 path ("/a/b") of the "0::" line of /proc/<pid>/cgroup; nullopt
// when there is none or it is not a plain absolute path.
std::optional<std::string> own_cgroup(std::string_view proc_cgroup);

// The parent of the containers whose linux.cgroupsPath is empty.
inline constexpr std::string_view kDefaultParent = "ocirun";

// Options that decide the path, from the command line.
struct PathOptions {
  bool systemd = false;  // --systemd-cgroup: cgroupsPath is "slice:prefix:name"
};

// linux.cgroupsPath → the container's cgroup, absolute within the hierarchy:
//   ""        → /ocirun/<id> (kDefaultParent)
//   "/a/b"    → /a/b
//   "a/b"     → <own>/a/b  (under the caller's cgroup, as runc does)
//   systemd   "machine.slice:libpod:abc" → /machine.slice/libpod-abc.scope
//             ("a-b.slice" expands to /a.slice/a-b.slice as systemd nests it;
//              an empty slice is system.slice, an empty path
//              "system.slice:ocirun:<id>": systemd::unit_of)
// Throws Error naming linux.cgroupsPath for "..", "." or empty components
// after the first, or a malformed systemd form.
std::string resolve(const std::string& cgroups_path, const std::string& own, const std::string& id,
                    const PathOptions& opts = {});

// systemd's slice name → its path: "a-b-c.slice" → "/a.slice/a-b.slice/a-b-c.slice",
// "-.slice" → "". Throws Error for an invalid slice name.
std::string expand_slice(const std::string& slice);

// "/a/b/c" → {"/a", "/a/b", "/a/b/c"}: the cgroups from the hierarchy's root
// (excluded) down to `path` (included).
std::vector<std::string> ancestors_and_self(const std::string& path);

}  // namespace ocirun::cgroups
