// Launching a container's processes, the init and exec's, through the one
// spawn path (spawn.hpp): the parent sides (spawn_init, spawn_exec) and the
// child sides (init_main, exec_main), talking over the protocol of sync.hpp.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>

#include "namespaces/plan.hpp"
#include "runtime/launch/spawn.hpp"
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

// Clones the init into its namespaces (spawn.cpp) and waits until it is set
// up and ready to exec. On any failure the init is killed and reaped and its
// error is thrown. `hooks.runtime_hooks`, called when the init asks for them
// (before its pivot), runs the prestart and createRuntime hooks and returns
// the state JSON the createContainer hooks get.
Child spawn_init(const InitConfig& cfg, const SpawnHooks& hooks);

// exec's process: joins the namespaces of the container's init, in its
// cgroup, and runs `process`.
struct ExecConfig {
  const spec::Process* process = nullptr;
  const seccomp::Filter* seccomp = nullptr;  // linux.seccomp, built by the parent
  int init_pidfd = -1;                       // the init, whose namespaces are joined
  int namespaces = 0;                        // which (ns::namespaces_to_join)
  int cgroup_fd = -1;                        // the cgroup (or its --cgroup sub-cgroup), or -1
  int preserve_fds = 0;
};
// Spawns it (spawn.cpp, always through an intermediate) and waits for its
// exec. On any failure it is killed and reaped and its error is thrown.
Child spawn_exec(const ExecConfig& cfg, const SpawnHooks& hooks);

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

// The child sides; they never return, and nothing escapes them: any failure
// goes to the parent over the sync socket, and the child exits.
// unshare_later: namespaces it unshares itself once it may (SpawnSpec::main).
[[noreturn]] void init_main(const InitConfig& cfg, int sync_fd,
                            unsigned long unshare_later) noexcept;
[[noreturn]] void exec_main(const ExecConfig& cfg, int sync_fd) noexcept;

}  // namespace ocirun::launch
