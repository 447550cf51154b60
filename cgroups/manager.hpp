// The container's cgroup on the cgroup v2 hierarchy: created before the init
// exists (the init is cloned into it), limited by the plan of resources.hpp,
// frozen, signalled, read and removed. The thin layer that touches
// /sys/fs/cgroup; every decision it acts on is made by path.hpp and
// resources.hpp. v1 hierarchies are never written.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cgroups/devices.hpp"
#include "cgroups/path.hpp"
#include "cgroups/resources.hpp"
#include "cgroups/stats.hpp"
#include "runtime/spec/config.hpp"
#include "runtime/sys/fd.hpp"

namespace ocirun::cgroups {

// --cgroup-manager: cgroupfs (the default), systemd (the container is a
// transient unit of systemd's, systemd_plan.hpp; also runc's --systemd-cgroup)
// or disabled (no cgroup is made, linux.resources is ignored).
enum class Manager { Cgroupfs, Systemd, Disabled };

struct Options {
  Manager manager = Manager::Cgroupfs;
  PathOptions path;
  // The flag that asked for systemd, named when systemd cannot be reached.
  std::string flag = "--cgroup-manager=systemd";
  // Rootless mode (runtime/cli/rootless.hpp): a cgroup the caller may not
  // make is done without when no limit is asked for; no device program.
  bool rootless = false;
};

// "cgroupfs" | "systemd" | "disabled".
Manager parse_manager(const std::string& name);

class Cgroup {
 public:
  // The container's cgroup for `config`, created and limited; nullopt when no
  // cgroup is to be made (manager disabled, or no cgroup2 hierarchy and no
  // limit asked for). Throws Error naming the field, file and cause:
  //   linux.resources.memory.limit: cgroup v2 controller "memory" is not
  //   available in /sys/fs/cgroup/unified (cgroup.controllers: none)
  // `on_path` is called with the cgroup's directory before it is made, so the
  // caller can record it first (a create killed right after mkdir then still
  // finds it).
  static std::optional<Cgroup> create(const spec::Config& config, const std::string& id,
                                      const Options& opts,
                                      const std::function<void(const std::string&)>& on_path);
  // An existing cgroup by its directory (from the state record), and its
  // systemd unit when the systemd driver made it.
  static Cgroup open(const std::string& dir, const std::string& unit = {});

  const std::string& dir() const { return dir_; }
  // The systemd driver's unit ("ocirun-abc.scope"), or "".
  const std::string& unit() const { return unit_; }
  // add() had systemd make the unit (false: systemd refused it, e.g. one of
  // that name exists already, which is not this container's to stop).
  bool unit_made() const { return unit_made_; }
  // O_RDONLY|O_DIRECTORY fd of the cgroup: clone3's CLONE_INTO_CGROUP.
  int fd() const { return fd_.get(); }

  // Writes `plan` (update: also checks memory.checkBeforeUpdate); a device
  // program replaces the attached one when `devices` is given.
  void apply(const ResourcePlan& plan) const;
  void apply_devices(const nlohmann::json& resource_devices,
                     const std::vector<spec::Device>& linux_devices) const;
  // linux.resources as a whole (create and update).
  void set(const nlohmann::json& resources, const std::vector<spec::Device>& linux_devices,
           bool update) const;

  // Moves `pid` into the cgroup (fallback when clone3 cannot). With the
  // systemd driver, the unit is started with `pid` in it, then the limits
  // systemd does not own are written and the device program attached.
  void add(pid_t pid);
  // Every process in the cgroup and below it.
  std::vector<pid_t> pids() const;
  // Freezes (true) or thaws the cgroup and waits until the kernel says so.
  void freeze(bool on) const;
  bool frozen() const;
  // Signals every process: cgroup.kill for SIGKILL when the kernel has it,
  // else each pid of cgroup.procs (repeated until no new ones appear).
  void signal_all(int sig) const;
  // Kills what is left, waits until the cgroup is empty and removes it (the
  // systemd driver's unit is stopped). A cgroup already gone is no error.
  void remove() const;
  // A shared cgroup (one that had processes before the container, an
  // engine's helper): removed if it is empty, else left to its owner; nothing
  // in it is killed.
  void release() const;
  // It had processes when the container's was made in it (create warned).
  bool shared() const { return shared_; }
  FileReader reader() const;

 private:
  struct PendingUnit;
  void attach_rules(const std::vector<DeviceRule>& rules) const;
  static Cgroup create_unit(const spec::Config& config, const std::string& id, const Options& opts,
                            const std::string& mount, ResourcePlan plan,
                            const std::function<void(const std::string&)>& on_path);

  std::string dir_;
  UniqueFd fd_;
  bool shared_ = false;
  std::string unit_;
  bool unit_made_ = false;
  // The systemd driver, between create and add: the unit to start.
  std::shared_ptr<PendingUnit> pending_;
};

// cgroup.freeze of `dir` reads "1" (false when it cannot be read).
bool is_frozen(const std::string& dir);

}  // namespace ocirun::cgroups
