// The sync protocol between ocirun (the parent) and the container's init (the
// child), over a SOCK_SEQPACKET socketpair: one message per datagram, each a
// Message. Both ends are O_CLOEXEC, so the child's end closes when it execs.
//
//   parent                               child (init)
//   clone3 ───────────────────────────▶  [new namespaces]
//     (a user or pid namespace joined by path: an intermediate joins the
//      namespaces first, clones the init, writes its pid to a pipe of its
//      own and exits; the parent is the child subreaper, so the init
//      becomes its child)
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
// At any point before the exec (or the fifo wait), the child may send kLog
// ("level\nmessage"): a warning of its setup, which the parent writes to its
// stderr and --log (log::relay). The child's own stderr is the container's,
// and its --log fd was closed with the rest.
//
// exec's process is made the same way by an intermediate that joins the
// container's namespaces (runtime/container/exec.cpp): kContinue to it once
// the parent moved it into the cgroup, then kPid, kConsole, kSeccompFd, kLog
// and kError from it and from the process, and EOF at the process's exec.
//
// A parent that dies closes its end: the child sees EOF and exits. While it is
// busy with its setup (not reading) the child has PR_SET_PDEATHSIG = SIGKILL,
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
  Pid,
  SeccompFd,
  Log  // a warning or debug line of the child's: "level\nmessage" (log::relay)
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
