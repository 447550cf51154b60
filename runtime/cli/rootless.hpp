// Rootless mode: what ocirun does differently when it runs without the host's
// root (issue 17), settled once from the command line and the process's
// credentials, as runc settles it:
//   --rootless true|false|auto (default auto); auto is rootless when the
//   effective uid is not 0, or when the process runs in a user namespace
//   other than the initial one (rootless podman calls the runtime as uid 0 of
//   its own user namespace).
// In rootless mode the state lives in $XDG_RUNTIME_DIR/ocirun (unless --root
// says otherwise), and cgroups are used only where the caller may make them
// (cgroups::Options::rootless).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace ocirun::cli {

enum class Rootless { Auto, True, False };

// "true" | "false" | "auto" ("" is auto); anything else throws
// `--rootless: must be true, false or auto, got "x"`.
Rootless parse_rootless(std::string_view value);

// Whether /proc/self/uid_map (its text) is the initial user namespace's:
// one line mapping 0 onto 0 for all 4294967295 ids.
bool initial_user_namespace(std::string_view uid_map);

bool rootless_mode(Rootless flag, uid_t euid, std::string_view uid_map);

// The state directory: `root` (--root) when given; else /run/ocirun, or in
// rootless mode $XDG_RUNTIME_DIR/ocirun. Throws when rootless mode needs
// XDG_RUNTIME_DIR and it is unset, empty or not an absolute path.
std::string state_root(const std::optional<std::string>& root, bool rootless,
                       const char* xdg_runtime_dir);

}  // namespace ocirun::cli
