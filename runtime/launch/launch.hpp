// Launching a container's init: the parent side (spawn) and the child side
// (init_main), talking over the protocol of sync.hpp.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>

#include "namespaces/plan.hpp"
#include "runtime/process/process.hpp"
#include "runtime/rootfs/plan.hpp"
#include "runtime/spec/config.hpp"
#include "runtime/sys/fd.hpp"
#include "seccomp/filter.hpp"

namespace ocirun::launch {

// How the init learns that it may exec: from `ocirun start` through the exec
// fifo in the state directory (create), or from its parent over the sync socket (run).
enum class StartMode { Fifo, Socket };

struct InitConfig {
  std::string id;
  const spec::Config* config = nullptr;
  const ns::Plan* namespaces = nullptr;
  // The namespaces of namespaces->joins, opened by the runtime (ns::open_joins).
  std::vector<int> ns_fds;
  const rootfs::Plan* rootfs = nullptr;
  // StartMode::Fifo: an O_PATH fd of the state dir's exec fifo, reopened for
  // writing at `start` (never the directory: a host directory fd is a way out
  // of the root, CVE-2024-21626).
  int exec_fifo_fd = -1;
  StartMode mode = StartMode::Fifo;
  int preserve_fds = 0;
  bool no_new_keyring = false;
  // Set for an init cloned by an intermediate that joined the namespaces given
  // by path (Plan::join_before_clone): nothing left to join, and no parent-death
  // signal (its parent, the intermediate, exits at once).
  bool joined_by_intermediate = false;
  // The container's cgroup (O_RDONLY|O_DIRECTORY), or -1: the init (or the
  // intermediate) is cloned into it.
  int cgroup_fd = -1;
  // linux.seccomp, built by the parent; loaded by the init as late as it can.
  const seccomp::Filter* seccomp = nullptr;
};

struct Child {
  pid_t pid = -1;
  UniqueFd sync;             // the parent's end
  UniqueFd console;          // process.terminal: the pty's master
  std::string console_path;  // and its slave's path inside the container
};

// Clones the init into its namespaces and waits until it is set up and ready
// to exec. `hooks.on_cloned` runs as soon as the pid is known. On any failure the
// child is killed and reaped and the child's error is thrown.
// `hooks.runtime_hooks`, called when the init asks for them (before its pivot), runs
// the prestart and createRuntime hooks and returns the state JSON the
// createContainer hooks get.
// `move_to_cgroup(pid)` is called when the kernel could not clone into the
// cgroup (before 5.7), before the child is let go on. `seccomp_listener(fd)`
// gets the seccomp notify fd when the filter has NOTIFY actions.
struct SpawnHooks {
  std::function<void(pid_t)> on_cloned;
  std::function<std::string()> runtime_hooks;
  std::function<void(pid_t)> move_to_cgroup;
  std::function<void(int)> seccomp_listener;
};
Child spawn(const InitConfig& cfg, const SpawnHooks& hooks);

// What finish_setup leaves for the moment right before execve: the seccomp
// filter (unless it has NOTIFY actions, whose fd goes to the parent during
// setup), and, when CAP_SYS_ADMIN was kept to load it without
// no_new_privs, the process's final capability sets.
struct Confinement {
  const seccomp::Filter* filter = nullptr;
  std::optional<process::CapSets> caps;
};

// The last steps of every container process, the init and an exec'd process
// alike, before it looks up its executable (runtime/launch/finish.cpp): the
// LSM labels; rlimits; user, groups and capabilities, then
// `after_credentials` (the init re-arms its death signal, which the change
// cleared); cwd, resolved inside the root and checked; umask;
// no_new_privs; only fds 0-2 and the preserved ones (3 .. 3+preserve_fds-1)
// kept across exec. A filter with NOTIFY actions is loaded here (before the
// capabilities go, or last with noNewPrivileges) and its fd sent over
// `sync_fd` (kSeccompFd); any other filter is left to confine().
Confinement finish_setup(const spec::Process& proc, const seccomp::Filter* filter, int sync_fd,
                         int preserve_fds, const std::function<void()>& after_credentials = {});
// Right before execve: loads the filter finish_setup left, then drops the
// capability kept for that. Between the filter and execve the runtime makes
// no call but capset, so it never depends on what the profile allows.
void confine(const Confinement& last);

// Closes every fd but 0-2, the preserved ones (3 .. 3+preserve-1) and `keep`:
// a process the container can see holds nothing of the runtime's.
void close_inherited_fds(int preserve, std::vector<int> keep);

// Tells a ready child to go on (kContinue), and in StartMode::Socket to exec
// (kStart), waiting for the exec: throws the child's error if exec failed.
// `state` is what the startContainer hooks get on stdin.
void release(Child& child, StartMode mode, const std::string& state);

// The child side; never returns, and nothing escapes it: any failure goes to
// the parent over the sync socket, and the child exits.
[[noreturn]] void init_main(const InitConfig& cfg, int sync_fd) noexcept;

}  // namespace ocirun::launch
