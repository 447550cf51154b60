// The sync protocol between ocirun (the parent) and a process it makes in a
// container, the init or exec's (the child), over a SOCK_SEQPACKET
// socketpair: one message per datagram, each a Message. Both ends are
// O_CLOEXEC, so the child's end closes when it execs. One spawn path makes
// both (spawn.hpp); the parent's message pump is Child::until.
//
// 1. The clone (spawn.cpp), the same for both:
//
//   parent                               child
//   clone3 into the cgroup ───────────▶  [new namespaces]
//     (not in the cgroup: the systemd driver's unit starts with the pid,
//      or a kernel before 5.7)
//   move it there
//   kInCgroup ────────────────────────▶  (then, in init.cpp, once root in a
//                                         new user namespace: unshare the
//                                         cgroup namespace it was not cloned
//                                         with)
//     or, when namespaces are joined first (init: a pod's pid, time or user
//     namespace, or any join next to a new user namespace; exec: always):
//   clone3 into the cgroup ───────────▶  intermediate
//                                        close inherited fds
//   (not in the cgroup: move it there)
//   kContinue ────────────────────────▶  join (exec: oom_score_adj first,
//                                        then setns on the init's pidfd)
//                                        clone3 ──────▶  [new namespaces]
//   read the pid pipe  ◀────────────────  write the pid, exit
//     (a pipe of its own: on the socket the child may already be talking;
//      the parent is a child subreaper, so the child becomes its child)
//   reap the intermediate
//
// 2. The init's setup (init_spawn.cpp, init.cpp):
//
//   write uid_map/gid_map
//   kMountFd × N ─────────────────────▶  (new user namespace: bind sources,
//                                         SCM_RIGHTS, text = "mounts[i]")
//   kMapsWritten ─────────────────────▶  (only with a new user namespace)
//                                        join namespaces, hostname, mounts
//                 ◀─────────────────────  kRuntimeHooks (only with hooks)
//   prestart, createRuntime hooks
//   kHooksDone (state JSON) ──────────▶  createContainer hooks
//                                        pivot
//                 ◀─────────────────────  kConsole    (process.terminal: master fd
//                                                      + pts path, SCM_RIGHTS)
//                 ◀─────────────────────  kSeccompFd  (NOTIFY rules, filter loaded
//                                                      before the capabilities go
//   send it to linux.seccomp.listenerPath              without noNewPrivileges)
//                                        rlimits, user, capabilities
//                 ◀─────────────────────  kSeccompFd  (NOTIFY rules, filter loaded
//                                                      last with noNewPrivileges)
//                 ◀─────────────────────  kReady      (or kError: errno + text)
//   record the state
//   kContinue (state JSON) ───────────▶
//                                        create: block on the exec fifo until
//                                                `ocirun start`, run the
//                                                startContainer hooks, write
//                                                "0" (or "E<error>") to the
//                                                fifo, exec
//                                        run:    wait for kStart, startContainer
//                                                hooks, exec
//   kStart ───────────────────────────▶  (run only)
//                 ◀─────────────────────  EOF on exec (or kError if exec failed)
//
// 3. exec's process (exec_process.cpp), once cloned:
//
//                 ◀─────────────────────  kConsole    (process.terminal)
//                                        user, capabilities, rlimits
//                 ◀─────────────────────  kSeccompFd  (NOTIFY rules)
//                 ◀─────────────────────  EOF on exec (or kError)
//
// At any point before the exec (or the fifo wait), the intermediate and the
// child may send kLog ("level\nmessage"): a warning of their setup, which the
// parent writes to its stderr and --log (log::relay). The child's own stderr
// is the container's, and its --log fd was closed with the rest. A failure
// anywhere is kError (errno + text), and the parent kills and reaps the child.
//
// A parent that dies closes its end: the child sees EOF and exits. While it is
// busy with its setup (not reading) the init has PR_SET_PDEATHSIG = SIGKILL,
// disarmed just before kReady, so that a parent exiting right after kContinue
// cannot kill it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/sys/fd.hpp"

namespace ocirun::launch {

enum class MsgType : uint32_t {
  MapsWritten = 1,
  Ready,
  Continue,
  Start,
  Error,
  Console,
  RuntimeHooks,
  HooksDone,
  MountFd,
  SeccompFd,
  InCgroup,  // the parent moved the process into its cgroup (it was not cloned there)
  Log        // a warning or debug line of the child's: "level\nmessage" (log::relay)
};

struct Message {
  MsgType type;
  int32_t err = 0;  // errno of an Error, 0 if none
  std::string text;
  UniqueFd fd;  // kConsole: the terminal's master (SCM_RIGHTS); text is the pts path;
                // kSeccompFd: the seccomp notify fd; kMountFd: a bind source (tree)
};

struct SyncPair {
  UniqueFd parent, child;
};
SyncPair make_sync_pair();

void send(int fd, MsgType type, int err = 0, const std::string& text = {}, int pass_fd = -1);
// Returns nullopt on EOF (the other end closed).
std::optional<Message> receive(int fd);

// How a child of the runtime fails: its error goes to the parent (kError, as
// far as the socket still takes it), then it exits with status 1.
[[noreturn]] void fail(int fd, int err, const std::string& text);

// Inside a catch block: the message and errno (into *err, 0 for none) of the
// exception being handled, whatever its type ("WHERE: unknown error" for one
// that is no std::exception).
std::string current_error(int* err, std::string_view where);
// Inside a catch block of a child: fail() with the exception being handled.
// Every child entry point ends in `catch (...) { fail_current(...); }`.
[[noreturn]] void fail_current(int fd, std::string_view where) noexcept;
// In a child, once its inherited fds are closed: its log lines go to the
// parent over `fd` as MsgType::Log (-1: dropped).
void forward_log(int fd);

}  // namespace ocirun::launch
