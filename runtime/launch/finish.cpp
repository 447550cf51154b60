// The last steps before exec, shared by the container's init and by exec's
// process: what the process is allowed to do, in the order that keeps each
// step possible, and the seccomp filter as late as it can be, so that the
// runtime's own calls never depend on what the profile allows.
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "runtime/launch/launch.hpp"
#include "runtime/launch/sync.hpp"
#include "runtime/process/process.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/syscalls.hpp"

namespace ocirun::launch {
namespace {

constexpr uint64_t kSysAdmin = uint64_t{1} << CAP_SYS_ADMIN;

// linux.seccomp: loads the filter; its notify fd (NOTIFY actions) goes to the
// parent, which hands it to the listener.
void load_seccomp(const seccomp::Filter* filter, int sync_fd) {
  UniqueFd notify = with_context("linux.seccomp", [&] { return seccomp::load(*filter); });
  if (notify) send(sync_fd, MsgType::SeccompFd, 0, "", notify.get());
}

// Only fds 0-2 and the preserved ones (3 .. 3+n-1) survive exec.
void seal_fds(int preserve) {
  int first = 3 + preserve;
  if (::syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) < 0) throw_errno("close_range");
  for (int fd = 3; fd < first; ++fd) {
    int flags = ::fcntl(fd, F_GETFD);
    if (flags < 0) throw_errno("preserved fd " + std::to_string(fd));
    ::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
  }
}

// process.cwd, resolved inside the root (no symlink or magic link out of it,
// no /proc/self/fd/N), then checked: the kernel names a directory outside
// the root "(unreachable)/..." (CVE-2024-21626). Tried first while the
// runtime is still privileged, as runc does (a cwd only root may enter, such
// as /root for a uid 1000 process); `early`: false when that was refused
// (EACCES, EPERM), to be tried again as the process's user (a directory only
// that user may enter, such as a volume chowned to it).
bool enter_cwd(const std::string& cwd, bool early) {
  return with_context("process.cwd " + cwd, [&] {
    UniqueFd root = sys::open("/", O_PATH | O_DIRECTORY);
    UniqueFd dir;
    try {
      dir = sys::open_in_root(root.get(), cwd, O_PATH | O_DIRECTORY);
    } catch (const Error& e) {
      if (early && (e.code() == EACCES || e.code() == EPERM)) return false;
      throw;
    }
    if (::fchdir(dir.get()) < 0) {
      if (early && (errno == EACCES || errno == EPERM)) return false;
      throw_errno("chdir");
    }
    char buf[PATH_MAX];
    if (!::getcwd(buf, sizeof buf) || buf[0] != '/')
      throw Error("it is outside the container's root", EXDEV);
    return true;
  });
}

}  // namespace

void close_inherited_fds(int preserve, std::vector<int> keep) {
  std::sort(keep.begin(), keep.end());
  unsigned first = static_cast<unsigned>(3 + preserve);
  for (int k : keep) {
    if (k < 0 || static_cast<unsigned>(k) < first) continue;
    if (static_cast<unsigned>(k) > first) ::syscall(SYS_close_range, first, k - 1, 0);
    first = static_cast<unsigned>(k) + 1;
  }
  ::syscall(SYS_close_range, first, ~0U, 0);
}

Confinement finish_setup(const spec::Process& proc, const seccomp::Filter* filter, int sync_fd,
                         int preserve_fds, const std::function<void()>& after_credentials) {
  Confinement last;
  bool in_cwd = enter_cwd(proc.cwd, true);
  // A filter with NOTIFY actions hands its fd to the parent over the sync
  // socket, which is gone once the init waits for `start`: such a filter is
  // loaded now (before the capabilities go, or last with noNewPrivileges).
  bool now = filter && filter->notify;
  if (filter && !now) last.filter = filter;
  // Before the credentials change: writing the labels may take privilege.
  process::apply_exec_labels(proc);
  if (now && !proc.no_new_privileges) load_seccomp(filter, sync_fd);
  process::apply_rlimits(proc.rlimits);
  // Loading a filter without no_new_privs takes CAP_SYS_ADMIN: kept until
  // the filter is in, when the process does not get it anyway.
  uint64_t keep = 0;
  if (last.filter && !proc.no_new_privileges) keep = kSysAdmin;
  process::CapSets sets = process::apply_user_and_capabilities(proc.user, proc.capabilities, keep);
  // The new ids reset dumpability to fs.suid_dumpable: non-dumpable until execve, whatever that is.
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) throw_errno("prctl PR_SET_DUMPABLE");
  if (keep && !(sets.effective & kSysAdmin)) last.caps = sets;
  if (after_credentials) after_credentials();
  if (!in_cwd) enter_cwd(proc.cwd, false);
  ::umask(proc.user.umask.value_or(022));
  if (proc.no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    throw_errno("prctl PR_SET_NO_NEW_PRIVS");
  seal_fds(preserve_fds);
  if (now && proc.no_new_privileges) load_seccomp(filter, sync_fd);
  return last;
}

void confine(const Confinement& last) {
  // After the filter: capset (only when CAP_SYS_ADMIN was kept for it) and
  // the caller's execve, nothing else.
  if (last.filter) load_seccomp(last.filter, -1);
  if (last.caps)
    with_context("setting capabilities", [&] { process::set_capabilities(*last.caps); });
}

}  // namespace ocirun::launch
