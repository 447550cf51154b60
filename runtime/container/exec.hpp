// `exec`: a new process in a running container. What to run is decided here from
// the bundle's config, the --process JSON and the flags (pure, exec_plan.cpp);
// exec.cpp makes the process join the container and runs it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/spec/config.hpp"
#include "runtime/state/store.hpp"

namespace ocirun::container {

struct ExecOptions {
  std::string process_file;       // --process: a runtime-spec process JSON
  std::vector<std::string> args;  // the command, when no --process
  std::vector<std::string> env;   // --env K=V, over the process's env
  std::string cwd;
  std::string user;                     // --user "UID[:GID]"
  std::vector<std::string> extra_gids;  // --additional-gids
  std::vector<std::string> caps;        // --cap: added to bounding, effective, permitted
  bool tty = false;                     // --tty
  bool no_new_privs = false;            // --no-new-privs
  std::string apparmor;                 // --apparmor
  std::string process_label;            // --process-label
  std::vector<std::string> cgroup;      // --cgroup "PATH" or "CONTROLLERS:PATH"
  std::string console_socket;
  bool detach = false;
  std::string pid_file;
  int preserve_fds = 0;
  bool ignore_paused = false;
};

// The process to run: `process_file` (the parsed --process JSON) when given,
// else the config's process with `o.args` as its args and terminal off; then
// the flags over it. Throws naming the flag or field at fault.
spec::Process exec_process(const nlohmann::json& config, const nlohmann::json* process_file,
                           const ExecOptions& o);

// The sub-cgroup of the container's cgroup that --cgroup names ("" for none).
// cgroup v2 has one hierarchy: every entry must name the same path.
std::string exec_sub_cgroup(const std::vector<std::string>& flags);

// The flags' combinations runc refuses: a terminal when detached needs a
// console socket; a console socket needs a terminal.
void check_exec_terminal(bool terminal, bool detach, const std::string& console_socket);

// Returns the process's exit status (128+N for signal N), or 0 with detach.
int exec(const state::Store& store, const std::string& id, const ExecOptions& opts);

}  // namespace ocirun::container
