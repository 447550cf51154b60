#include "cgroups/manager.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "cgroups/dbus.hpp"
#include "cgroups/devices.hpp"
#include "cgroups/systemd.hpp"
#include "cgroups/systemd_plan.hpp"
#include "runtime/log.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/syscalls.hpp"

namespace ocirun::cgroups {
namespace {

using Clock = std::chrono::steady_clock;

std::optional<std::string> try_read(const std::string& path) {
  try {
    return sys::read_file(path);
  } catch (const Error& e) {
    if (e.code() == ENOENT || e.code() == ENODEV || e.code() == EOPNOTSUPP) return std::nullopt;
    throw;
  }
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  for (const auto& x : v)
    if (x == s) return true;
  return false;
}

// A hint for the errno of a failed write, as the kernel's reasons usually are.
std::string hint(const std::string& file, int err) {
  if (err == EBUSY && file.starts_with("memory.")) return " (limit below current usage?)";
  if (err == EBUSY) return " (the cgroup's processes prevent it)";
  if (err == ENOENT) return " (no such file: is its controller enabled?)";
  if (err == EINVAL || err == ERANGE) return " (value out of range for this kernel?)";
  if (err == EACCES || err == EPERM) return " (not allowed here)";
  if (err == ENOSPC) return " (no such CPU or memory node?)";
  return "";
}

// Writes `value` to dirfd/file; the errno, or 0.
int write_one(int dirfd, const std::string& file, const std::string& value) {
  int fd = ::openat(dirfd, file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  UniqueFd f(fd);
  return ::write(fd, value.data(), value.size()) < 0 ? errno : 0;
}

void write_at(int dirfd, const std::string& dir, const Write& w) {
  std::string file = w.file, value = w.value;
  int err = write_one(dirfd, file, value);
  if (err == ENOENT && !w.fallback_file.empty()) {
    file = w.fallback_file;
    value = w.fallback_value;
    err = write_one(dirfd, file, value);
  }
  if (err == 0 || (err == ENOENT && w.optional)) return;
  std::string m = w.field;
  m += ": ";
  m += file;
  m += "=";
  m += value;
  m += " in ";
  m += dir;
  m += ": ";
  m += std::strerror(err);
  m += hint(file, err);
  throw Error(m, err);
}

// Kernel state of cgroup.events: "populated 1\nfrozen 0\n".
std::optional<bool> event_flag(const std::string& dir, const std::string& key) {
  auto text = try_read(dir + "/cgroup.events");
  if (!text) return std::nullopt;
  auto m = parse_flat_keyed(*text);
  auto it = m.find(key);
  if (it == m.end()) return std::nullopt;
  return it->second != 0;
}

// Waits (poll POLLPRI on cgroup.events, which the kernel signals on every
// change) until key reads `want`; false on timeout.
bool wait_event(const std::string& dir, const std::string& key, bool want,
                std::chrono::milliseconds timeout) {
  int fd = ::open((dir + "/cgroup.events").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT && !want;  // gone: neither populated nor frozen
  UniqueFd events(fd);
  auto deadline = Clock::now() + timeout;
  for (;;) {
    auto v = event_flag(dir, key);
    if (!v || *v == want) return v.has_value() || !want;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    struct pollfd p {
      events.get(), POLLPRI, 0
    };
    ::poll(&p, 1, static_cast<int>(std::min<long>(left.count(), 100)));
  }
}

void collect_pids(const std::string& dir, std::vector<pid_t>& out) {
  if (auto procs = try_read(dir + "/cgroup.procs"))
    for (const auto& w : words(*procs)) out.push_back(static_cast<pid_t>(std::stol(w)));
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (struct dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (e->d_type == DT_DIR && n != "." && n != "..") collect_pids(dir + "/" + e->d_name, out);
  }
  ::closedir(d);
}

// rmdir, children first; EBUSY while the last processes are being released.
void remove_tree(const std::string& dir) {
  if (DIR* d = ::opendir(dir.c_str())) {
    std::vector<std::string> children;
    while (struct dirent* e = ::readdir(d)) {
      std::string_view n = e->d_name;
      if (e->d_type == DT_DIR && n != "." && n != "..") children.emplace_back(n);
    }
    ::closedir(d);
    for (const auto& c : children) remove_tree(dir + "/" + c);
  }
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (::rmdir(dir.c_str()) < 0) {
    if (errno == ENOENT) return;
    if (errno != EBUSY || Clock::now() > deadline) throw_errno("removing cgroup " + dir);
    wait_event(dir, "populated", false, std::chrono::milliseconds(100));
  }
}

// Enables in `dir`'s cgroup.subtree_control every controller it has that is
// not on yet, so that its children get them: those of `needed` or it is an
// error, the others for the statistics (memory.peak, pids.peak, ...) and for
// a later `update`, as runc does.
void enable_controllers(const std::string& dir, const std::set<std::string>& needed) {
  auto available = words(try_read(dir + "/cgroup.controllers").value_or(""));
  auto enabled = words(try_read(dir + "/cgroup.subtree_control").value_or(""));
  for (const auto& c : available) {
    if (contains(enabled, c)) continue;
    try {
      sys::write_file(dir + "/cgroup.subtree_control", "+" + c);
    } catch (Error& e) {
      if (needed.count(c))
        throw e.context("enabling controller \"" + c + "\" in " + dir + "/cgroup.subtree_control");
    }
  }
}

// Makes the cgroups from the hierarchy's root `mount` down to `mount + rel`,
// enabling `needed` in each parent on the way.
// A parent made here may be removed meanwhile by a `delete` that found it
// empty (Cgroup::remove): then the path is made again from the top.
void make_path(const std::string& mount, const std::string& rel,
               const std::set<std::string>& needed) {
  for (int attempt = 0;; ++attempt) {
    std::string level = mount;
    bool vanished = false;
    for (const auto& step : ancestors_and_self(rel)) {
      enable_controllers(level, needed);
      level = mount + step;
      if (::mkdir(level.c_str(), 0755) == 0 || errno == EEXIST) continue;
      if (errno != ENOENT || attempt >= 10) throw_errno("creating cgroup " + level);
      vanished = true;
      break;
    }
    if (!vanished) return;
  }
}

// Rootless: why the caller may not make and use the cgroup `rel`, or
// nullopt. Its deepest existing level must be the caller's to write (mkdir,
// or cgroup.procs when it exists already: a delegated subtree is chowned so).
std::optional<std::string> rootless_obstacle(const std::string& mount, const std::string& rel) {
  std::string deepest = mount;
  for (const auto& step : ancestors_and_self(rel)) {
    if (::access((mount + step).c_str(), F_OK) < 0) break;
    deepest = mount + step;
  }
  std::string need = deepest == mount + rel ? deepest + "/cgroup.procs" : deepest;
  if (::faccessat(AT_FDCWD, need.c_str(), W_OK, AT_EACCESS) == 0) return std::nullopt;
  return need + ": " + std::strerror(errno);
}

// The field that first needs `controller`, for error messages.
std::string field_needing(const ResourcePlan& plan, const std::string& controller) {
  for (const auto& w : plan.writes)
    if (controller_of(w.file) == controller) return w.field;
  return "linux.resources";
}

// Throws, naming the field, the controller and `dir`, when `dir` lacks a
// controller the plan needs (its cgroup.controllers: what it may use).
void require_controllers(const ResourcePlan& plan, const std::string& dir) {
  auto available = words(try_read(dir + "/cgroup.controllers").value_or(""));
  for (const auto& c : plan.controllers) {
    if (contains(available, c)) continue;
    std::string m = field_needing(plan, c);
    m += ": cgroup v2 controller \"" + c;
    m += "\" is not available in ";
    m += dir;
    m += " (cgroup.controllers: ";
    if (available.empty()) m += "none";
    for (size_t i = 0; i < available.size(); ++i) {
      if (i) m += ' ';
      m += available[i];
    }
    m += ")";
    throw Error(m, EOPNOTSUPP);
  }
}

// The container's device rules: linux.resources.devices (null: none) and
// linux.devices.
std::vector<DeviceRule> rules_of(const nlohmann::json& resource_devices,
                                 const std::vector<spec::Device>& linux_devices) {
  return device_rules(resource_devices.is_null() ? nlohmann::json::array() : resource_devices,
                      linux_devices);
}

// The rules as systemd's device policy, majors named from /proc/devices.
std::vector<systemd::Property> device_policy(const std::vector<DeviceRule>& rules) {
  return systemd::device_properties(rules,
                                    systemd::device_majors(try_read("/proc/devices").value_or("")));
}

}  // namespace

Manager parse_manager(const std::string& name) {
  if (name == "cgroupfs" || name.empty()) return Manager::Cgroupfs;
  if (name == "systemd") return Manager::Systemd;
  if (name == "disabled") return Manager::Disabled;
  throw Error("--cgroup-manager: expects cgroupfs, systemd or disabled, got \"" + name + "\"");
}

struct Cgroup::PendingUnit {
  dbus::Connection bus;
  systemd::Unit unit;
  std::vector<systemd::Property> properties;
  ResourcePlan rest;  // the writes systemd has no property for
  std::vector<DeviceRule> device_rules;
};

Cgroup Cgroup::create_unit(const spec::Config& config, const std::string& id, const Options& opts,
                           const std::string& mount, ResourcePlan plan,
                           const std::function<void(const std::string&)>& on_path) {
  systemd::Unit unit = systemd::unit_of(config.linux_ ? config.linux_->cgroups_path : "", id);
  // Before anything is made: no silent fall back to cgroupfs.
  auto bus = with_context(opts.flag, [] { return dbus::Connection::to_systemd(); });
  static const nlohmann::json kNone = nlohmann::json::object();
  const nlohmann::json& resources =
      config.linux_ && config.linux_->resources.is_object() ? config.linux_->resources : kNone;
  std::vector<DeviceRule> rules =
      rules_of(resources.value("devices", nlohmann::json::array()),
               config.linux_ ? config.linux_->devices : std::vector<spec::Device>{});
  auto properties =
      systemd::unit_properties(unit, id, systemd::take_owned_limits(plan), device_policy(rules),
                               systemd::annotation_properties(config.annotations));
  Cgroup cg;
  cg.dir_ = mount + unit.path;
  cg.unit_ = unit.name;
  on_path(cg.dir_);
  log::debug("systemd unit " + unit.name + ", cgroup " + cg.dir_);
  cg.pending_ = std::make_shared<PendingUnit>(PendingUnit{
      std::move(bus), std::move(unit), std::move(properties), std::move(plan), std::move(rules)});
  return cg;
}

std::optional<Cgroup> Cgroup::create(const spec::Config& config, const std::string& id,
                                     const Options& opts,
                                     const std::function<void(const std::string&)>& on_path) {
  if (opts.manager == Manager::Disabled) return std::nullopt;
  static const nlohmann::json kNone = nlohmann::json::object();
  const nlohmann::json& resources =
      config.linux_ && config.linux_->resources.is_object() ? config.linux_->resources : kNone;
  ResourcePlan plan = plan_resources(resources);
  auto mount = cgroup2_mount(sys::read_file("/proc/self/mountinfo"));
  struct statfs fs;
  if (mount && (::statfs(mount->c_str(), &fs) < 0 || fs.f_type != CGROUP2_SUPER_MAGIC))
    mount.reset();  // not what mountinfo said (covered meanwhile): none usable
  if (!mount) {
    if (!plan.controllers.empty()) {
      std::string m = field_needing(plan, *plan.controllers.begin());
      m += ": no cgroup v2 hierarchy is mounted (cgroup v1 is not supported)";
      throw Error(m, ENOENT);
    }
    log::debug("no cgroup v2 hierarchy: the container gets no cgroup");
    return std::nullopt;
  }
  if (opts.manager == Manager::Systemd && opts.rootless)
    throw Error(opts.flag +
                    ": rootless: the systemd driver of a user's own systemd (systemd --user) is "
                    "not supported; use the cgroupfs driver",
                ENOTSUP);
  if (opts.manager == Manager::Systemd)
    return create_unit(config, id, opts, *mount, std::move(plan), on_path);
  std::string own = own_cgroup(sys::read_file("/proc/self/cgroup")).value_or("/");
  std::string rel = resolve(config.linux_ ? config.linux_->cgroups_path : "", own, id, opts.path);
  if (opts.rootless) {
    // Rootless, a cgroup is used where the caller may make one (a subtree
    // delegated to it), and done without where no limit is asked for.
    if (auto obstacle = rootless_obstacle(*mount, rel)) {
      if (!plan.writes.empty())
        throw Error(plan.writes.front().field +
                        ": rootless, and no cgroup the caller may write to hold the limit (" +
                        *obstacle + ")",
                    EPERM);
      log::debug("rootless: the container gets no cgroup (" + *obstacle + ")");
      return std::nullopt;
    }
  }
  require_controllers(plan, *mount);
  std::string dir = *mount + rel;
  on_path(dir);
  log::debug("cgroup " + dir);

  Cgroup cg;
  cg.dir_ = dir;
  try {
    make_path(*mount, rel, plan.controllers);
    // An engine may make the cgroup first and put a helper in it: as runc,
    // a warning; a frozen cgroup would hold the container's init, though.
    if (auto procs = try_read(dir + "/cgroup.procs"); procs && !words(*procs).empty()) {
      if (auto frozen = try_read(dir + "/cgroup.freeze"); frozen && frozen->starts_with("1"))
        throw Error("cgroup " + dir + " is frozen, with processes in it (the first is pid " +
                        words(*procs)[0] + ")",
                    EBUSY);
      log::warn("cgroup " + dir + " is not empty: " + std::to_string(words(*procs).size()) +
                " process(es) already in it (the first is pid " + words(*procs)[0] + ")");
      cg.shared_ = true;
    }
    cg.fd_ = sys::open(dir, O_RDONLY | O_DIRECTORY);
    cg.apply(plan);
    // Rootless, no device program can be loaded (it needs CAP_SYS_ADMIN of
    // the host); the devices are the host's own nodes, bound, that the
    // caller can already open.
    if (!opts.rootless)
      cg.apply_devices(resources.value("devices", nlohmann::json::array()),
                       config.linux_ ? config.linux_->devices : std::vector<spec::Device>{});
  } catch (...) {
    try {
      cg.shared_ ? cg.release() : cg.remove();
    } catch (const Error& e) {
      log::warn(e.what());
    }
    throw;
  }
  return cg;
}

Cgroup Cgroup::open(const std::string& dir, const std::string& unit) {
  Cgroup cg;
  cg.dir_ = dir;
  cg.unit_ = unit;
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) cg.fd_ = UniqueFd(fd);
  return cg;
}

void Cgroup::apply(const ResourcePlan& plan) const {
  for (const auto& w : plan.warnings) log::warn(w);
  for (const auto& w : plan.writes) write_at(fd_.get(), dir_, w);
}

void Cgroup::apply_devices(const nlohmann::json& resource_devices,
                           const std::vector<spec::Device>& linux_devices) const {
  attach_rules(rules_of(resource_devices, linux_devices));
}

void Cgroup::attach_rules(const std::vector<DeviceRule>& rules) const {
  with_context("linux.resources.devices",
               [&] { attach_device_program(fd_.get(), device_program(rules)); });
}

void Cgroup::set(const nlohmann::json& resources, const std::vector<spec::Device>& linux_devices,
                 bool update) const {
  Current current;
  if (update) {
    if (auto max = try_read(dir_ + "/memory.max")) current.memory_max = parse_single(*max);
  }
  ResourcePlan plan = plan_resources(resources, current);
  if (update && !plan.controllers.empty() && unit_.empty()) {
    // Controllers the create did not need are enabled now, down the path
    // (systemd's slices are systemd's: it enabled what it delegates).
    auto mount = cgroup2_mount(sys::read_file("/proc/self/mountinfo"));
    if (mount && dir_.starts_with(*mount + "/")) {
      require_controllers(plan, *mount);
      make_path(*mount, dir_.substr(mount->size()), plan.controllers);
    }
    require_controllers(plan, dir_);
  }
  if (update && plan.check_before_update) {
    auto usage = parse_single(try_read(dir_ + "/memory.current").value_or("0"));
    for (const auto& w : plan.writes) {
      if (w.file != "memory.max" || w.value == "max") continue;
      uint64_t want = std::stoull(w.value);
      if (usage && want < *usage)
        throw Error(w.field + ": " + w.value + " is below the current usage " +
                        std::to_string(*usage) + " (memory.checkBeforeUpdate)",
                    EBUSY);
    }
  }
  std::optional<std::vector<DeviceRule>> rules;
  if (resources.contains("devices")) rules = rules_of(resources["devices"], linux_devices);
  if (!unit_.empty()) {
    // What systemd owns goes through it, so that it keeps it (a daemon-reload
    // rewrites the unit's cgroup from its properties).
    auto owned = systemd::take_owned_limits(plan);
    if (rules) {
      auto policy = device_policy(*rules);
      owned.insert(owned.end(), policy.begin(), policy.end());
    }
    if (!owned.empty()) {
      auto bus = dbus::Connection::to_systemd();
      systemd::set_properties(bus, systemd::Unit{unit_, "", dir_}, owned);
    }
  }
  apply(plan);
  if (rules) attach_rules(*rules);
}

void Cgroup::add(pid_t pid) {
  if (pending_) {
    PendingUnit& p = *pending_;
    systemd::start_unit(p.bus, p.unit, p.properties, pid, &unit_made_);
    with_context("cgroup of unit " + unit_, [&] { fd_ = sys::open(dir_, O_RDONLY | O_DIRECTORY); });
    apply(p.rest);
    attach_rules(p.device_rules);
    pending_.reset();
    return;
  }
  with_context("moving pid " + std::to_string(pid) + " into cgroup " + dir_,
               [&] { sys::write_file(dir_ + "/cgroup.procs", std::to_string(pid)); });
}

std::vector<pid_t> Cgroup::pids() const {
  std::vector<pid_t> out;
  collect_pids(dir_, out);
  return out;
}

void Cgroup::freeze(bool on) const {
  with_context(std::string(on ? "freezing" : "thawing") + " cgroup " + dir_,
               [&] { sys::write_file(dir_ + "/cgroup.freeze", on ? "1" : "0"); });
  if (!wait_event(dir_, "frozen", on, std::chrono::seconds(10)))
    throw Error("cgroup " + dir_ + " did not become " + (on ? "frozen" : "thawed") + " within 10s",
                ETIMEDOUT);
}

bool Cgroup::frozen() const {
  return is_frozen(dir_);
}

void Cgroup::signal_all(int sig) const {
  if (sig == SIGKILL && ::access((dir_ + "/cgroup.kill").c_str(), W_OK) == 0) {
    with_context("killing the processes of cgroup " + dir_,
                 [&] { sys::write_file(dir_ + "/cgroup.kill", "1"); });
    return;
  }
  // No cgroup.kill (before 5.14): signal each pid; a fork racing the first
  // pass is caught by the next, until a pass finds no new pid.
  std::set<pid_t> done;
  for (int pass = 0; pass < 100; ++pass) {
    bool fresh = false;
    for (pid_t pid : pids()) {
      if (!done.insert(pid).second) continue;
      fresh = true;
      ::kill(pid, sig);
    }
    if (!fresh || sig != SIGKILL) break;
  }
}

void Cgroup::remove() const {
  auto kill_what_is_left = [&] {
    if (::access(dir_.c_str(), F_OK) < 0) return false;
    if (event_flag(dir_, "populated").value_or(false)) {
      signal_all(SIGKILL);
      if (frozen()) sys::write_file(dir_ + "/cgroup.freeze", "0");  // for the pid-by-pid fallback
    }
    return true;
  };
  if (!unit_.empty()) {
    // The processes first (a scope's stop would wait out its TimeoutStopSec
    // for them), then the unit; systemd removes its cgroup. A cgroup that
    // is gone already was a scope systemd stopped when it became empty:
    // only its failed state, if any, is left to reset.
    bool present = kill_what_is_left();
    try {
      auto bus = dbus::Connection::to_systemd();
      systemd::Unit unit{unit_, "", dir_};
      present ? systemd::stop_unit(bus, unit) : systemd::reset_failed(bus, unit);
    } catch (const Error& e) {
      log::warn(std::string(e.what()) + "; removing its cgroup directly");
    }
  }
  if (!kill_what_is_left()) return;
  remove_tree(dir_);
  // The default parent (/ocirun) goes with its last container; one that
  // still has children stays (EBUSY).
  auto slash = dir_.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    std::string parent = dir_.substr(0, slash);
    std::string_view name = std::string_view(parent).substr(parent.rfind('/') + 1);
    if (name == kDefaultParent) ::rmdir(parent.c_str());
  }
}

void Cgroup::release() const {
  if (::rmdir(dir_.c_str()) < 0 && errno != ENOENT)
    log::debug("cgroup " + dir_ + " is left to its owner: " + std::strerror(errno));
}

FileReader Cgroup::reader() const {
  std::string dir = dir_;
  return [dir](const std::string& file) { return try_read(dir + "/" + file); };
}

bool is_frozen(const std::string& dir) {
  if (dir.empty()) return false;
  try {
    auto text = try_read(dir + "/cgroup.freeze");
    return text && text->starts_with("1");
  } catch (const Error&) {
    return false;
  }
}

}  // namespace ocirun::cgroups
