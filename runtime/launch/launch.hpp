// Launching a container's init: the parent side (spawn) and the child side
// (init_main), talking over the protocol of sync.hpp.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>

#include "namespaces/plan.hpp"
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
  const rootfs::Plan* rootfs = nullptr;
  int state_dir_fd = -1;  // O_PATH fd of the state dir, which holds the exec fifo
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

// The last steps of every container process, the init and an exec'd process
// alike, before it looks up its executable (runtime/launch/finish.cpp): the
// seccomp filter, unless noNewPrivileges (loading it takes CAP_SYS_ADMIN
// then); rlimits; user, groups and capabilities, then `after_credentials`
// (the init re-arms its death signal, which the change cleared); cwd and
// umask; no_new_privs; the LSM labels; only fds 0-2 and the preserved ones
// (3 .. 3+preserve_fds-1) kept across exec; with noNewPrivileges, the filter
// last (fewer syscalls to allow). A NOTIFY filter's fd goes to the parent
// over `sync_fd` (kSeccompFd).
void finish_setup(const spec::Process& proc, const seccomp::Filter* filter, int sync_fd,
                  int preserve_fds, const std::function<void()>& after_credentials = {});

// Tells a ready child to go on (kContinue), and in StartMode::Socket to exec
// (kStart), waiting for the exec: throws the child's error if exec failed.
// `state` is what the startContainer hooks get on stdin.
void release(Child& child, StartMode mode, const std::string& state);

// The child side; never returns.
[[noreturn]] void init_main(const InitConfig& cfg, int sync_fd);

}  // namespace ocirun::launch
