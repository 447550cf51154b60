#include "runtime/launch/sealed_binary.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <string>
#include <utility>

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

// Whether the running binary cannot be written: a sealed memfd, or a file of
// a read-only overlayfs (one without an upper layer: no mount flag to clear,
// nowhere to copy a file up to).
bool is_protected(int fd) {
  int seals = ::fcntl(fd, F_GET_SEALS);
  if (seals >= 0) return (seals & kSeals) == kSeals;
  struct statfs sf;
  return ::fstatfs(fd, &sf) == 0 && sf.f_type == OVERLAYFS_SUPER_MAGIC && (sf.f_flags & ST_RDONLY);
}

// A new filesystem of type `fstype`, mounted nowhere, configured by `options`.
UniqueFd detached_mount(const char* fstype,
                        std::initializer_list<std::pair<const char*, std::string>> options,
                        unsigned attrs) {
  int fs = ::fsopen(fstype, FSOPEN_CLOEXEC);
  if (fs < 0) return {};
  UniqueFd context(fs);
  for (const auto& [key, value] : options)
    if (::fsconfig(fs, FSCONFIG_SET_STRING, key, value.c_str(), 0) < 0) return {};
  if (::fsconfig(fs, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) return {};
  return UniqueFd(::fsmount(fs, FSMOUNT_CLOEXEC, attrs));
}

// The runtime's own file seen through a read-only overlayfs of its directory
// (and an empty tmpfs: overlayfs without an upper layer takes two lower
// ones), mounted nowhere, as runc 1.2 does: no copy, the page cache is the
// binary's. Empty when the kernel or the caller's privileges do not allow it.
UniqueFd overlay_view(int self) {
  char path[4096];
  ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return {};
  path[n] = 0;
  std::string exe(path);
  auto slash = exe.rfind('/');
  // ':' and ',' would need escaping in lowerdir; " (deleted)": replaced meanwhile.
  if (slash == std::string::npos || exe.find_first_of(":,\\") != std::string::npos ||
      exe.ends_with(" (deleted)"))
    return {};
  std::string dir = slash == 0 ? "/" : exe.substr(0, slash);
  UniqueFd empty = detached_mount("tmpfs", {{"size", "4k"}}, MOUNT_ATTR_RDONLY);
  if (!empty) return {};
  UniqueFd mnt = detached_mount(
      "overlay", {{"lowerdir", dir + ":/proc/self/fd/" + std::to_string(empty.get())}},
      MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
  if (!mnt) return {};
  int fd = ::openat(mnt.get(), exe.c_str() + slash + 1, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  UniqueFd view(fd);
  // The same file as the one running (not one renamed over it meanwhile).
  struct stat a, b;
  if (::fstat(self, &a) < 0 || ::fstat(fd, &b) < 0 || a.st_size != b.st_size ||
      a.st_mtim.tv_sec != b.st_mtim.tv_sec || a.st_mtim.tv_nsec != b.st_mtim.tv_nsec ||
      !is_protected(fd))
    return {};
  return view;
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

}  // namespace

void ensure_sealed(char** argv) {
  with_context("protecting the runtime binary from the container", [&] {
    UniqueFd self = open_self();
    if (!is_protected(self.get())) {
      UniqueFd copy = overlay_view(self.get());
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
