#include "runtime/process/terminal.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/sys/error.hpp"
#include "runtime/sys/syscalls.hpp"

namespace ocirun::process {

Pty open_pty(const std::optional<spec::ConsoleSize>& size) {
  return with_context("setting up the terminal", [&] {
    Pty pty;
    pty.master = sys::open("/dev/ptmx", O_RDWR | O_NOCTTY);
    int unlock = 0;
    if (::ioctl(pty.master.get(), TIOCSPTLCK, &unlock) < 0) throw_errno("unlockpt");
    int n = 0;
    if (::ioctl(pty.master.get(), TIOCGPTN, &n) < 0) throw_errno("ptsname");
    pty.slave_path = "/dev/pts/" + std::to_string(n);
    // The master's own peer, not whatever /dev/pts/N names in the container.
    int slave = ::ioctl(pty.master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) throw_errno("ioctl TIOCGPTPEER");
    pty.slave.reset(slave);
    if (size) {
      struct winsize ws {};
      ws.ws_row = static_cast<unsigned short>(size->height);
      ws.ws_col = static_cast<unsigned short>(size->width);
      if (::ioctl(pty.master.get(), TIOCSWINSZ, &ws) < 0) throw_errno("process.consoleSize");
    }
    return pty;
  });
}

void attach_pty(const Pty& pty, uint32_t uid) {
  with_context("attaching the terminal " + pty.slave_path, [&] {
    // The caller made a session of its own (setsid); the pty becomes its terminal.
    if (::ioctl(pty.slave.get(), TIOCSCTTY, 0) < 0) throw_errno("ioctl TIOCSCTTY");
    // The owner only: the group is devpts' (gid=5, tty, as every engine
    // mounts it), which lets the process's terminal work as a login's does.
    if (::fchown(pty.slave.get(), uid, static_cast<gid_t>(-1)) < 0 && errno != EPERM &&
        errno != EINVAL)
      throw_errno("chown");
    for (int fd = 0; fd < 3; ++fd)
      if (::dup2(pty.slave.get(), fd) < 0) throw_errno("dup2");
  });
}

void bind_console(const Pty& pty) {
  with_context("binding /dev/console to " + pty.slave_path, [&] {
    // The target is opened (or made) without following symlinks, and the
    // pty is bound from its fd onto that very file: no path in the container
    // can redirect the mount (CVE-2025-52565).
    UniqueFd root = sys::open("/", O_PATH | O_DIRECTORY);
    auto dev = sys::try_open_in_root(root.get(), "/dev", O_PATH | O_DIRECTORY | O_NOFOLLOW);
    if (!dev) return;  // no /dev: nothing to bind
    int made =
        ::openat(dev->get(), "console", O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (made >= 0) ::close(made);
    UniqueFd target = sys::openat(dev->get(), "console", O_PATH | O_NOFOLLOW);
    struct stat st;
    if (::fstat(target.get(), &st) < 0) throw_errno("stat /dev/console");
    if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
      throw Error("/dev/console is neither a file nor a device", EINVAL);
    int tree =
        ::open_tree(pty.slave.get(), "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
    if (tree < 0) throw_errno("open_tree");
    UniqueFd t(tree);
    if (::move_mount(tree, "", target.get(), "",
                     MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
      throw_errno("move_mount");
  });
}

void send_to_console_socket(const std::string& path, int master, const std::string& slave_path) {
  with_context("--console-socket " + path, [&] {
    struct sockaddr_un addr {};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) throw Error("path too long");
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sock) throw_errno("socket");
    if (::connect(sock.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof addr) < 0)
      throw_errno("connect");
    sys::send_with_fd(sock.get(), slave_path.data(), slave_path.size(), master, "sendmsg");
  });
}

RawMode::RawMode(int fd) : fd_(fd) {
  if (::tcgetattr(fd, &saved_) < 0) return;
  struct termios raw = saved_;
  ::cfmakeraw(&raw);
  active_ = ::tcsetattr(fd, TCSANOW, &raw) == 0;
}

RawMode::~RawMode() {
  if (active_) ::tcsetattr(fd_, TCSANOW, &saved_);
}

std::optional<spec::ConsoleSize> window_size(int fd) {
  struct winsize ws {};
  if (::ioctl(fd, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0 || ws.ws_col == 0) return std::nullopt;
  return spec::ConsoleSize{ws.ws_row, ws.ws_col};
}

bool copy_window_size(int from, int to) {
  struct winsize ws {};
  if (::ioctl(from, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0 || ws.ws_col == 0) return false;
  return ::ioctl(to, TIOCSWINSZ, &ws) == 0;
}

}  // namespace ocirun::process
