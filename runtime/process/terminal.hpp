// Terminals (process.terminal): the init opens a pty in the container's own
// devpts and makes its slave the process's stdio and controlling terminal; the
// master goes to the parent, which hands it to --console-socket or, for `run` in
// the foreground, relays it to its own terminal.
#pragma once

#include <termios.h>

#include <optional>
#include <string>

#include "runtime/spec/config.hpp"
#include "runtime/sys/fd.hpp"

namespace ocirun::process {

struct Pty {
  UniqueFd master;
  UniqueFd slave;          // the master's peer (TIOCGPTPEER), never opened by path
  std::string slave_path;  // "/dev/pts/0", inside the container
};

// Container side, after the pivot: opens /dev/ptmx and sizes the terminal.
Pty open_pty(const std::optional<spec::ConsoleSize>& size);
// Container side, in a session of its own (the caller's setsid): the pty's
// slave becomes the controlling terminal and fds 0-2, owned by uid (its group
// stays devpts's: gid=5, tty).
void attach_pty(const Pty& pty, uint32_t uid);
// The init's: /dev/console shows the same pty (a bind mount, runtime-linux.md),
// bound from the slave's fd onto /dev/console opened without following links.
void bind_console(const Pty& pty);

// Runtime side: sends the master over the unix socket at `path` (SCM_RIGHTS,
// the pts path as data), as runc does for --console-socket.
void send_to_console_socket(const std::string& path, int master, const std::string& slave_path);

// Runtime side: the caller's terminal in raw mode while the container owns it;
// restored when this goes out of scope. A no-op when fd is not a terminal.
class RawMode {
 public:
  explicit RawMode(int fd);
  ~RawMode();
  RawMode(const RawMode&) = delete;
  RawMode& operator=(const RawMode&) = delete;

 private:
  int fd_;
  bool active_ = false;
  struct termios saved_ {};
};

// The window size of terminal `fd`; nullopt when it has none (not a terminal,
// or 0x0). A pty opened with the caller's size gives the process no SIGWINCH
// when the relay starts.
std::optional<spec::ConsoleSize> window_size(int fd);

// Copies the window size of terminal `from` to `to`; false when `from` has none
// (not a terminal, or a 0x0 size, which would undo process.consoleSize).
bool copy_window_size(int from, int to);

}  // namespace ocirun::process
