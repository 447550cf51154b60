// A verified handle on procfs, for every write the runtime makes into it
// (sysctls, oom_score_adj, time namespace offsets, LSM labels) and for
// reopening its own fds. A path such as /proc/sys/... is only procfs if the
// container's root says so: an image may ship a /proc of plain files, make
// /proc a symlink, or a container process may mount over it, and a write
// through such a path would land elsewhere and silently not take effect
// (CVE-2025-52881). Through this handle every file is procfs's own: no
// symlink is followed, no mount crossed, and the result is checked to be on
// procfs.
#pragma once

#include <string>
#include <string_view>

#include "runtime/sys/fd.hpp"

namespace ocirun::sys {

class ProcFs {
 public:
  // A private procfs instance of the current pid namespace (fsopen and
  // fsmount: attached nowhere, so nothing in the container can stand in for
  // it); where the kernel refuses that (no CAP_SYS_ADMIN over the pid
  // namespace), the /proc of the current root, checked to be the root of a
  // real procfs mount.
  static ProcFs open();

  // Opens `rel` below the handle ("sys/net/ipv4/ip_forward"); a first
  // component "self" or "thread-self" names this process's (thread's) own
  // directory. Refuses symlinks, mount crossings and anything not on procfs.
  UniqueFd open_file(std::string_view rel, int flags) const;
  // Writes all of `data` to the file `rel` (no O_CREAT, no O_TRUNC).
  void write(std::string_view rel, std::string_view data) const;

 private:
  explicit ProcFs(UniqueFd root) : root_(std::move(root)) {}
  std::string resolve_self(std::string_view rel) const;
  UniqueFd root_;
};

// Reopens this process's own fd `fd` (an O_PATH fd, say) with `flags`
// through `fd_dir`, its procfs fd directory (ProcFs::open_file("self/fd",
// O_PATH | O_DIRECTORY), which may be opened early, while the process may
// still make a procfs of its own); checks the result is the same file.
// `open_at`, when given, makes the open instead of openat(2) (it may block,
// as a fifo's does).
UniqueFd reopen_fd(int fd_dir, int fd, int flags,
                   int (*open_at)(int dir, const char* name, int flags) = nullptr);

}  // namespace ocirun::sys
