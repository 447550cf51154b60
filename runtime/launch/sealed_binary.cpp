#include "runtime/launch/sealed_binary.hpp"

#include "runtime/launch/preflight.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "runtime/sys/error.hpp"
#include "runtime/sys/fd.hpp"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

extern char** environ;

namespace ocirun::launch {
namespace {

constexpr int kSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

UniqueFd open_self() {
  int fd = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_errno("open /proc/self/exe");
  return UniqueFd(fd);
}

// A memfd the kernel lets us execute: MFD_EXEC where vm.memfd_noexec exists
// (Linux 6.3), which may otherwise make new memfds non-executable.
UniqueFd make_memfd() {
  unsigned flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
  int fd = static_cast<int>(::syscall(SYS_memfd_create, "ocirun", flags | MFD_EXEC));
  if (fd < 0 && errno == EINVAL)
    fd = static_cast<int>(::syscall(SYS_memfd_create, "ocirun", flags));
  if (fd < 0) throw_errno("memfd_create");
  return UniqueFd(fd);
}

// A sealed copy in memory: works for every caller, costs a copy of the binary.
UniqueFd sealed_copy(int self) {
  struct stat st;
  if (::fstat(self, &st) < 0) throw_errno("stat /proc/self/exe");
  UniqueFd copy = make_memfd();
  off_t left = st.st_size;
  while (left > 0) {
    ssize_t n = ::sendfile(copy.get(), self, nullptr, static_cast<size_t>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("copying the runtime binary");
    if (n == 0) throw Error("copying the runtime binary: it shrank while being copied", EIO);
    left -= n;
  }
  if (::fchmod(copy.get(), 0555) < 0) throw_errno("chmod");
  if (::fcntl(copy.get(), F_ADD_SEALS, kSeals | F_SEAL_EXEC) < 0 &&
      (errno != EINVAL || ::fcntl(copy.get(), F_ADD_SEALS, kSeals) < 0))
    throw_errno("sealing the copy");
  return copy;
}

// A caller that is not root, running a binary of root's that only root may
// write: no container of its can write it either (its processes have the
// caller's ids or its subordinate ones, and no capability over a file of an
// id their user namespace does not map). The copy, 1.9 ms of every rootless
// command, protects nothing then.
bool beyond_containers_reach(int self) {
  struct stat st;
  return ::geteuid() != 0 && ::fstat(self, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == 0 &&
         (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

}  // namespace

void ensure_sealed(char** argv) {
  with_context("protecting the runtime binary from the container", [&] {
    UniqueFd self = open_self();
    if (!ocirun_exe_protected(self.get()) && !beyond_containers_reach(self.get())) {
      // The entry point tried the overlay already (preflight.cpp); again, for
      // a build without that entry point, then the memfd copy.
      UniqueFd copy(ocirun_exe_overlay_view(self.get()));
      if (!copy) copy = sealed_copy(self.get());
      self.reset();
      ::syscall(SYS_execveat, copy.get(), "", argv, environ, AT_EMPTY_PATH);
      throw_errno("execveat of the protected copy");
    }
    // execveat of an fd names the process after the fd ("3"): give it its name back.
    const char* base = std::strrchr(argv[0], '/');
    prctl(PR_SET_NAME, base ? base + 1 : argv[0], 0, 0, 0);
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) throw_errno("prctl PR_SET_DUMPABLE");
  });
}

}  // namespace ocirun::launch
