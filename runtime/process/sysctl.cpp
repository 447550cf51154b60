// linux.sysctl: setting the kernel parameters the loader allowed
// (spec::sysctl_refusal: only those of a namespace the container has).

#include <nlohmann/json.hpp>

#include "runtime/process/attributes.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/procfs.hpp"
#include "runtime/sys/syscalls.hpp"

namespace ocirun::process {
namespace {

std::string shown_key(std::string_view s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::optional<std::string> sysctl_path(std::string_view key) {
  auto comps = spec::sysctl_components(key);
  if (!comps) return std::nullopt;
  std::string path = "/proc/sys";
  for (const auto& c : *comps) path += "/" + c;
  return path;
}

void apply_sysctls(const std::map<std::string, std::string>& sysctl) {
  if (sysctl.empty()) return;
  // Through a verified procfs: /proc/sys in the container's root may be
  // anything the image made it.
  sys::ProcFs proc = with_context("setting linux.sysctl", [] { return sys::ProcFs::open(); });
  for (const auto& entry : sysctl) {
    const std::string& key = entry.first;     // no structured bindings: clang < 16
    const std::string& value = entry.second;  // cannot capture them (tests/fuzz)
    with_context("setting sysctl " + key, [&] {
      auto path = sysctl_path(key);
      if (!path) throw Error(shown_key(key) + " is not a valid sysctl name");
      proc.write(std::string_view(*path).substr(6), value);  // below "/proc/"
    });
  }
}

}  // namespace ocirun::process
