// floor: the least work that any OCI runtime must do to run the benchmark's
// bundle (examples/busybox-bundle.sh), as one small static C program. It is
// the "floor" row of bench/run-vs-crun-runc.sh: how far each runtime is from
// what the kernel work alone costs.
//
// Usage:
//   floor [--minimal] [--cgroup DIR] ROOTFS PROG [ARG...]
//   floor --exec PID [--minimal] [--cgroup DIR] PROG [ARG...]
//
// Run: one clone3 into new pid, network, ipc, uts and mount namespaces; the
// parent waits and exits with the child's status (128+N for signal N). Without
// --minimal the child does what the bundle's config.json asks for, hard-coded
// here rather than parsed: / made private, the rootfs bound onto itself, the
// config's mounts (/proc, a tmpfs /dev with devpts, shm and mqueue, a read-only
// /sys), the default devices and /dev symlinks of the runtime specification,
// pivot_root, the masked and read-only paths, the read-only root, the
// hostname, RLIMIT_NOFILE, the three capabilities, no_new_privs, umask 022,
// the config's environment, then execve. With --minimal it only makes /
// private, binds the rootfs, mounts /proc, pivots and execs.
//
// Exec (--exec PID): one setns through a pidfd of PID into its pid, network,
// ipc, uts and mount namespaces, one clone3 (fork), then in the child (unless
// --minimal) the same rlimit, capabilities, no_new_privs and umask, and execve
// in /. The parent waits as above.
//
// --cgroup DIR (cgroup v2): run makes DIR, starts the child in it
// (CLONE_INTO_CGROUP) and removes it after the child exits; exec starts the
// child in the existing DIR.
//
// No JSON, no state directory, no synchronisation with a later `start`: what
// is left out is exactly what a runtime adds on top of the kernel's work.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

// The kernel's struct clone_args (version 2, with the cgroup field).
struct clone3_args {
  uint64_t flags;
  uint64_t pidfd;
  uint64_t child_tid;
  uint64_t parent_tid;
  uint64_t exit_signal;
  uint64_t stack;
  uint64_t stack_size;
  uint64_t tls;
  uint64_t set_tid;
  uint64_t set_tid_size;
  uint64_t cgroup;
};

static const uint64_t bundle_namespaces =
    CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS;

// The bundle's process.env.
static char* bundle_env[] = {"PATH=/bin", "HOME=/root", "TERM=xterm", NULL};

static void fail(const char* what, const char* arg) {
  int err = errno;
  fprintf(stderr, "floor: %s%s%s: %s\n", what, arg ? " " : "", arg ? arg : "", strerror(err));
  _exit(125);
}

static void do_mount(const char* src, const char* dst, const char* type, unsigned long flags,
                     const char* data) {
  if (mount(src, dst, type, flags, data) < 0) fail("mount", dst);
}

// The config's mounts, relative to the rootfs (the working directory).
static void bundle_mounts(void) {
  do_mount("proc", "proc", "proc", 0, NULL);
  do_mount("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
  if (mkdir("dev/pts", 0755) < 0) fail("mkdir", "dev/pts");
  do_mount("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
           "newinstance,ptmxmode=0666,mode=0620");
  if (mkdir("dev/shm", 0755) < 0) fail("mkdir", "dev/shm");
  do_mount("shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=1777,size=65536k");
  if (mkdir("dev/mqueue", 0755) < 0) fail("mkdir", "dev/mqueue");
  do_mount("mqueue", "dev/mqueue", "mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
  do_mount("sysfs", "sys", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, NULL);
}

// The runtime specification's default devices and /dev symbolic links.
static void default_devices(void) {
  static const struct {
    const char* path;
    unsigned major, minor;
  } devices[] = {{"dev/null", 1, 3},   {"dev/zero", 1, 5},    {"dev/full", 1, 7},
                 {"dev/random", 1, 8}, {"dev/urandom", 1, 9}, {"dev/tty", 5, 0}};
  static const char* const links[][2] = {{"/proc/self/fd", "dev/fd"},
                                         {"/proc/self/fd/0", "dev/stdin"},
                                         {"/proc/self/fd/1", "dev/stdout"},
                                         {"/proc/self/fd/2", "dev/stderr"},
                                         {"pts/ptmx", "dev/ptmx"}};
  for (size_t i = 0; i < sizeof devices / sizeof devices[0]; i++) {
    if (mknod(devices[i].path, S_IFCHR | 0666, makedev(devices[i].major, devices[i].minor)) < 0)
      fail("mknod", devices[i].path);
  }
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
    if (symlink(links[i][0], links[i][1]) < 0) fail("symlink", links[i][1]);
  }
}

// Enters the rootfs (the working directory) as / and drops the old root.
static void pivot(void) {
  if (syscall(SYS_pivot_root, ".", ".") < 0) fail("pivot_root", NULL);
  if (umount2(".", MNT_DETACH) < 0) fail("umount", "old root");
  if (chdir("/") < 0) fail("chdir", "/");
}

// linux.maskedPaths and linux.readonlyPaths, then the read-only root.
static void protect_paths(void) {
  static const char* const masked_files[] = {"/proc/kcore", "/proc/keys", "/proc/timer_list"};
  static const char* const readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                         "/proc/sysrq-trigger"};
  for (size_t i = 0; i < sizeof masked_files / sizeof masked_files[0]; i++) {
    if (mount("/dev/null", masked_files[i], NULL, MS_BIND, NULL) < 0 && errno != ENOENT)
      fail("mask", masked_files[i]);
  }
  if (mount("tmpfs", "/sys/firmware", "tmpfs", MS_RDONLY, NULL) < 0 && errno != ENOENT)
    fail("mask", "/sys/firmware");
  for (size_t i = 0; i < sizeof readonly / sizeof readonly[0]; i++) {
    if (mount(readonly[i], readonly[i], NULL, MS_BIND | MS_REC, NULL) < 0) {
      if (errno == ENOENT) continue;
      fail("bind", readonly[i]);
    }
    do_mount(readonly[i], readonly[i], NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
  }
  do_mount("/", "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
}

// process.rlimits, process.capabilities (bounding, effective and permitted:
// CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE; no ambient, no
// inheritable), noNewPrivileges, and the default umask.
static void process_attributes(void) {
  const uint64_t keep =
      (1ULL << CAP_AUDIT_WRITE) | (1ULL << CAP_KILL) | (1ULL << CAP_NET_BIND_SERVICE);
  const struct rlimit nofile = {1024, 1024};
  if (setrlimit(RLIMIT_NOFILE, &nofile) < 0) fail("setrlimit", "RLIMIT_NOFILE");
  for (unsigned long cap = 0; cap < 64; cap++) {
    if (keep & (1ULL << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
      if (errno == EINVAL) break;  // past the kernel's last capability
      fail("drop capability from the bounding set", NULL);
    }
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) fail("clear ambient", NULL);
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof data);
  data[0].effective = data[0].permitted = (uint32_t)keep;
  data[1].effective = data[1].permitted = (uint32_t)(keep >> 32);
  if (syscall(SYS_capset, &header, data) < 0) fail("capset", NULL);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail("no_new_privs", NULL);
  umask(022);
}

static void run_child(const char* rootfs, char** argv, int minimal) {
  do_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
  do_mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL);
  if (chdir(rootfs) < 0) fail("chdir", rootfs);
  if (minimal) {
    do_mount("proc", "proc", "proc", 0, NULL);
    pivot();
    execv(argv[0], argv);
    fail("execv", argv[0]);
  }
  umask(0);
  bundle_mounts();
  default_devices();
  pivot();
  protect_paths();
  if (sethostname("ocirun", 6) < 0) fail("sethostname", NULL);
  process_attributes();
  execve(argv[0], argv, bundle_env);
  fail("execve", argv[0]);
}

static void exec_child(char** argv, int minimal) {
  if (chdir("/") < 0) fail("chdir", "/");
  if (minimal) {
    execv(argv[0], argv);
    fail("execv", argv[0]);
  }
  process_attributes();
  execve(argv[0], argv, bundle_env);
  fail("execve", argv[0]);
}

// Starts a child with fork semantics (no CLONE_VM, no new stack) in the given
// namespaces and, when cgroup_fd >= 0, in that cgroup.
static pid_t clone_child(uint64_t namespaces, int cgroup_fd) {
  struct clone3_args args;
  memset(&args, 0, sizeof args);
  args.flags = namespaces;
  args.exit_signal = SIGCHLD;
  if (cgroup_fd >= 0) {
    args.flags |= CLONE_INTO_CGROUP;
    args.cgroup = (uint64_t)cgroup_fd;
  }
  long pid = syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) fail("clone3", NULL);
  return (pid_t)pid;
}

static int wait_status(pid_t pid) {
  int status;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) fail("waitpid", NULL);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void usage(void) {
  fputs(
      "usage: floor [--minimal] [--cgroup DIR] ROOTFS PROG [ARG...]\n"
      "       floor --exec PID [--minimal] [--cgroup DIR] PROG [ARG...]\n",
      stderr);
  exit(2);
}

int main(int argc, char** argv) {
  int minimal = 0;
  const char* cgroup = NULL;
  const char* exec_pid = NULL;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (strcmp(argv[i], "--minimal") == 0) {
      minimal = 1;
    } else if (strcmp(argv[i], "--cgroup") == 0 && i + 1 < argc) {
      cgroup = argv[++i];
    } else if (strcmp(argv[i], "--exec") == 0 && i + 1 < argc) {
      exec_pid = argv[++i];
    } else {
      usage();
    }
  }

  int cgroup_fd = -1;
  if (exec_pid) {
    if (argc - i < 1) usage();
    char* end;
    long pid = strtol(exec_pid, &end, 10);
    if (*exec_pid == '\0' || *end != '\0' || pid <= 0) usage();
    // The cgroup first: its path is the host's, not the container's.
    if (cgroup) {
      cgroup_fd = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (cgroup_fd < 0) fail("open", cgroup);
    }
    int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
    if (pidfd < 0) fail("pidfd_open", exec_pid);
    if (setns(pidfd, (int)bundle_namespaces) < 0) fail("setns", exec_pid);
    close(pidfd);
    pid_t child = clone_child(0, cgroup_fd);
    if (child == 0) exec_child(argv + i, minimal);
    return wait_status(child);
  }

  if (argc - i < 2) usage();
  if (cgroup) {
    if (mkdir(cgroup, 0755) < 0) fail("mkdir", cgroup);
    cgroup_fd = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cgroup_fd < 0) fail("open", cgroup);
  }
  pid_t child = clone_child(bundle_namespaces, cgroup_fd);
  if (child == 0) run_child(argv[i], argv + i + 1, minimal);
  int status = wait_status(child);
  if (cgroup && rmdir(cgroup) < 0) fail("rmdir", cgroup);
  return status;
}
