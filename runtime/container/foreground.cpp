#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <optional>

#include "runtime/container/record.hpp"
#include "runtime/process/terminal.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/syscalls.hpp"

namespace ocirun::container {
namespace {

// Copies everything readable from `from` to `to`; false on EOF or error (for a
// pty master: every slave closed).
bool pump(int from, int to) {
  char buf[16384];
  ssize_t n = ::read(from, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n <= 0) return false;
  try {
    sys::write_all(to, buf, static_cast<size_t>(n), "terminal");
  } catch (const Error&) {
    return false;
  }
  return true;
}

}  // namespace

// `run` in the foreground: forwards the signals of `mask` to the init, relays
// the terminal (when there is one) between the caller's stdio and the pty, and
// returns the init's wait status. Output written just before the exit is not lost.
int wait_in_foreground(pid_t pid, sigset_t mask, int console) {
  std::optional<process::RawMode> raw;
  if (console >= 0) {
    sigaddset(&mask, SIGWINCH);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    raw.emplace(STDIN_FILENO);
    process::copy_window_size(STDIN_FILENO, console);
  }
  UniqueFd sfd(::signalfd(-1, &mask, SFD_CLOEXEC));
  if (!sfd) throw_errno("signalfd");
  std::array<struct pollfd, 3> fds{{{sfd.get(), POLLIN, 0},
                                    {console >= 0 ? STDIN_FILENO : -1, POLLIN, 0},
                                    {console, POLLIN, 0}}};
  int status = 0;
  for (;;) {
    if (::waitpid(pid, &status, WNOHANG) == pid) break;
    if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) throw_errno("poll");
    if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
      if (!pump(console, STDOUT_FILENO)) fds[2].fd = -1;  // every slave closed
    }
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      if (!pump(STDIN_FILENO, console)) fds[1].fd = -1;  // our input ended
    }
    if (!(fds[0].revents & POLLIN)) continue;
    struct signalfd_siginfo si;
    if (::read(sfd.get(), &si, sizeof si) != sizeof si) continue;
    int sig = static_cast<int>(si.ssi_signo);
    if (sig == SIGWINCH)
      process::copy_window_size(STDIN_FILENO, console);
    else if (sig != SIGCHLD)
      ::kill(pid, sig);
  }
  if (console >= 0) {
    // What the container wrote last is still in the pty: drain it.
    ::fcntl(console, F_SETFL, ::fcntl(console, F_GETFL) | O_NONBLOCK);
    while (pump(console, STDOUT_FILENO)) {
      struct pollfd p {
        console, POLLIN, 0
      };
      if (::poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN)) break;
    }
  }
  return status;
}

}  // namespace ocirun::container
