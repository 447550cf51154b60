// The typed OCI runtime configuration (config.json), as the loader produces it.
// Plain data: no behaviour lives here. Optional fields the spec leaves unset are
// std::optional so that "absent" and "zero" stay distinct.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ocirun::spec {

struct Root {
  std::string path;  // as written; relative paths are relative to the bundle
  bool readonly = false;
};

struct IdMapping {
  uint32_t container_id = 0;
  uint32_t host_id = 0;
  uint32_t size = 0;
};

struct Mount {
  std::string destination;
  std::string type;  // may be empty (bind mounts)
  std::string source;
  std::vector<std::string> options;
  // uidMappings/gidMappings: an idmapped mount (user namespace map format).
  std::vector<IdMapping> uid_mappings, gid_mappings;
};

struct Rlimit {
  std::string type;  // "RLIMIT_NOFILE", ...
  uint64_t hard = 0;
  uint64_t soft = 0;
};

struct Capabilities {
  std::vector<std::string> bounding, effective, inheritable, permitted, ambient;
};

struct User {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::optional<uint32_t> umask;
  std::vector<uint32_t> additional_gids;
};

struct ConsoleSize {
  unsigned height = 0;
  unsigned width = 0;
};

// process.scheduler: sched_setattr(2). Names as the spec spells them.
struct Scheduler {
  std::string policy;  // "SCHED_OTHER", "SCHED_FIFO", ...
  int32_t nice = 0;
  int32_t priority = 0;                            // sched_priority
  std::vector<std::string> flags;                  // "SCHED_FLAG_RESET_ON_FORK", ...
  uint64_t runtime = 0, deadline = 0, period = 0;  // SCHED_DEADLINE, nanoseconds
};

// process.ioPriority: ioprio_set(2).
struct IoPriority {
  std::string io_class;  // "class": "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE"
  int32_t priority = 0;  // 0 (highest) .. 7
};

// process.execCPUAffinity: CPU lists such as "0-3,7" (empty: unset).
struct CpuAffinity {
  std::string initial;  // while the runtime's process joins the container
  std::string final;    // after exec
};

struct Process {
  bool terminal = false;
  std::optional<ConsoleSize> console_size;
  User user;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string cwd = "/";
  std::optional<Capabilities> capabilities;
  std::vector<Rlimit> rlimits;
  bool no_new_privileges = false;
  std::optional<int> oom_score_adj;
  std::string apparmor_profile;
  std::string selinux_label;
  std::optional<Scheduler> scheduler;
  std::optional<IoPriority> io_priority;
  std::optional<CpuAffinity> exec_cpu_affinity;
};

struct Hook {
  std::string path;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::optional<int> timeout;
};

struct Hooks {
  std::vector<Hook> prestart, create_runtime, create_container, start_container, poststart,
      poststop;
};

// Namespace kinds, in the order they are joined (user first).
enum class NsType { User, Mount, Pid, Network, Ipc, Uts, Cgroup, Time };

struct Namespace {
  NsType type;
  std::string path;  // empty: create a new one
};

struct Device {
  std::string path;
  char type = 'c';  // 'c', 'b', 'u' or 'p'
  int64_t major = 0;
  int64_t minor = 0;
  std::optional<uint32_t> file_mode;
  std::optional<uint32_t> uid;
  std::optional<uint32_t> gid;
};

// linux.personality: personality(2).
struct Personality {
  std::string domain;              // "LINUX" or "LINUX32"; empty: unset
  std::vector<std::string> flags;  // not acted on (as runc)
};

// linux.timeOffsets: one clock's offset in the container's time namespace.
struct TimeOffset {
  int64_t secs = 0;
  uint32_t nanosecs = 0;
};

struct TimeOffsets {
  std::optional<TimeOffset> monotonic, boottime;
};

struct Linux {
  std::vector<Namespace> namespaces;
  std::vector<IdMapping> uid_mappings, gid_mappings;
  std::vector<Device> devices;
  std::string cgroups_path;
  std::map<std::string, std::string> sysctl;
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  std::string rootfs_propagation;  // "", "private", "rprivate", "slave", ...
  std::string mount_label;
  std::optional<Personality> personality;
  std::optional<TimeOffsets> time_offsets;
  std::vector<std::string> unimplemented;  // members of kUnimplementedLinux present
  // Sections later layers interpret; kept as the document had them.
  nlohmann::json resources;
  nlohmann::json seccomp;
};

struct Config {
  std::string oci_version;
  Root root;
  std::vector<Mount> mounts;
  std::optional<Process> process;
  std::string hostname;
  std::string domainname;
  Hooks hooks;
  std::map<std::string, std::string> annotations;
  std::optional<Linux> linux_;  // "linux" (a macro name under GNU modes)
};

// Helpers the planners use.
const Namespace* find_namespace(const Config& c, NsType t);

}  // namespace ocirun::spec
