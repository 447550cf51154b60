// Operations on a running container through its cgroup: pause, resume, ps,
// update, events.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "cgroups/manager.hpp"
#include "cgroups/stats.hpp"
#include "runtime/container/container.hpp"
#include "runtime/container/record.hpp"
#include "runtime/spec/loader.hpp"
#include "runtime/sys/error.hpp"

namespace ocirun::container {
namespace {

using state::Status;

struct Live {
  state::ContainerDir dir;
  state::Record rec;
  Status status;
  cgroups::Cgroup cgroup;
};

// A container that is not stopped, and its cgroup.
Live open_live(const state::Store& store, const std::string& id, bool lock) {
  state::ContainerDir dir = store.open(id, lock);
  auto rec = try_read(dir);
  Status st = rec ? status_of(dir, *rec) : Status::Creating;
  if (!rec || st == Status::Stopped) throw Error(quoted(id) + " is not running");
  if (rec->cgroup.empty())
    throw Error(quoted(id) +
                " has no cgroup (created with --cgroup-manager=disabled, rootless with no "
                "cgroup the caller may make, or with no cgroup v2 hierarchy mounted)");
  cgroups::Cgroup cg = cgroups::Cgroup::open(rec->cgroup, rec->cgroup_unit);
  return {std::move(dir), std::move(*rec), st, std::move(cg)};
}

}  // namespace

void pause(const state::Store& store, const std::string& id) {
  Live c = open_live(store, id, true);
  if (c.status != Status::Running && c.status != Status::Created)
    throw Error("cannot pause " + quoted(id) + ": it is " +
                std::string(state::status_name(c.status)));
  c.cgroup.freeze(true);
}

void resume(const state::Store& store, const std::string& id) {
  Live c = open_live(store, id, true);
  if (c.status != Status::Paused) throw Error("cannot resume " + quoted(id) + ": it is not paused");
  c.cgroup.freeze(false);
}

std::vector<pid_t> pids(const state::Store& store, const std::string& id) {
  {
    // A stopped container has no processes: an empty list, as runc prints.
    state::ContainerDir dir = store.open(id, false);
    auto rec = try_read(dir);
    if (rec && status_of(dir, *rec) == Status::Stopped) return {};
  }
  return open_live(store, id, false).cgroup.pids();
}

void update(const state::Store& store, const std::string& id, const nlohmann::json& resources) {
  Live c = open_live(store, id, true);
  // The device rules runc adds for linux.devices come from the bundle's config.
  std::vector<spec::Device> devices;
  if (resources.contains("devices")) {
    try {
      auto config = spec::load_bundle(c.rec.bundle);
      if (config.linux_) devices = config.linux_->devices;
    } catch (const Error&) {
      // The bundle changed or went away: the default devices only.
    }
  }
  with_context("updating " + quoted(id), [&] { c.cgroup.set(resources, devices, true); });
}

void events(const state::Store& store, const std::string& id, const EventsOptions& opts,
            const std::function<void(const nlohmann::json&)>& emit) {
  Live c = open_live(store, id, false);
  auto reader = c.cgroup.reader();
  auto stats_event = [&] {
    return nlohmann::json{{"type", "stats"}, {"id", id}, {"data", cgroups::stats_document(reader)}};
  };
  if (opts.once) {
    emit(stats_event());
    return;
  }
  // memory.events changes wake poll (POLLPRI): an OOM kill is reported at once.
  int fd = ::open((c.rec.cgroup + "/memory.events").c_str(), O_RDONLY | O_CLOEXEC);
  UniqueFd memory_events(fd);
  uint64_t ooms = cgroups::oom_kill_count(reader);
  auto next = std::chrono::steady_clock::now();
  for (;;) {
    auto now = std::chrono::steady_clock::now();
    if (now >= next) {
      emit(stats_event());
      next = now + std::chrono::milliseconds(opts.interval_ms);
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count();
    struct pollfd p {
      memory_events.get(), POLLPRI, 0
    };
    ::poll(&p, memory_events ? 1 : 0, static_cast<int>(std::min<long>(wait, 1000)));
    uint64_t now_ooms = cgroups::oom_kill_count(reader);
    if (now_ooms > ooms) emit({{"type", "oom"}, {"id", id}});
    ooms = now_ooms;
    auto rec = try_read(c.dir);
    if (!rec || status_of(c.dir, *rec) == Status::Stopped) return;
  }
}

}  // namespace ocirun::container
