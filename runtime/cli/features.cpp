#include "runtime/cli/features.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "cgroups/manager.hpp"
#include "namespaces/types.hpp"
#include "runtime/process/process.hpp"
#include "runtime/rootfs/options.hpp"
#include "runtime/spec/tables.hpp"
#include "runtime/sys/error.hpp"
#include "seccomp/filter.hpp"

#ifndef OCIRUN_VERSION
#error "OCIRUN_VERSION must be defined by the build"
#endif

namespace ocirun::cli {
namespace {

using namespace spec;  // the tables

using json = nlohmann::json;

// A JSON array of the names a table projects to, sorted as runc prints them
// when `sorted`, else in table order.
template <class Table, class Name>
json names(const Table& table, Name name, bool sorted = false) {
  std::vector<std::string> out;
  out.reserve(table.size());
  for (const auto& entry : table) out.emplace_back(name(entry));
  if (sorted) std::sort(out.begin(), out.end());
  return out;
}

json enabled(bool on) {
  return {{"enabled", on}};
}

// Every flag comes from the code that implements the feature (the unit
// tests check each against that code's behaviour).
bool idmapped_mounts() {
  return rootfs::parse_mount_options({"idmap"}).idmap;
}

bool cgroup_manager(const std::string& name) {
  try {
    cgroups::parse_manager(name);
    return true;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace

json features() {
  auto itself = [](std::string_view s) { return s; };
  json linux_section = {
      {"namespaces",
       names(ns::namespace_table(), [](const ns::NamespaceInfo& n) { return n.name; })},
      {"capabilities", names(capability_table(), [](const CapabilityInfo& c) { return c.name; })},
      {"cgroup",
       {{"v1", false},
        {"v2", true},
        {"systemd", cgroup_manager("systemd")},
        // The driver talks to the system manager only (a user's manager: issue 17).
        {"systemdUser", false},
        {"rdma", true}}},
      {"seccomp",
       {{"enabled", !seccomp::library_version().empty()},
        {"actions", names(std::span(kSeccompActions), itself)},
        {"operators", names(std::span(kSeccompOperators), itself)},
        {"archs", names(std::span(kSeccompArchs), itself)},
        {"knownFlags", names(std::span(kSeccompFlags), itself)},
        // WAIT_KILLABLE_RECV needs libseccomp 2.6 (Debian 12 has 2.5.4)
        {"supportedFlags", names(seccomp::supported_flags(), itself)}}},
      {"apparmor", enabled(process::kLabelsImplemented.apparmor)},
      {"selinux", enabled(process::kLabelsImplemented.selinux)},
      {"intelRdt", enabled(linux_member_implemented("intelRdt"))},
      {"netDevices", enabled(linux_member_implemented("netDevices"))},
      {"mountExtensions", {{"idmap", enabled(idmapped_mounts())}}},
  };
  return {
      {"ociVersionMin", "1.0.0"},
      {"ociVersionMax", std::string(kOciVersion)},
      {"hooks", names(hook_names(), itself)},
      {"mountOptions", names(rootfs::mount_option_words(), itself, true)},
      {"linux", std::move(linux_section)},
      {"annotations",
       {{"io.github.ocirun.version", OCIRUN_VERSION},
        {"io.github.seccomp.libseccomp.version", seccomp::library_version()}}},
  };
}

}  // namespace ocirun::cli
