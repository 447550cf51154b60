#include "runtime/sys/syscalls.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "runtime/sys/error.hpp"

namespace ocirun::sys {

UniqueFd open(const std::string& path, int flags, mode_t mode) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) throw_errno("open " + path);
  return UniqueFd(fd);
}

UniqueFd openat(int dirfd, const std::string& path, int flags, mode_t mode) {
  int fd = ::openat(dirfd, path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) throw_errno("open " + path);
  return UniqueFd(fd);
}

static int raw_openat2(int rootfd, const std::string& path, int flags, mode_t mode,
                       uint64_t resolve) {
  struct open_how how {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
  how.resolve = resolve;
  int fd;
  do {
    fd = static_cast<int>(::syscall(SYS_openat2, rootfd, path.c_str(), &how, sizeof how));
  } while (fd < 0 && errno == EAGAIN);
  return fd;
}

static int raw_open_in_root(int rootfd, const std::string& path, int flags, mode_t mode) {
  return raw_openat2(rootfd, path, flags, mode, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

UniqueFd open_resolved(int rootfd, const std::string& path, int flags, uint64_t resolve) {
  int fd = raw_openat2(rootfd, path, flags, 0, resolve);
  if (fd < 0) throw_errno("open " + path);
  return UniqueFd(fd);
}

UniqueFd open_in_root(int rootfd, const std::string& path, int flags, mode_t mode) {
  int fd = raw_open_in_root(rootfd, path, flags, mode);
  if (fd < 0) throw_errno("open " + path);
  return UniqueFd(fd);
}

std::optional<UniqueFd> try_open_in_root(int rootfd, const std::string& path, int flags) {
  int fd = raw_open_in_root(rootfd, path, flags, 0);
  if (fd >= 0) return UniqueFd(fd);
  if (errno == ENOENT) return std::nullopt;
  throw_errno("open " + path);
}

std::string fd_path(int fd) {
  return "/proc/self/fd/" + std::to_string(fd);
}

std::string read_fd(int fd, std::string_view what) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("read " + std::string(what));
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string read_file(const std::string& path) {
  UniqueFd fd = open(path, O_RDONLY);
  return read_fd(fd.get(), path);
}

void write_all(int fd, const void* buf, size_t len, std::string_view what) {
  const char* p = static_cast<const char*>(buf);
  while (len > 0) {
    ssize_t n = ::write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno(what);
    p += n;
    len -= static_cast<size_t>(n);
  }
}

namespace {

// A one-buffer message with room for one SCM_RIGHTS fd.
struct FdMessage {
  struct iovec iov {};
  struct msghdr msg {};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control{};  // last: cmsghdr ends in a flexible array

  FdMessage(void* data, size_t len) {
    iov.iov_base = data;
    iov.iov_len = len;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
  }
  FdMessage(const FdMessage&) = delete;
};

}  // namespace

void send_with_fd(int sock, const void* data, size_t len, int fd, std::string_view what) {
  FdMessage m(const_cast<void*>(data), len);
  if (fd >= 0) {
    struct cmsghdr* c = CMSG_FIRSTHDR(&m.msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  } else {
    m.msg.msg_control = nullptr;
    m.msg.msg_controllen = 0;
  }
  ssize_t n;
  do {
    n = ::sendmsg(sock, &m.msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) throw_errno(what);
}

size_t receive_with_fd(int sock, void* buf, size_t cap, UniqueFd* fd, std::string_view what) {
  FdMessage m(buf, cap);
  struct msghdr& msg = m.msg;
  ssize_t n;
  do {
    n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == ECONNRESET) return 0;
    throw_errno(what);
  }
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    int received;
    std::memcpy(&received, CMSG_DATA(c), sizeof(int));
    if (fd)
      fd->reset(received);
    else
      ::close(received);
  }
  return static_cast<size_t>(n);
}

void write_file(const std::string& path, std::string_view data) {
  UniqueFd fd = open(path, O_WRONLY);
  write_all(fd.get(), data.data(), data.size(), "write " + path);
}

void write_file_atomic(int dirfd, const std::string& name, std::string_view data, mode_t mode) {
  std::string tmp;
  UniqueFd fd;
  for (int tries = 0; !fd; ++tries) {
    uint64_t r = 0;
    if (::getrandom(&r, sizeof r, 0) != sizeof r) throw_errno("getrandom");
    char suffix[17];
    std::snprintf(suffix, sizeof suffix, "%016llx", static_cast<unsigned long long>(r));
    tmp = "." + name + "." + suffix;
    int raw =
        ::openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (raw >= 0)
      fd.reset(raw);
    else if (errno != EEXIST || tries >= 16)
      throw_errno("create " + tmp);
  }
  try {
    // The umask must not change what the caller asked for.
    if (::fchmod(fd.get(), mode) < 0) throw_errno("chmod " + tmp);
    write_all(fd.get(), data.data(), data.size(), "write " + tmp);
    fd.reset();
    if (::renameat(dirfd, tmp.c_str(), dirfd, name.c_str()) < 0) throw_errno("rename " + tmp);
  } catch (...) {
    ::unlinkat(dirfd, tmp.c_str(), 0);
    throw;
  }
}

void write_file_at_path(const std::string& path, std::string_view data, mode_t mode,
                        std::string_view flag) {
  with_context("writing " + std::string(flag) + " " + path, [&] {
    auto slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
    std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    if (name.empty()) throw Error("not a file name", EISDIR);
    UniqueFd d = open(dir, O_RDONLY | O_DIRECTORY);
    write_file_atomic(d.get(), name, data, mode);
  });
}

void mount(const std::string& source, const std::string& target, const std::string& fstype,
           unsigned long flags, const std::string& data) {
  if (::mount(source.empty() ? nullptr : source.c_str(), target.c_str(),
              fstype.empty() ? nullptr : fstype.c_str(), flags,
              data.empty() ? nullptr : data.c_str()) < 0)
    throw_errno("mount " + (source.empty() ? fstype : source) + " on " + target);
}

void pivot_root(const std::string& new_root, const std::string& put_old) {
  if (::syscall(SYS_pivot_root, new_root.c_str(), put_old.c_str()) < 0) throw_errno("pivot_root");
}

void setns(int fd, int nstype, std::string_view what) {
  if (::setns(fd, nstype) < 0) throw_errno("setns " + std::string(what));
}

pid_t clone_process(unsigned long flags, int cgroup_fd, bool* into_cgroup) {
  struct clone_args args {};
  args.flags = flags;
  args.exit_signal = SIGCHLD;
  if (cgroup_fd >= 0) {
    args.flags |= CLONE_INTO_CGROUP;
    args.cgroup = static_cast<uint64_t>(cgroup_fd);
  }
  long pid = ::syscall(SYS_clone3, &args, sizeof args);
  if (cgroup_fd >= 0) flags &= ~static_cast<unsigned long>(CLONE_NEWCGROUP);  // for the fallbacks
  if (pid < 0 && cgroup_fd >= 0 && (errno == EINVAL || errno == E2BIG)) {
    // A kernel older than 5.7: no CLONE_INTO_CGROUP.
    args.flags = flags;
    args.cgroup = 0;
    pid = ::syscall(SYS_clone3, &args, sizeof args);
  }
  if (into_cgroup) *into_cgroup = cgroup_fd >= 0 && (args.flags & CLONE_INTO_CGROUP);
  if (pid < 0 && (errno == ENOSYS || errno == E2BIG)) {
    if (into_cgroup) *into_cgroup = false;
    pid = ::syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, 0);
  }
  if (pid < 0) throw_errno("clone");
  return static_cast<pid_t>(pid);
}

void kill_and_reap(pid_t& pid) noexcept {
  if (pid <= 0) return;
  ::kill(pid, SIGKILL);
  reap(pid);
  pid = -1;
}

int reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

UniqueFd pidfd_open(pid_t pid) {
  return UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "ended";
}

int exit_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::optional<ProcStat> proc_stat(pid_t pid) {
  std::string text;
  try {
    text = read_file("/proc/" + std::to_string(pid) + "/stat");
  } catch (const Error&) {
    return std::nullopt;
  }
  // The command name (field 2) may hold spaces and parentheses: parse after the last ')'.
  auto close = text.rfind(')');
  if (close == std::string::npos || close + 2 >= text.size()) return std::nullopt;
  ProcStat st;
  st.state = text[close + 2];
  // After ')' come fields 3..: state is 3, starttime is 22.
  const char* p = text.c_str() + close + 2;
  for (int field = 3; field < 22 && *p; ++field) {
    p = std::strchr(p, ' ');
    if (!p) return std::nullopt;
    ++p;
  }
  st.start_time = std::strtoull(p, nullptr, 10);
  return st;
}

}  // namespace ocirun::sys
