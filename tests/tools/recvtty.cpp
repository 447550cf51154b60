// recvtty: the receiving end of --console-socket, for the integration tests.
//   recvtty SOCKET NAMEFILE
// Listens on the unix socket SOCKET, takes one terminal master (SCM_RIGHTS),
// writes the data sent with it (the pts path) to NAMEFILE, then copies the
// terminal's output to stdout and its own stdin to the terminal until the
// container side closes.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "runtime/sys/error.hpp"
#include "runtime/sys/syscalls.hpp"

using namespace ocirun;

static bool copy(int from, int to) {
  char buf[4096];
  ssize_t n = ::read(from, buf, sizeof buf);
  if (n <= 0) return false;
  sys::write_all(to, buf, static_cast<size_t>(n), "write");
  return true;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: recvtty SOCKET NAMEFILE\n");
    return 2;
  }
  try {
    struct sockaddr_un addr {};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
    UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
      throw_errno("bind");
    if (::listen(listener.get(), 1) < 0) throw_errno("listen");
    UniqueFd conn(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn) throw_errno("accept");
    char name[256] = {};
    UniqueFd master;
    sys::receive_with_fd(conn.get(), name, sizeof name - 1, &master, "recvmsg");
    if (!master) throw Error("no fd received");
    {
      UniqueFd f = sys::open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
      sys::write_all(f.get(), name, std::strlen(name), "write");
    }
    struct pollfd fds[2] = {{master.get(), POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    for (;;) {
      if (::poll(fds, 2, -1) < 0 && errno != EINTR) throw_errno("poll");
      if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) && !copy(master.get(), STDOUT_FILENO))
        break;
      if ((fds[1].revents & (POLLIN | POLLHUP | POLLERR)) && !copy(STDIN_FILENO, master.get()))
        fds[1].fd = -1;
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "recvtty: %s\n", e.what());
    return 1;
  }
  return 0;
}
