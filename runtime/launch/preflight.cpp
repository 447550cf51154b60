// Freestanding (see preflight.hpp): built with -fno-stack-protector and
// without loop-to-memcpy transformations; raw system calls only.
#include "runtime/launch/preflight.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#ifndef F_SEAL_SEAL
#define F_SEAL_SEAL 0x0001
#define F_SEAL_SHRINK 0x0002
#define F_SEAL_GROW 0x0004
#define F_SEAL_WRITE 0x0008
#endif
#ifndef F_GET_SEALS
#define F_GET_SEALS 1034
#endif

namespace {

constexpr int kSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
constexpr long kReadOnly = 1;  // ST_RDONLY

long sys(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0) {
#if defined(__x86_64__)
  long r;
  register long r10 asm("r10") = d;
  register long r8 asm("r8") = e;
  asm volatile("syscall"
               : "=a"(r)
               : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
               : "rcx", "r11", "memory");
  return r;
#else
  // No entry point of ours on other architectures: the C library has started
  // by the time anything here runs (sealed_binary.cpp), so it may do the call.
  long r = ::syscall(n, a, b, c, d, e);
  return r < 0 ? -errno : r;
#endif
}

long ptr(const void* p) {
  return reinterpret_cast<long>(p);
}

bool same(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}

// Appends `s` at `out[*n]`, keeping room for the final NUL; false when full.
bool append(char* out, unsigned long cap, unsigned long* n, const char* s) {
  for (; *s; ++s) {
    if (*n + 1 >= cap) return false;
    out[(*n)++] = *s;
  }
  out[*n] = 0;
  return true;
}

void append_number(char* out, unsigned long cap, unsigned long* n, long v) {
  char digits[24];
  int k = 0;
  do digits[k++] = static_cast<char>('0' + v % 10);
  while ((v /= 10) > 0 && k < 23);
  char text[24];
  for (int i = 0; i < k; ++i) text[i] = digits[k - 1 - i];
  text[k] = 0;
  append(out, cap, n, text);
}

// A new filesystem `type`, mounted nowhere, with one string option (or none).
long detached(const char* type, const char* key, const char* value, long attrs) {
  long fs = sys(SYS_fsopen, ptr(type), FSOPEN_CLOEXEC);
  if (fs < 0) return -1;
  long mnt = -1;
  if ((!key || sys(SYS_fsconfig, fs, FSCONFIG_SET_STRING, ptr(key), ptr(value), 0) == 0) &&
      sys(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, 0, 0, 0) == 0)
    mnt = sys(SYS_fsmount, fs, FSMOUNT_CLOEXEC, attrs);
  sys(SYS_close, fs);
  return mnt < 0 ? -1 : mnt;
}

}  // namespace

extern "C" {

bool ocirun_exe_protected(int fd) {
  long seals = sys(SYS_fcntl, fd, F_GET_SEALS);
  if (seals >= 0) return (seals & kSeals) == kSeals;
  struct statfs sf;
  return sys(SYS_fstatfs, fd, ptr(&sf)) == 0 && sf.f_type == OVERLAYFS_SUPER_MAGIC &&
         (sf.f_flags & kReadOnly);
}

int ocirun_exe_overlay_view(int self) {
  char exe[4096];
  long len = sys(SYS_readlink, ptr("/proc/self/exe"), ptr(exe), sizeof exe - 1);
  if (len <= 0) return -1;
  exe[len] = 0;
  long slash = -1;
  for (long i = 0; i < len; ++i) {
    // ':', ',' and '\' would need escaping in lowerdir.
    if (exe[i] == ':' || exe[i] == ',' || exe[i] == '\\') return -1;
    if (exe[i] == '/') slash = i;
  }
  if (slash < 0 || (len > 10 && same(exe + len - 10, " (deleted)"))) return -1;
  long empty = detached("tmpfs", "size", "4k", MOUNT_ATTR_RDONLY);
  if (empty < 0) return -1;
  char lower[4200];
  unsigned long n = 0;
  exe[slash] = 0;
  bool fits = append(lower, sizeof lower, &n, slash == 0 ? "/" : exe) &&
              append(lower, sizeof lower, &n, ":/proc/self/fd/");
  exe[slash] = '/';
  if (fits) append_number(lower, sizeof lower, &n, empty);
  long mnt = fits ? detached("overlay", "lowerdir", lower,
                             MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)
                  : -1;
  sys(SYS_close, empty);
  if (mnt < 0) return -1;
  long view = sys(SYS_openat, mnt, ptr(exe + slash + 1), O_RDONLY | O_CLOEXEC);
  sys(SYS_close, mnt);
  if (view < 0) return -1;
  // The same file as the one running (not one renamed over it meanwhile).
  struct stat a, b;
  if (sys(SYS_fstat, self, ptr(&a)) != 0 || sys(SYS_fstat, view, ptr(&b)) != 0 ||
      a.st_size != b.st_size || a.st_mtim.tv_sec != b.st_mtim.tv_sec ||
      a.st_mtim.tv_nsec != b.st_mtim.tv_nsec || !ocirun_exe_protected(static_cast<int>(view))) {
    sys(SYS_close, view);
    return -1;
  }
  return static_cast<int>(view);
}

void ocirun_preflight(long* stack) {
  long argc = stack[0];
  char** argv = reinterpret_cast<char**>(stack + 1);
  char** envp = argv + argc + 1;
  // Any word of the command line will do: a flag's value that happens to be
  // "run" costs a needless re-exec, never a missed one.
  bool wanted = false;
  for (long i = 1; i < argc && !wanted; ++i)
    wanted = same(argv[i], "create") || same(argv[i], "run") || same(argv[i], "exec");
  if (!wanted) return;
  long self = sys(SYS_open, ptr("/proc/self/exe"), O_RDONLY | O_CLOEXEC);
  if (self < 0) return;
  int view = ocirun_exe_protected(static_cast<int>(self))
                 ? -1
                 : ocirun_exe_overlay_view(static_cast<int>(self));
  sys(SYS_close, self);
  if (view < 0) return;
  sys(SYS_execveat, view, ptr(""), ptr(argv), ptr(envp), AT_EMPTY_PATH);
  sys(SYS_close, view);  // execveat failed: the C++ side tries again, and says why
}

#if defined(__x86_64__)
// The entry point: the initial stack goes to ocirun_preflight, then on to the
// C library's own _start exactly as the kernel left it (%rdx, the function
// for atexit, is 0 from the kernel in a static binary; from the dynamic
// loader it is its fini: kept).
asm(R"(
  .text
  .globl ocirun_entry
  .type ocirun_entry, @function
ocirun_entry:
  mov %rsp, %r12
  mov %rdx, %r13
  mov %rsp, %rdi
  and $-16, %rsp
  call ocirun_preflight
  mov %r12, %rsp
  mov %r13, %rdx
  jmp _start
  .size ocirun_entry, .-ocirun_entry
)");
#endif
}
