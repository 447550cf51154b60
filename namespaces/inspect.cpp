// The namespaces of a running process, read from /proc: which of its
// namespaces are not ours (exec joins those), and who shares its pid namespace.
#include <dirent.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "namespaces/plan.hpp"
#include "namespaces/types.hpp"
#include "runtime/spec/tables.hpp"
#include "runtime/sys/error.hpp"

namespace ocirun::ns {

int namespaces_to_join(pid_t init) {
  int flags = 0;
  for (const auto& info : namespace_table()) {
    std::string name(info.proc_name);
    struct stat mine, theirs;
    if (::stat(("/proc/self/ns/" + name).c_str(), &mine) < 0) continue;
    if (::stat(("/proc/" + std::to_string(init) + "/ns/" + name).c_str(), &theirs) < 0)
      throw_errno("reading the namespaces of the container's init");
    if (mine.st_ino != theirs.st_ino || mine.st_dev != theirs.st_dev) flags |= info.clone_flag;
  }
  return flags;
}

std::vector<pid_t> pid_namespace_members(pid_t init) {
  std::vector<pid_t> out;
  struct stat pidns;
  if (::stat(("/proc/" + std::to_string(init) + "/ns/pid").c_str(), &pidns) < 0) return out;
  DIR* d = ::opendir("/proc");
  if (!d) return out;
  while (struct dirent* e = ::readdir(d)) {
    char* end;
    long pid = std::strtol(e->d_name, &end, 10);
    if (*end || pid <= 0) continue;
    struct stat st;
    std::string p = std::string("/proc/") + e->d_name + "/ns/pid";
    if (::stat(p.c_str(), &st) == 0 && st.st_ino == pidns.st_ino && st.st_dev == pidns.st_dev)
      out.push_back(static_cast<pid_t>(pid));
  }
  ::closedir(d);
  return out;
}

}  // namespace ocirun::ns
