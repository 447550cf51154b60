// Container operations: what each CLI command does to a container, as
// transitions of its state (runtime.md), with rollback when create fails.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/state/store.hpp"

namespace ocirun::container {

struct CreateOptions {
  std::string bundle = ".";
  std::string pid_file;
  std::string console_socket;
  bool no_pivot = false;
  bool no_new_keyring = false;
  int preserve_fds = 0;
};

struct RunOptions : CreateOptions {
  bool detach = false;
  bool keep = false;
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

// "KILL", "SIGKILL", "9" → 9; throws `unknown signal "X"`.
int parse_signal(const std::string& name);

}  // namespace ocirun::container
