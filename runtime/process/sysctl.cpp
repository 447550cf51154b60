// linux.sysctl: which kernel parameters a container may set, and setting them.
// Only the parameters of a namespace the container has are its to set: those
// of the network namespace (net.*), of the IPC namespace (the System V IPC
// limits and fs.mqueue.*) and of the UTS namespace (host and domain name).
// Anything else would change the host for everyone.
#include <array>

#include <nlohmann/json.hpp>

#include "runtime/process/attributes.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/procfs.hpp"
#include "runtime/sys/syscalls.hpp"

namespace ocirun::process {
namespace {

constexpr std::array<std::string_view, 8> kIpcKernelKeys = {
    "msgmax", "msgmnb", "msgmni", "sem", "shmall", "shmmax", "shmmni", "shm_rmid_forced"};

std::string shown_key(std::string_view s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool has_namespace(const std::vector<spec::Namespace>& namespaces, spec::NsType t) {
  for (const auto& n : namespaces)
    if (n.type == t) return true;
  return false;
}

}  // namespace

std::optional<std::vector<std::string>> sysctl_components(std::string_view key) {
  size_t first = key.find_first_of("./");
  bool slashes = first != std::string_view::npos && key[first] == '/';
  char sep = slashes ? '/' : '.';
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    size_t end = key.find(sep, pos);
    std::string comp(key.substr(pos, end == std::string_view::npos ? end : end - pos));
    if (!slashes)
      for (char& c : comp)
        if (c == '/') c = '.';
    if (comp.empty() || comp == "." || comp == ".." || comp.find('\0') != std::string::npos)
      return std::nullopt;
    out.push_back(std::move(comp));
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return out;
}

std::optional<std::string> sysctl_path(std::string_view key) {
  auto comps = sysctl_components(key);
  if (!comps) return std::nullopt;
  std::string path = "/proc/sys";
  for (const auto& c : *comps) path += "/" + c;
  return path;
}

std::string sysctl_refusal(std::string_view key, const std::vector<spec::Namespace>& namespaces) {
  auto comps = sysctl_components(key);
  if (!comps) return shown_key(key) + " is not a valid sysctl name";
  const auto& c = *comps;
  struct Need {
    spec::NsType type;
    std::string_view what;  // "a network namespace"
    std::string_view name;  // its linux.namespaces type
  };
  std::optional<Need> need;
  if (c[0] == "net" && c.size() > 1) {
    need = Need{spec::NsType::Network, "a network namespace", "network"};
  } else if (c.size() > 2 && c[0] == "fs" && c[1] == "mqueue") {
    need = Need{spec::NsType::Ipc, "an IPC namespace", "ipc"};
  } else if (c.size() == 2 && c[0] == "kernel") {
    for (std::string_view k : kIpcKernelKeys)
      if (c[1] == k) need = Need{spec::NsType::Ipc, "an IPC namespace", "ipc"};
    if (c[1] == "hostname" || c[1] == "domainname")
      need = Need{spec::NsType::Uts, "a UTS namespace", "uts"};
  }
  if (!need) return shown_key(key) + " is not namespaced; refusing to set it in a container";
  if (!has_namespace(namespaces, need->type))
    return shown_key(key) + " needs " + std::string(need->what) +
           " of the container's own (linux." + "namespaces has no \"" + std::string(need->name) +
           "\" entry)";
  return {};
}

void apply_sysctls(const std::map<std::string, std::string>& sysctl) {
  if (sysctl.empty()) return;
  // Through a verified procfs: /proc/sys in the container's root may be
  // anything the image made it.
  sys::ProcFs proc = with_context("setting linux.sysctl", [] { return sys::ProcFs::open(); });
  for (const auto& [key, value] : sysctl) {
    with_context("setting sysctl " + key, [&] {
      auto path = sysctl_path(key);
      if (!path) throw Error(shown_key(key) + " is not a valid sysctl name");
      proc.write(std::string_view(*path).substr(6), value);  // below "/proc/"
    });
  }
}

}  // namespace ocirun::process
