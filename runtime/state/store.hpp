// The state store: one directory per container under the root (default
// /run/ocirun), holding state.json (written atomically) and, between create and
// start, the exec fifo. Mutating operations on one id hold an flock on its
// directory; a directory appears under its id only once locked, so two
// concurrent creates of one id cannot both win.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "runtime/state/state.hpp"
#include "runtime/sys/fd.hpp"

namespace ocirun::state {

inline constexpr const char* kStateFile = "state.json";
inline constexpr const char* kExecFifo = "exec.fifo";
inline constexpr const char* kCgroupLink = "cgroup.link";
inline constexpr const char* kInitLink = "init.link";

class ContainerDir {
 public:
  ContainerDir(std::string id, std::string path, UniqueFd fd)
      : id_(std::move(id)), path_(std::move(path)), fd_(std::move(fd)) {}

  const std::string& id() const { return id_; }
  const std::string& path() const { return path_; }
  int fd() const { return fd_.get(); }

  void write(const Record& r) const;
  // Throws Error(EBADMSG) for a state.json that is not a record (truncated
  // by a full disk or a crash): salvage() is what is left then.
  Record read() const;
  // What `delete --force` needs to find a container's processes, kept apart
  // from state.json as two symlinks (one syscall each, nothing to parse that
  // a torn write could damage): the cgroup, and the init's pid and start time.
  void keep_cgroup(const std::string& dir) const;
  void keep_init(pid_t pid, unsigned long long start_time) const;
  // A record of what those say (id, pid, start time, cgroup), or nullopt.
  std::optional<Record> salvage() const;
  bool fifo_exists() const;
  void make_fifo() const;
  void remove_fifo() const;
  // The status now: the record checked against /proc, and whether its
  // cgroup is frozen (the caller reads that: the store knows no cgroups).
  Status status(const Record& r, bool frozen) const;
  // Removes the directory and what it holds.
  void remove();

 private:
  std::string id_;
  std::string path_;
  UniqueFd fd_;
};

class Store {
 public:
  explicit Store(std::string root) : root_(std::move(root)) {}
  const std::string& root() const { return root_; }

  // A new, locked, empty directory for `id`; throws `container "id" already exists`.
  ContainerDir create(const std::string& id) const;
  // The existing directory, locked unless `lock` is false; throws `container "id" does not exist`.
  ContainerDir open(const std::string& id, bool lock = true) const;
  // Ids of all containers, sorted.
  std::vector<std::string> ids() const;
  // Removes the private directories of creates of `id` that were killed before
  // giving theirs its name (no process holds their lock any more).
  void sweep_unnamed(const std::string& id) const;

 private:
  std::string root_;
};

}  // namespace ocirun::state
