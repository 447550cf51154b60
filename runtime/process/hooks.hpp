// Hooks (config.md "POSIX-platform Hooks"): each runs as a child of the caller
// with the container's state JSON on its stdin, only fds 0-2 open, exactly the
// configured env, and is killed at its timeout.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/spec/config.hpp"

namespace ocirun::process {

// argv of a hook: its args, or just its path when it has none.
std::vector<std::string> hook_argv(const spec::Hook& hook);

// Runs one hook; throws Error ("<kind> hook <path>: exited with status 3",
// "... timed out after 2s") when it fails.
void run_hook(std::string_view kind, const spec::Hook& hook, const std::string& state_json);

// Runs the hooks of one kind in order. A failure is thrown (fatal) or, for
// poststart and poststop, logged as a warning while the others still run.
void run_hooks(std::string_view kind, const std::vector<spec::Hook>& hooks,
               const std::string& state_json, bool fatal);

}  // namespace ocirun::process
