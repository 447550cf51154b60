// deny-syscalls: runs a command as on a kernel (or with privileges) where some
// system calls fail, to test the runtime's fallbacks: clone3=ENOSYS as before
// Linux 5.3 (clone, then a move through cgroup.procs); fsopen=EPERM as for a
// caller that may not mount (the sealed memfd copy instead of the overlayfs
// view of the runtime's binary).
//   deny-syscalls NAME=ERRNO[,NAME=ERRNO...] COMMAND [ARGS...]
// ERRNO is a name (ENOSYS, EPERM, EINVAL) or a number. Loads a seccomp filter
// under which each NAME fails with ERRNO (inherited by everything COMMAND
// starts), then execs COMMAND. Needs root (or no_new_privs).
#include <seccomp.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

int errno_of(const std::string& s) {
  if (s == "ENOSYS") return ENOSYS;
  if (s == "EPERM") return EPERM;
  if (s == "EINVAL") return EINVAL;
  char* end;
  long n = std::strtol(s.c_str(), &end, 10);
  return *end || n <= 0 ? -1 : static_cast<int>(n);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: deny-syscalls NAME=ERRNO[,NAME=ERRNO...] COMMAND [ARGS...]\n");
    return 2;
  }
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) return 2;
  std::string list = argv[1];
  for (size_t at = 0; at < list.size();) {
    size_t comma = list.find(',', at);
    if (comma == std::string::npos) comma = list.size();
    std::string item = list.substr(at, comma - at);
    at = comma + 1;
    size_t eq = item.find('=');
    int nr = eq == std::string::npos ? __NR_SCMP_ERROR
                                     : seccomp_syscall_resolve_name(item.substr(0, eq).c_str());
    int err = eq == std::string::npos ? -1 : errno_of(item.substr(eq + 1));
    if (nr == __NR_SCMP_ERROR || err < 0 ||
        seccomp_rule_add(ctx, SCMP_ACT_ERRNO(static_cast<uint16_t>(err)), nr, 0) < 0) {
      std::fprintf(stderr, "deny-syscalls: bad entry \"%s\"\n", item.c_str());
      return 2;
    }
  }
  if (seccomp_load(ctx) < 0) {
    std::fprintf(stderr, "deny-syscalls: could not load the seccomp filter\n");
    return 2;
  }
  seccomp_release(ctx);
  execvp(argv[2], argv + 2);
  std::perror("deny-syscalls: exec");
  return 127;
}
