// The one way ocirun makes a process that runs in a container: the
// container's init (create, run) and exec's process alike. The parent side
// and the intermediate; the steps of the ladder are in sync.hpp.
//
// The process is cloned into its new namespaces and its cgroup. When it must
// first join namespaces of another process (a pod's, by path; or, for exec,
// every one of the container's), an intermediate is cloned instead: born in
// the cgroup (or moved there before it goes on), it joins, clones the process
// into the new namespaces, writes the process's pid to a pipe of its own (on
// the sync socket the process may already be talking) and exits. ocirun is a
// child subreaper then, so the process becomes its child.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "runtime/launch/sync.hpp"
#include "runtime/sys/fd.hpp"

namespace ocirun::launch {

struct SpawnSpec {
  // Names the process in errors: "container init", "exec".
  std::string what;
  // CLONE_NEW* of the namespaces the process gets new.
  unsigned long clone_flags = 0;
  // The cgroup (O_RDONLY|O_DIRECTORY) the process (or the intermediate) is
  // cloned into, or -1.
  int cgroup_fd = -1;
  // Set: an intermediate runs it (and then clones the process). It joins
  // namespaces; it runs in the runtime's pid namespace.
  std::function<void()> join;
  // When the process joins a pid namespace: what to call it if that
  // namespace takes no new process (its init has exited), e.g.
  // "linux.namespaces[0]: pid namespace /proc/9/ns/pid".
  std::string joined_pid_namespace;
  // The fds the intermediate keeps besides the sync socket and fds 0-2: the
  // process's preserved fds (3 .. 3+preserve_fds-1) and what `join` and
  // `main` use. It closes the rest before it joins.
  int preserve_fds = 0;
  std::vector<int> keep;
  // The process itself, given its end of the sync socket and the namespaces
  // it must unshare itself (CLONE_NEWCGROUP of clone_flags, when it was not
  // cloned into its cgroup but moved there: a cgroup namespace made before
  // the move would have the wrong root), else 0. Never returns; nothing
  // escapes it (its failures go over the socket).
  std::function<void(int sync_fd, unsigned long unshare_later)> main;
};

// What the parent does when the process asks, or is moved.
struct SpawnHooks {
  // As soon as the process's pid is known.
  std::function<void(pid_t)> on_cloned;
  // When the process was not cloned into its cgroup (a kernel before 5.7,
  // or no cgroup fd yet: the systemd driver starts its unit with the pid):
  // moves the pid there. The process (or the intermediate) waits for it
  // (kInCgroup) before it runs on.
  std::function<void(pid_t)> move_to_cgroup;
  // MsgType::RuntimeHooks: runs them, and returns the text of kHooksDone.
  std::function<std::string()> runtime_hooks;
  // MsgType::SeccompFd: the process's seccomp notify fd, for the listener.
  std::function<void(pid_t, int)> seccomp_listener;
};

// A spawned process, as its parent sees it.
struct Child {
  std::string what;
  pid_t pid = -1;
  UniqueFd sync;             // the parent's end
  UniqueFd console;          // process.terminal: the pty's master
  std::string console_path;  // and its slave's path inside the container
  const SpawnHooks* hooks = nullptr;

  // Reads the process's messages, answering what it asks on the way (log
  // lines, its terminal, its seccomp notify fd, the runtime's hooks), until
  // `want`. Throws the process's error, or how it ended when it died first.
  Message until(MsgType want);
  // The same until EOF: the process exec'd (its end of the socket closes).
  void until_exec();
  // Kills and reaps it (after a failure); a no-op once it is gone.
  void kill_and_reap() noexcept;

 private:
  std::optional<Message> next(std::optional<MsgType> want);
};

// Clones the process (through an intermediate when spec.join is set), puts
// it in its cgroup and calls hooks.on_cloned. Throws the intermediate's error
// when it failed; the process is then not made.
Child spawn(const SpawnSpec& spec, const SpawnHooks& hooks);

}  // namespace ocirun::launch
