#include "runtime/cli/rootless.hpp"

#include <cerrno>

#include "runtime/sys/error.hpp"
#include "runtime/sys/text.hpp"

namespace ocirun::cli {

Rootless parse_rootless(std::string_view value) {
  if (value.empty() || value == "auto") return Rootless::Auto;
  if (value == "true") return Rootless::True;
  if (value == "false") return Rootless::False;
  throw Error("--rootless: must be true, false or auto, got \"" + std::string(value) + "\"",
              EINVAL);
}

bool initial_user_namespace(std::string_view uid_map) {
  auto w = sys::words(uid_map);
  return w.size() == 3 && w[0] == "0" && w[1] == "0" && w[2] == "4294967295";
}

bool rootless_mode(Rootless flag, uid_t euid, std::string_view uid_map) {
  if (flag != Rootless::Auto) return flag == Rootless::True;
  return euid != 0 || !initial_user_namespace(uid_map);
}

std::string state_root(const std::optional<std::string>& root, bool rootless,
                       const char* xdg_runtime_dir) {
  if (root) return *root;
  if (!rootless) return "/run/ocirun";
  std::string_view xdg = xdg_runtime_dir ? xdg_runtime_dir : "";
  if (xdg.empty())
    throw Error(
        "--root: not given, and XDG_RUNTIME_DIR is not set: rootless, ocirun keeps its state "
        "in $XDG_RUNTIME_DIR/ocirun (give --root DIR, a directory of the caller's)",
        EINVAL);
  if (!xdg.starts_with('/'))
    throw Error("XDG_RUNTIME_DIR: must be an absolute path, got \"" + std::string(xdg) + "\"",
                EINVAL);
  return std::string(xdg) + "/ocirun";
}

}  // namespace ocirun::cli
