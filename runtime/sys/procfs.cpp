#include "runtime/sys/procfs.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/sys/error.hpp"
#include "runtime/sys/syscalls.hpp"

namespace ocirun::sys {
namespace {

constexpr ino_t kProcRootIno = 1;

bool on_procfs(int fd) {
  struct statfs sf;
  return ::fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

// A new procfs instance, mounted nowhere.
int private_procfs() {
  int fs = ::fsopen("proc", FSOPEN_CLOEXEC);
  if (fs < 0) return -1;
  UniqueFd context(fs);
  if (::fsconfig(fs, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) return -1;
  return ::fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
}

// The /proc of the current root: a directory (not a symlink) that is the
// root of a procfs mount (not a directory of one bound there, nor a tmpfs).
UniqueFd checked_proc_dir() {
  UniqueFd dir = open_resolved(AT_FDCWD, "/proc", O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS);
  struct stat st;
  if (!on_procfs(dir.get()) || ::fstat(dir.get(), &st) < 0 || st.st_ino != kProcRootIno)
    throw Error("/proc is not the root of a procfs mount", EXDEV);
  return dir;
}

}  // namespace

ProcFs ProcFs::open() {
  int fd = private_procfs();
  if (fd >= 0) return ProcFs(UniqueFd(fd));
  return ProcFs(with_context("procfs", [] { return checked_proc_dir(); }));
}

std::string ProcFs::resolve_self(std::string_view rel) const {
  auto slash = rel.find('/');
  std::string_view first = rel.substr(0, slash);
  if (first != "self" && first != "thread-self") return std::string(rel);
  // The kernel's own link, read from this very procfs: "<pid>" or "<pid>/task/<tid>".
  char buf[64];
  ssize_t n = ::readlinkat(root_.get(), std::string(first).c_str(), buf, sizeof buf);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof buf)
    throw_errno("procfs: reading /proc/" + std::string(first) +
                " (is this procfs of our pid namespace?)");
  std::string out(buf, static_cast<size_t>(n));
  if (slash != std::string_view::npos) out += rel.substr(slash);
  return out;
}

UniqueFd ProcFs::open_file(std::string_view rel, int flags) const {
  std::string shown = "/proc/" + std::string(rel);
  UniqueFd file;
  try {
    file = open_resolved(root_.get(), resolve_self(rel), flags | O_NOFOLLOW,
                         RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV);
  } catch (const Error& e) {
    throw Error("open " + shown + ": " + std::strerror(e.code()), e.code());
  }
  if (!on_procfs(file.get())) throw Error(shown + ": not on procfs", EXDEV);
  return file;
}

void ProcFs::write(std::string_view rel, std::string_view data) const {
  UniqueFd f = open_file(rel, O_WRONLY);
  write_all(f.get(), data.data(), data.size(), "write /proc/" + std::string(rel));
}

UniqueFd reopen_fd(int fd_dir, int fd, int flags, int (*open_at)(int, const char*, int)) {
  // fd/N is the kernel's magic link to our own file: followed on purpose.
  std::string name = std::to_string(fd);
  int raw = open_at ? open_at(fd_dir, name.c_str(), flags | O_CLOEXEC)
                    : ::openat(fd_dir, name.c_str(), flags | O_CLOEXEC);
  if (raw < 0) throw_errno("reopening fd " + std::to_string(fd) + " through procfs");
  UniqueFd reopened(raw);
  struct stat want, got;
  if (::fstat(fd, &want) < 0 || ::fstat(raw, &got) < 0 || want.st_dev != got.st_dev ||
      want.st_ino != got.st_ino)
    throw Error("reopening fd " + std::to_string(fd) + " through procfs: a different file", EXDEV);
  return reopened;
}

}  // namespace ocirun::sys
