// no-clone3: runs a command as on a kernel without clone3 (before 5.3), to
// test the runtime's fallback (clone, then a move through cgroup.procs).
//   no-clone3 COMMAND [ARGS...]
// Loads a seccomp filter under which clone3 fails with ENOSYS (inherited by
// everything COMMAND starts), then execs COMMAND. Needs root (or no_new_privs).
#include <seccomp.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: no-clone3 COMMAND [ARGS...]\n");
    return 2;
  }
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) < 0 ||
      seccomp_load(ctx) < 0) {
    std::fprintf(stderr, "no-clone3: could not load the seccomp filter\n");
    return 2;
  }
  seccomp_release(ctx);
  execvp(argv[1], argv + 1);
  std::perror("no-clone3: exec");
  return 127;
}
