#include "runtime/spec/default_spec.hpp"

#include <unistd.h>

#include <string_view>

#include "namespaces/types.hpp"
#include "runtime/spec/tables.hpp"

namespace ocirun::spec {
namespace {

using json = nlohmann::json;

struct DefaultMount {
  std::string_view destination, type, source;
  std::string_view options;  // comma-separated
};

constexpr DefaultMount kMounts[] = {
    {"/proc", "proc", "proc", ""},
    {"/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k"},
    {"/dev/pts", "devpts", "devpts", "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5"},
    {"/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777,size=65536k"},
    {"/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev"},
    {"/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro"},
    {"/sys/fs/cgroup", "cgroup", "cgroup", "nosuid,noexec,nodev,relatime,ro"},
};

// Without root a fresh sysfs cannot be mounted: the host's is bound instead.
constexpr DefaultMount kRootlessSys = {"/sys", "none", "/sys", "rbind,nosuid,noexec,nodev,ro"};

constexpr std::string_view kMaskedPaths[] = {
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/sys/firmware",
    "/proc/scsi",
    "/sys/devices/virtual/tpm",
};

constexpr std::string_view kReadonlyPaths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

constexpr std::string_view kCapabilities[] = {"CAP_AUDIT_WRITE", "CAP_KILL",
                                              "CAP_NET_BIND_SERVICE"};

json strings(std::span<const std::string_view> words) {
  json out = json::array();
  for (std::string_view w : words) out.push_back(w);
  return out;
}

// Without root, ids given to a filesystem ("gid=5") may not be mapped: dropped.
json mount_json(const DefaultMount& m, bool rootless) {
  json options = json::array();
  for (std::string_view rest = m.options; !rest.empty();) {
    size_t comma = rest.find(',');
    std::string_view word = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (rootless && (word.starts_with("uid=") || word.starts_with("gid="))) continue;
    options.push_back(word);
  }
  json out = {{"destination", m.destination}, {"type", m.type}, {"source", m.source}};
  if (!options.empty()) out["options"] = std::move(options);
  return out;
}

json namespaces(bool rootless) {
  json out = json::array();
  for (NsType t : {NsType::Pid, NsType::Network, NsType::Ipc, NsType::Uts, NsType::Mount,
                   NsType::Cgroup, NsType::User}) {
    bool wanted = rootless ? t != NsType::Network && t != NsType::Cgroup : t != NsType::User;
    if (wanted) out.push_back({{"type", ns::namespace_info(t).name}});
  }
  return out;
}

json id_mapping(uint32_t host_id) {
  return json::array({{{"containerID", 0}, {"hostID", host_id}, {"size", 1}}});
}

}  // namespace

json default_spec(bool rootless) {
  return default_spec(rootless, ::getuid(), ::getgid());
}

json default_spec(bool rootless, uint32_t host_uid, uint32_t host_gid) {
  json caps = strings(kCapabilities);
  json process = {
      {"terminal", true},
      {"user", {{"uid", 0}, {"gid", 0}}},
      {"args", json::array({"sh"})},
      {"env", json::array({"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                           "TERM=xterm"})},
      {"cwd", "/"},
      {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}}},
      {"rlimits", json::array({{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}})},
      {"noNewPrivileges", true},
  };

  json mounts = json::array();
  for (const DefaultMount& m : kMounts)
    mounts.push_back(mount_json(rootless && m.destination == "/sys" ? kRootlessSys : m, rootless));

  json linux_section = {
      {"maskedPaths", strings(kMaskedPaths)},
      {"readonlyPaths", strings(kReadonlyPaths)},
      {"namespaces", namespaces(rootless)},
  };
  if (rootless) {
    linux_section["uidMappings"] = id_mapping(host_uid);
    linux_section["gidMappings"] = id_mapping(host_gid);
  } else {
    // The device cgroup starts from "deny all", as runc's does; rootless
    // containers get no cgroup settings at all.
    linux_section["resources"] = {
        {"devices", json::array({{{"allow", false}, {"access", "rwm"}}})}};
  }

  return {
      {"ociVersion", std::string(kOciVersion)},
      {"root", {{"path", "rootfs"}, {"readonly", true}}},
      {"process", std::move(process)},
      {"hostname", "ocirun"},
      {"mounts", std::move(mounts)},
      {"linux", std::move(linux_section)},
  };
}

}  // namespace ocirun::spec
