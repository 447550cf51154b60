#include "cgroups/holder.hpp"

#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/sys/syscalls.hpp"

namespace ocirun::cgroups {

Holder Holder::start(int cgroup_fd) {
  pid_t parent = ::getpid();
  Holder h;
  h.pid_ = sys::clone_process(0, cgroup_fd);
  if (h.pid_ == 0) {
    // Only async-signal-safe calls: no allocation, no exception.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || ::getppid() != parent) ::_exit(0);
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    ::syscall(SYS_close_range, 0U, ~0U, 0U);
    sigset_t all;
    sigfillset(&all);
    ::sigprocmask(SIG_SETMASK, &all, nullptr);
    for (;;) ::pause();  // SIGKILL alone ends it
  }
  return h;
}

Holder& Holder::operator=(Holder&& o) noexcept {
  if (this != &o) {
    release();
    pid_ = o.pid_;
    o.pid_ = -1;
  }
  return *this;
}

void Holder::release() noexcept {
  sys::kill_and_reap(pid_);
}

}  // namespace ocirun::cgroups
