#include "runtime/container/record.hpp"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <cerrno>

#include "cgroups/manager.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/syscalls.hpp"

namespace ocirun::container {

std::string quoted(const std::string& id) {
  std::string q = "container \"";
  q += id;
  q += "\"";
  return q;
}

std::optional<state::Record> try_read(const state::ContainerDir& dir) {
  try {
    return dir.read();
  } catch (const Error& e) {
    if (e.code() == ENOENT) return std::nullopt;
    throw;
  }
}

state::Status status_of(const state::ContainerDir& dir, const state::Record& r) {
  return dir.status(r, cgroups::is_frozen(r.cgroup));
}

std::optional<UniqueFd> open_init(const state::Record& r) {
  UniqueFd pidfd = sys::pidfd_open(r.pid);
  if (!pidfd) return std::nullopt;
  auto st = sys::proc_stat(r.pid);
  if (!st || st->start_time != r.start_time) return std::nullopt;
  return pidfd;
}

void write_pid_file(const std::string& path, pid_t pid) {
  if (path.empty()) return;
  // Atomic: readers never see a partial number. No trailing newline (containerd
  // parses the file strictly).
  sys::write_file_at_path(path, std::to_string(pid), 0644, "--pid-file");
}

}  // namespace ocirun::container
