// The thin layer over the system calls the runtime makes. Each wrapper throws
// ocirun::Error naming the call and its object ("open /x: No such file or directory");
// callers add the "why" with with_context(). Every fd is opened O_CLOEXEC.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/sys/fd.hpp"

namespace ocirun::sys {

UniqueFd open(const std::string& path, int flags, mode_t mode = 0);
UniqueFd openat(int dirfd, const std::string& path, int flags, mode_t mode = 0);
// openat2 with RESOLVE_IN_ROOT: `path` is resolved as if `rootfd` were "/",
// so no symlink or ".." can lead outside it.
UniqueFd open_in_root(int rootfd, const std::string& path, int flags, mode_t mode = 0);
// openat2 with the given RESOLVE_* flags (RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS...).
UniqueFd open_resolved(int rootfd, const std::string& path, int flags, uint64_t resolve);
// Same as open_in_root, returning nullopt instead of throwing on ENOENT.
std::optional<UniqueFd> try_open_in_root(int rootfd, const std::string& path, int flags);

// "/proc/self/fd/N": names the object an O_PATH fd holds, for calls that take paths.
std::string fd_path(int fd);

std::string read_file(const std::string& path);
// Everything readable from `fd` until EOF; `what` names it in errors.
std::string read_fd(int fd, std::string_view what);
// Writes the whole of `data` to an existing file (no O_CREAT): procfs, sysfs.
void write_file(const std::string& path, std::string_view data);
// Writes `data` to dirfd/name atomically: a new temporary file of a random
// name (O_EXCL|O_NOFOLLOW: nothing planted in a shared directory is written
// through), then rename over `name`. fsync-free.
void write_file_atomic(int dirfd, const std::string& name, std::string_view data,
                       mode_t mode = 0600);
// The same for a path given on the command line (relative to the cwd);
// errors begin "writing FLAG PATH".
void write_file_at_path(const std::string& path, std::string_view data, mode_t mode,
                        std::string_view flag);

void mount(const std::string& source, const std::string& target, const std::string& fstype,
           unsigned long flags, const std::string& data);
void pivot_root(const std::string& new_root, const std::string& put_old);
void setns(int fd, int nstype, std::string_view what);

// clone3 (falling back to clone) with fork semantics: returns 0 in the child.
// With a cgroup fd, the child starts in that cgroup (CLONE_INTO_CGROUP); where
// the kernel cannot, *into_cgroup (when given) is set false, the child gets
// no new cgroup namespace (it would be rooted in the caller's cgroup), and
// the caller moves the child itself, after which the child unshares it.
pid_t clone_process(unsigned long flags, int cgroup_fd = -1, bool* into_cgroup = nullptr);

// Waits for child `pid` (through EINTR); returns its wait status (0 when it
// could not be waited for).
int reap(pid_t pid);
// SIGKILL to child `pid`, then reap it; sets pid to -1. Nothing for pid <= 0.
void kill_and_reap(pid_t& pid) noexcept;

// One datagram/stream message carrying `fd` (SCM_RIGHTS) along with `data`.
void send_with_fd(int sock, const void* data, size_t len, int fd, std::string_view what);
// Receives a message into buf; an fd passed with it goes to *fd. Returns the
// byte count (0 on EOF).
size_t receive_with_fd(int sock, void* buf, size_t cap, UniqueFd* fd, std::string_view what);

// A pidfd for `pid` (O_CLOEXEC by the kernel); an empty UniqueFd if there is none.
UniqueFd pidfd_open(pid_t pid);

// "exited with status 3" / "killed by signal 9" from a wait status.
std::string describe_wait_status(int status);
// The exit status a shell reports for a wait status: N, or 128+N for signal N.
int exit_code(int status);

// argv/envp for execve: pointers into `v`, null-terminated (v must outlive them).
std::vector<char*> c_strings(std::vector<std::string>& v);

// Writes all of buf; retries on EINTR and short writes.
void write_all(int fd, const void* buf, size_t len, std::string_view what);

// A process's start time (field 22 of /proc/<pid>/stat) and its state letter;
// nullopt when there is no such process.
struct ProcStat {
  unsigned long long start_time = 0;
  char state = '?';
};
std::optional<ProcStat> proc_stat(pid_t pid);

}  // namespace ocirun::sys
