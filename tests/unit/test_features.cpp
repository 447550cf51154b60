#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include <seccomp.h>

#include "cgroups/manager.hpp"
#include "namespaces/types.hpp"
#include "runtime/cli/features.hpp"
#include "runtime/process/process.hpp"
#include "runtime/rootfs/options.hpp"
#include "runtime/rootfs/plan.hpp"
#include "runtime/spec/loader.hpp"
#include "runtime/spec/tables.hpp"
#include "seccomp/filter.hpp"

using json = nlohmann::json;
using namespace ocirun::spec;
using ocirun::cli::features;

namespace {

json read_vector(const std::string& rel) {
  std::ifstream in(std::string(OCIRUN_VECTORS_DIR) + "/" + rel);
  REQUIRE(in.good());
  return json::parse(in);
}

// The checks features-schema.json and features-linux.json make, written out:
// the required members, and every member's type.
void check_features_schema(const json& f) {
  REQUIRE(f.is_object());
  REQUIRE(f.contains("ociVersionMin"));
  REQUIRE(f.contains("ociVersionMax"));
  CHECK(f["ociVersionMin"].is_string());
  CHECK(f["ociVersionMax"].is_string());
  for (const char* key : {"hooks", "mountOptions", "potentiallyUnsafeConfigAnnotations"}) {
    if (!f.contains(key)) continue;
    INFO(key);
    REQUIRE(f[key].is_array());
    for (const auto& s : f[key]) CHECK(s.is_string());
  }
  if (f.contains("annotations")) {
    REQUIRE(f["annotations"].is_object());
    for (const auto& [k, v] : f["annotations"].items()) {
      CHECK_FALSE(k.empty());
      CHECK(v.is_string());
    }
  }
  if (!f.contains("linux")) return;
  const json& l = f["linux"];
  REQUIRE(l.is_object());
  static const std::set<std::string> kNamespaceTypes{"mount", "pid",  "network", "uts",
                                                     "ipc",   "user", "cgroup",  "time"};
  if (l.contains("namespaces"))
    for (const auto& ns : l["namespaces"]) CHECK(kNamespaceTypes.count(ns.get<std::string>()));
  if (l.contains("capabilities"))
    for (const auto& c : l["capabilities"]) {
      auto s = c.get<std::string>();
      CHECK(s.starts_with("CAP_"));
      CHECK(s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == std::string::npos);
    }
  if (l.contains("cgroup"))
    for (const auto& [k, v] : l["cgroup"].items()) CHECK(v.is_boolean());
  for (const char* key : {"seccomp", "apparmor", "selinux", "intelRdt", "netDevices"})
    if (l.contains(key) && l[key].contains("enabled")) CHECK(l[key]["enabled"].is_boolean());
  if (l.contains("mountExtensions")) CHECK(l["mountExtensions"]["idmap"]["enabled"].is_boolean());
}

}  // namespace

TEST_CASE("features: the schema checks accept runc's and refuse the bad vector", "[features]") {
  check_features_schema(read_vector("features/good/runc.json"));
  check_features_schema(read_vector("features/good/minimal.json"));
  CHECK_FALSE(read_vector("features/bad/missing-ociVersionMax.json").contains("ociVersionMax"));
}

TEST_CASE("features: document satisfies features-schema", "[features]") {
  json f = features();
  check_features_schema(f);
  CHECK(f["ociVersionMin"] == "1.0.0");
  CHECK(f["ociVersionMax"] == std::string(kOciVersion));
  CHECK(f["annotations"]["io.github.ocirun.version"] == OCIRUN_VERSION);
}

TEST_CASE("features: lists every namespace, capability and hook of the tables", "[features]") {
  json f = features();
  std::set<std::string> namespaces = f["linux"]["namespaces"];
  CHECK(namespaces.size() == ocirun::ns::namespace_table().size());
  for (const auto& ns : ocirun::ns::namespace_table())
    CHECK(namespaces.count(std::string(ns.name)));

  std::set<std::string> caps = f["linux"]["capabilities"];
  CHECK(caps.size() == capability_table().size());
  for (const auto& c : capability_table()) CHECK(caps.count(std::string(c.name)));

  std::vector<std::string> hooks = f["hooks"];
  REQUIRE(hooks.size() == hook_names().size());
  for (size_t i = 0; i < hooks.size(); ++i) CHECK(hooks[i] == hook_names()[i]);

  std::set<std::string> options = f["mountOptions"];
  for (auto word : ocirun::rootfs::mount_option_words()) CHECK(options.count(std::string(word)));
}

TEST_CASE("features: linux capabilities of this runtime", "[features]") {
  json l = features()["linux"];
  CHECK(
      l["cgroup"] ==
      json{{"v1", false}, {"v2", true}, {"systemd", true}, {"systemdUser", false}, {"rdma", true}});
  CHECK(l["seccomp"]["enabled"] == true);
  CHECK(l["seccomp"]["actions"].size() == 9);
  CHECK(l["seccomp"]["actions"].back() == "SCMP_ACT_NOTIFY");
  CHECK(l["seccomp"]["operators"].size() == 7);
  CHECK(l["seccomp"]["archs"][1] == "SCMP_ARCH_X86_64");
  CHECK(l["seccomp"]["knownFlags"].size() == 4);
  CHECK(l["seccomp"]["supportedFlags"].size() >= 3);
  CHECK(l["apparmor"]["enabled"] == true);
  CHECK(l["selinux"]["enabled"] == true);
  CHECK(l["intelRdt"]["enabled"] == false);
  CHECK(l["netDevices"]["enabled"] == false);
  CHECK(l["mountExtensions"]["idmap"]["enabled"] == true);
}

// Each `enabled` flag against the code that implements the feature: the
// flag says yes exactly when that code takes a config asking for it.

TEST_CASE("features agree with the code: idmapped mounts", "[features]") {
  Config c;
  c.linux_.emplace();
  c.linux_->namespaces = {{NsType::Mount, ""}, {NsType::User, ""}};
  Mount m;
  m.destination = "/data";
  m.type = "bind";
  m.source = "/srv";
  m.options = {"rbind", "idmap"};
  m.uid_mappings = {{0, 1000, 1}};
  m.gid_mappings = {{0, 1000, 1}};
  c.mounts = {m};
  ocirun::rootfs::PlanInput in;
  in.rootfs = "/rootfs";
  in.user_namespace = in.new_user_namespace = true;
  bool planned = false;
  try {
    planned = ocirun::rootfs::plan(c, in).mounts.at(0).idmap;
  } catch (const std::exception&) {
  }
  CHECK(features()["linux"]["mountExtensions"]["idmap"]["enabled"] == planned);
}

TEST_CASE("features agree with the code: AppArmor and SELinux labels", "[features]") {
  json l = features()["linux"];
  ocirun::process::LsmSupport host{.apparmor = true, .selinux = true};
  Process p;
  p.apparmor_profile = "docker-default";
  CHECK(l["apparmor"]["enabled"] == ocirun::process::lsm_refusal(p, host).empty());
  p.apparmor_profile.clear();
  p.selinux_label = "system_u:system_r:container_t:s0";
  CHECK(l["selinux"]["enabled"] == ocirun::process::lsm_refusal(p, host).empty());
}

TEST_CASE("features agree with the code: members of linux create refuses", "[features]") {
  json l = features()["linux"];
  for (const char* member : {"intelRdt", "netDevices"}) {
    INFO(member);
    json doc = {{"ociVersion", "1.0.2"}, {"root", {{"path", "rootfs"}}}, {"linux", json::object()}};
    doc["linux"][member] = member == std::string("intelRdt") ? json{{"closID", "guaranteed"}}
                                                             : json{{"eth1", {{"name", "eth1"}}}};
    auto c = ocirun::spec::from_json(doc, "config.json");
    bool refused = !c.linux_->unimplemented.empty();
    CHECK(l[member]["enabled"] == !refused);
  }
}

TEST_CASE("features agree with the code: seccomp flags, libseccomp's version", "[features]") {
  json f = features();
  json s = f["linux"]["seccomp"];
  std::set<std::string> known = s["knownFlags"];
  for (const auto& flag : s["supportedFlags"]) CHECK(known.count(flag.get<std::string>()));
  const scmp_version* v = seccomp_version();
  REQUIRE(v);
  CHECK(f["annotations"]["io.github.seccomp.libseccomp.version"] ==
        std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro));
  bool killable = v->major > 2 || (v->major == 2 && v->minor >= 6);
  bool listed = false;
  for (const auto& flag : s["supportedFlags"])
    listed |= flag == "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV";
  CHECK(listed == killable);
  // every flag listed is one the filter builder takes
  for (const auto& flag : s["supportedFlags"]) {
    INFO(flag);
    json profile = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"flags", {flag}}};
    CHECK_NOTHROW(ocirun::seccomp::build(ocirun::seccomp::plan(profile)));
  }
}

TEST_CASE("features agree with the code: cgroup managers", "[features]") {
  json cg = features()["linux"]["cgroup"];
  bool systemd = true;
  try {
    ocirun::cgroups::parse_manager("systemd");
  } catch (const std::exception&) {
    systemd = false;
  }
  CHECK(cg["systemd"] == systemd);
}

TEST_CASE("features: dumps and parses back unchanged", "[features]") {
  json f = features();
  std::string text = f.dump(2);
  CHECK(json::parse(text) == f);
  CHECK(text.find("ociVersionMax") != std::string::npos);
}
