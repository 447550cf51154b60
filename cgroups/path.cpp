#include "cgroups/path.hpp"

#include "cgroups/systemd_plan.hpp"
#include "runtime/sys/error.hpp"

namespace ocirun::cgroups {
namespace {

bool under(std::string_view path, std::string_view dir) {
  if (dir.empty() || !path.starts_with(dir)) return false;
  return path.size() == dir.size() || path[dir.size()] == '/' || dir == "/";
}

Error bad_path(const std::string& path, const std::string& why) {
  std::string m = "linux.cgroupsPath: \"";
  m += path;
  m += "\": ";
  m += why;
  return Error(m, EINVAL);
}

// "/a//b/" → "/a/b"; refuses "." and ".." components.
std::string clean(const std::string& path, const std::string& what) {
  std::string out;
  size_t at = 0;
  while (at <= path.size()) {
    size_t slash = path.find('/', at);
    if (slash == std::string::npos) slash = path.size();
    std::string_view part(path.data() + at, slash - at);
    if (part == "." || part == "..")
      throw bad_path(what, "\".\" and \"..\" are not allowed in a cgroup path");
    if (!part.empty()) {
      out += '/';
      out += part;
    }
    at = slash + 1;
  }
  return out.empty() ? "/" : out;
}

}  // namespace

std::optional<std::string> cgroup2_mount(std::string_view mountinfo, std::string_view exclude) {
  // Mount points in mountinfo's order (a later mount covers an earlier one at
  // or above the same point), and which of them are usable cgroup2 roots.
  std::vector<std::pair<std::string, bool>> mounts;
  for_each_line(mountinfo, [&](std::string_view line) {
    size_t sep = line.find(" - ");
    if (sep == std::string_view::npos) return;
    auto f = words(line.substr(0, sep));
    // id parent major:minor root mount-point options ...
    if (f.size() < 5) return;
    auto after = words(line.substr(sep + 3));
    const std::string& point = f[4];
    bool usable = !after.empty() && after[0] == "cgroup2" && f[3] == "/" &&
                  point.find('\\') == std::string_view::npos &&  // octal escapes: not ours to guess
                  (exclude.empty() || !under(point, exclude));
    mounts.emplace_back(point, usable);
  });
  std::optional<std::string> found;
  for (size_t i = 0; i < mounts.size(); ++i) {
    if (!mounts[i].second) continue;
    bool covered = false;
    for (size_t j = i + 1; j < mounts.size() && !covered; ++j)
      covered = under(mounts[i].first, mounts[j].first);
    if (covered) continue;
    if (!found || mounts[i].first == "/sys/fs/cgroup") found = mounts[i].first;
  }
  return found;
}

std::optional<std::string> own_cgroup(std::string_view proc_cgroup) {
  std::optional<std::string> out;
  for_each_line(proc_cgroup, [&](std::string_view line) {
    if (out || !line.starts_with("0::/")) return;
    std::string path(line.substr(3));
    if (path.find("/..") != std::string::npos || path.find(" (deleted)") != std::string::npos)
      return;
    out = path;
  });
  return out;
}

std::string expand_slice(const std::string& slice) {
  auto invalid = [&](const char* why) {
    std::string m = "invalid slice name \"" + slice;
    m += "\": ";
    m += why;
    return Error(m, EINVAL);
  };
  if (!slice.ends_with(".slice")) throw invalid("it does not end in .slice");
  if (slice.find('/') != std::string::npos) throw invalid("it contains '/'");
  std::string base = slice.substr(0, slice.size() - 6);
  if (base == "-") return "";
  if (base.empty() || base.starts_with('-') || base.ends_with('-') ||
      base.find("--") != std::string::npos)
    throw invalid("empty parts between dashes");
  std::string out;
  for (size_t dash = base.find('-'); dash != std::string::npos; dash = base.find('-', dash + 1)) {
    out += '/';
    out += base.substr(0, dash);
    out += ".slice";
  }
  out += '/';
  out += slice;
  return out;
}

std::string resolve(const std::string& cgroups_path, const std::string& own, const std::string& id,
                    const PathOptions& opts) {
  if (opts.systemd) return systemd::unit_of(cgroups_path, id).path;
  if (cgroups_path.empty()) {
    std::string path = "/";
    path += kDefaultParent;
    path += '/';
    path += id;
    return clean(path, path);
  }
  std::string path = cgroups_path;
  if (!path.starts_with('/')) {
    std::string joined = own == "/" ? "" : own;
    joined += '/';
    joined += path;
    path = joined;
  }
  std::string out = clean(path, cgroups_path);
  if (out == "/")
    throw bad_path(cgroups_path, "the hierarchy's root cannot be a container's cgroup");
  return out;
}

std::vector<std::string> ancestors_and_self(const std::string& path) {
  std::vector<std::string> out;
  for (size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1))
    out.push_back(path.substr(0, slash));
  if (path != "/") out.push_back(path);
  return out;
}

}  // namespace ocirun::cgroups
