// Container operations: what each CLI command does to a container, as
// transitions of its state (runtime.md), with rollback when create fails.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cgroups/manager.hpp"
#include "runtime/state/store.hpp"

namespace ocirun::container {

struct CreateOptions {
  std::string bundle = ".";
  std::string pid_file;
  std::string console_socket;
  bool no_pivot = false;
  bool no_new_keyring = false;
  int preserve_fds = 0;
  bool rootless = false;  // rootless mode (runtime/cli/rootless.hpp)
  cgroups::Options cgroups;
};

struct RunOptions : CreateOptions {
  bool detach = false;
  bool keep = false;
  // After the container exits: one JSON object (cgroups::run_report) here.
  std::string stats_file;
};

void create(const state::Store& store, const std::string& id, const CreateOptions& opts);
void start(const state::Store& store, const std::string& id);
// Returns the exit status `ocirun run` exits with.
int run(const state::Store& store, const std::string& id, const RunOptions& opts);
void kill(const state::Store& store, const std::string& id, int signal, bool all);
void remove(const state::Store& store, const std::string& id, bool force);
nlohmann::json state(const state::Store& store, const std::string& id);
// state documents of every container, sorted by id.
std::vector<nlohmann::json> list(const state::Store& store);

// Operations on a running container's cgroup (runtime/container/control.cpp).
void pause(const state::Store& store, const std::string& id);
void resume(const state::Store& store, const std::string& id);
// Host pids of every process in the container's cgroup.
std::vector<pid_t> pids(const state::Store& store, const std::string& id);
// linux.resources (LinuxResources JSON) applied to the running container.
void update(const state::Store& store, const std::string& id, const nlohmann::json& resources);
// runc's events: a "stats" event per interval (just one with `once`), and an
// "oom" event when memory.events' oom_kill grows; until the container stops.
struct EventsOptions {
  bool once = false;
  unsigned interval_ms = 5000;
};
void events(const state::Store& store, const std::string& id, const EventsOptions& opts,
            const std::function<void(const nlohmann::json&)>& emit);

// "KILL", "SIGKILL", "9" → 9; throws `unknown signal "X"`.
int parse_signal(const std::string& name);

}  // namespace ocirun::container
