#include "runtime/container/record.hpp"

#include <cerrno>

#include "runtime/sys/error.hpp"
#include "runtime/sys/syscalls.hpp"

namespace ocirun::container {

std::optional<state::Record> try_read(const state::ContainerDir& dir) {
  try {
    return dir.read();
  } catch (const Error& e) {
    if (e.code() == ENOENT) return std::nullopt;
    throw;
  }
}

std::optional<UniqueFd> open_init(const state::Record& r) {
  UniqueFd pidfd = sys::pidfd_open(r.pid);
  if (!pidfd) return std::nullopt;
  auto st = sys::proc_stat(r.pid);
  if (!st || st->start_time != r.start_time) return std::nullopt;
  return pidfd;
}

}  // namespace ocirun::container
