// The last steps before exec, shared by the container's init and by exec's
// process: what the process is allowed to do, in the order that keeps each
// step possible.
#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/launch/launch.hpp"
#include "runtime/launch/sync.hpp"
#include "runtime/process/process.hpp"
#include "runtime/sys/error.hpp"

namespace ocirun::launch {
namespace {

// linux.seccomp: loads the filter; its notify fd (NOTIFY actions) goes to the
// parent, which hands it to the listener.
void load_seccomp(const seccomp::Filter* filter, int sync_fd) {
  if (!filter) return;
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

}  // namespace

void finish_setup(const spec::Process& proc, const seccomp::Filter* filter, int sync_fd,
                  int preserve_fds, const std::function<void()>& after_credentials) {
  if (!proc.no_new_privileges) load_seccomp(filter, sync_fd);
  process::apply_rlimits(proc.rlimits);
  process::apply_user_and_capabilities(proc.user, proc.capabilities);
  if (after_credentials) after_credentials();
  if (::chdir(proc.cwd.c_str()) < 0) throw_errno("chdir to process.cwd " + proc.cwd);
  ::umask(proc.user.umask.value_or(022));
  if (proc.no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    throw_errno("prctl PR_SET_NO_NEW_PRIVS");
  process::apply_exec_labels(proc);
  seal_fds(preserve_fds);
  if (proc.no_new_privileges) load_seccomp(filter, sync_fd);
}

}  // namespace ocirun::launch
