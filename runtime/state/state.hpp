// Container state: the record ocirun keeps per container (<root>/<id>/state.json),
// the status derived from it and a live look at the init process, and the
// state document `ocirun state` prints (runtime.md, plus runc's extra fields).
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "runtime/spec/config.hpp"
#include "runtime/sys/syscalls.hpp"

namespace ocirun::state {

// Container ids: letters, digits, '_', '+', '-', '.'; not "." or "..".
// Returns what is wrong with `id`, or nullopt when it is valid.
std::optional<std::string> id_problem(std::string_view id);
// Throws Error("invalid container ID \"<id>\": <problem>").
void validate_id(std::string_view id);

enum class Status { Creating, Created, Running, Paused, Stopped };
std::string_view status_name(Status s);

struct Record {
  std::string id;
  std::string phase = "creating";  // "creating" until create completes, then "created"
  pid_t pid = 0;
  unsigned long long start_time = 0;  // of pid, from /proc/<pid>/stat
  std::string bundle;                 // absolute
  std::string rootfs;                 // absolute
  std::string created;                // RFC 3339
  std::string owner;
  bool own_pid_namespace = true;
  std::map<std::string, std::string> annotations;
  spec::Hooks hooks;           // startContainer, poststart and poststop run after create
  std::string cgroup;          // the container's cgroup directory ("": none)
  bool cgroup_shared = false;  // it had others' processes at create (cgroups::Cgroup::shared)
  std::string cgroup_unit;     // the systemd driver's unit ("ocirun-abc.scope"), or ""
};

nlohmann::json record_to_json(const Record& r);
// Throws Error naming the field on a malformed record.
Record record_from_json(const nlohmann::json& j);

// The state document with the status a hook of that moment sees, as text.
std::string hook_state(const Record& r, Status s);

// Pure: the status of a container from its record, what /proc says of its init
// (nullopt: no such process), whether the exec fifo still exists and whether
// its cgroup is frozen.
Status derive_status(const Record& r, const std::optional<sys::ProcStat>& init, bool fifo_exists,
                     bool frozen = false);

// The state document: ociVersion, id, status, pid (while not stopped), bundle,
// annotations, and runc's rootfs, created, owner.
nlohmann::json state_document(const Record& r, Status s);

}  // namespace ocirun::state
