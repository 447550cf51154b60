#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "runtime/rootfs/options.hpp"
#include "runtime/spec/features.hpp"
#include "runtime/spec/tables.hpp"

using json = nlohmann::json;
using namespace ocirun::spec;

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
  CHECK(namespaces.size() == namespace_table().size());
  for (const auto& ns : namespace_table()) CHECK(namespaces.count(std::string(ns.name)));

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
      json{
          {"v1", false}, {"v2", true}, {"systemd", false}, {"systemdUser", false}, {"rdma", true}});
  CHECK(l["seccomp"]["enabled"] == true);
  CHECK(l["seccomp"]["actions"].size() == 9);
  CHECK(l["seccomp"]["actions"].back() == "SCMP_ACT_NOTIFY");
  CHECK(l["seccomp"]["operators"].size() == 7);
  CHECK(l["seccomp"]["archs"][1] == "SCMP_ARCH_X86_64");
  CHECK(l["seccomp"]["knownFlags"].size() == 4);
  CHECK(l["seccomp"]["supportedFlags"] == json{"SECCOMP_FILTER_FLAG_TSYNC",
                                               "SECCOMP_FILTER_FLAG_LOG",
                                               "SECCOMP_FILTER_FLAG_SPEC_ALLOW"});
  CHECK(l["apparmor"]["enabled"] == false);
  CHECK(l["selinux"]["enabled"] == false);
  CHECK(l["intelRdt"]["enabled"] == false);
  CHECK(l["mountExtensions"]["idmap"]["enabled"] == false);
}

TEST_CASE("features: dumps and parses back unchanged", "[features]") {
  json f = features();
  std::string text = f.dump(2);
  CHECK(json::parse(text) == f);
  CHECK(text.find("ociVersionMax") != std::string::npos);
}
