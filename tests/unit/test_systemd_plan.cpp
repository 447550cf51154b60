// The systemd driver's planner: unit names, limits as unit properties, the
// device policy, annotations.
#include "cgroups/systemd_plan.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "runtime/sys/error.hpp"

using json = nlohmann::json;
using namespace ocirun::cgroups;
using namespace ocirun::cgroups::systemd;

namespace {

const Property* find(const std::vector<Property>& props, const std::string& name) {
  for (const auto& p : props)
    if (p.name == name) return &p;
  return nullptr;
}

template <class T>
T value_of(const std::vector<Property>& props, const std::string& name) {
  const Property* p = find(props, name);
  REQUIRE(p != nullptr);
  REQUIRE(std::holds_alternative<T>(p->value));
  return std::get<T>(p->value);
}

std::string unit_refusal(const std::string& path) {
  try {
    unit_of(path, "c1");
  } catch (const ocirun::Error& e) {
    return e.what();
  }
  return "";
}

std::string annotation_refusal(const std::string& key, const std::string& value) {
  try {
    annotation_property(key, value);
  } catch (const ocirun::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("systemd unit: slice:prefix:name, runc's defaults", "[systemd]") {
  Unit u = unit_of("", "c1");
  CHECK(u.name == "ocirun-c1.scope");
  CHECK(u.slice == "system.slice");
  CHECK(u.path == "/system.slice/ocirun-c1.scope");

  u = unit_of("machine.slice:libpod:abc", "c1");
  CHECK(u.name == "libpod-abc.scope");
  CHECK(u.slice == "machine.slice");
  CHECK(u.path == "/machine.slice/libpod-abc.scope");

  u = unit_of("kubepods-besteffort.slice:cri-containerd:0123", "c1");
  CHECK(u.path == "/kubepods.slice/kubepods-besteffort.slice/cri-containerd-0123.scope");

  CHECK(unit_of("::", "c1").path == "/system.slice/c1.scope");
  CHECK(unit_of(":p:", "c1").name == "p-c1.scope");
  CHECK(unit_of("-:p:n", "c1").path == "/p-n.scope");
  CHECK(unit_of("-:p:n", "c1").slice == "-.slice");
  CHECK(unit_of("a.slice:p:n.scope", "c1").name == "p-n.scope");
  Unit s = unit_of("a.slice:p:a-n.slice", "c1");
  CHECK(s.is_slice());
  CHECK(s.name == "a-n.slice");

  CHECK(unit_refusal("a.slice:b") ==
        "linux.cgroupsPath: \"a.slice:b\": with the systemd driver, expected "
        "\"slice:prefix:name\"");
  CHECK(unit_refusal("/a/b") != "");
  CHECK_THAT(unit_refusal("a:p:n"), Catch::Contains("invalid slice name \"a\""));
  CHECK_THAT(unit_refusal("a--b.slice:p:n"), Catch::Contains("empty parts between dashes"));
  CHECK_THAT(unit_refusal("a.slice:p/q:n"), Catch::Contains("a unit name has no '/'"));
}

TEST_CASE("systemd limits: the writes systemd owns become properties", "[systemd]") {
  json r = json::parse(R"({
    "memory": {"limit": 1048576, "reservation": 524288, "swap": 2097152},
    "cpu": {"shares": 1024, "quota": 50000, "period": 100000, "cpus": "0-2,9", "mems": "0"},
    "pids": {"limit": 100},
    "blockIO": {"weight": 500, "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1024}]},
    "unified": {"memory.high": "786432", "memory.min": "4096"}
  })");
  ResourcePlan plan = plan_resources(r);
  std::vector<Property> p = take_owned_limits(plan);
  CHECK(value_of<uint64_t>(p, "MemoryMax") == 1048576);
  CHECK(value_of<uint64_t>(p, "MemoryLow") == 524288);
  CHECK(value_of<uint64_t>(p, "MemorySwapMax") == 1048576);  // swap less the limit
  CHECK(value_of<uint64_t>(p, "MemoryHigh") == 786432);
  CHECK(value_of<uint64_t>(p, "MemoryMin") == 4096);
  CHECK(value_of<uint64_t>(p, "CPUWeight") == 100);
  CHECK(value_of<uint64_t>(p, "CPUQuotaPerSecUSec") == 500000);
  CHECK(value_of<uint64_t>(p, "CPUQuotaPeriodUSec") == 100000);
  // CPUs 0, 1, 2 and 9: 0b00000111, 0b00000010.
  CHECK(value_of<std::vector<uint8_t>>(p, "AllowedCPUs") == std::vector<uint8_t>{0x07, 0x02});
  CHECK(value_of<std::vector<uint8_t>>(p, "AllowedMemoryNodes") == std::vector<uint8_t>{0x01});
  CHECK(value_of<uint64_t>(p, "TasksMax") == 100);
  CHECK(value_of<uint64_t>(p, "IOWeight") == 1 + (500 - 10) * 9999 / 990);
  CHECK(find(p, "MemoryMax")->field == "linux.resources.memory.limit");
  // What systemd has no property for stays a write.
  REQUIRE(plan.writes.size() == 1);
  CHECK(plan.writes[0].file == "io.max");
  CHECK(plan.writes[0].value == "8:0 rbps=1024");
}

TEST_CASE("systemd limits: no limit is infinity; quotas round up to whole percents", "[systemd]") {
  ResourcePlan plan = plan_resources(json::parse(
      R"({"memory": {"limit": -1}, "pids": {"limit": -1}, "cpu": {"quota": -1, "period": 50000}})"));
  std::vector<Property> p = take_owned_limits(plan);
  CHECK(value_of<uint64_t>(p, "MemoryMax") == kInfinity);
  CHECK(value_of<uint64_t>(p, "TasksMax") == kInfinity);
  CHECK(value_of<uint64_t>(p, "CPUQuotaPerSecUSec") == kInfinity);
  CHECK(value_of<uint64_t>(p, "CPUQuotaPeriodUSec") == 50000);

  plan = plan_resources(json::parse(R"({"cpu": {"quota": 12345, "period": 100000}})"));
  p = take_owned_limits(plan);
  // 123450 us a second is 12.345%: systemd keeps whole percents, so 13%.
  CHECK(value_of<uint64_t>(p, "CPUQuotaPerSecUSec") == 130000);

  // unified over the field: the later write wins, as in the cgroup.
  plan = plan_resources(
      json::parse(R"({"memory": {"limit": 4096}, "unified": {"memory.max": "8192"}})"));
  p = take_owned_limits(plan);
  CHECK(value_of<uint64_t>(p, "MemoryMax") == 8192);
  CHECK(plan.writes.empty());
}

TEST_CASE("systemd devices: strict policy and DeviceAllow from the rules", "[systemd]") {
  DeviceMajors majors = device_majors(
      "Character devices:\n  1 mem\n  5 /dev/tty\n136 pts\n195 nvidia\n\nBlock devices:\n"
      "  8 sd\n");
  CHECK(majors.chars.at(136) == "pts");
  CHECK(majors.blocks.at(8) == "sd");

  json devices = json::parse(R"([
    {"allow": false, "access": "rwm"},
    {"allow": true, "type": "c", "major": 195, "access": "rw"},
    {"allow": true, "type": "c", "major": 10, "minor": 200, "access": "rwm"},
    {"allow": false, "type": "c", "major": 195, "minor": 255, "access": "rwm"}
  ])");
  std::vector<Property> p = device_properties(device_rules(devices, {}), majors);
  CHECK(value_of<std::string>(p, "DevicePolicy") == "strict");
  auto allow = value_of<std::vector<std::pair<std::string, std::string>>>(p, "DeviceAllow");
  auto has = [&](const std::string& name, const std::string& access) {
    return std::find(allow.begin(), allow.end(), std::make_pair(name, access)) != allow.end();
  };
  CHECK(has("char-nvidia", "rw"));
  CHECK(has("/dev/char/10:200", "rwm"));
  // runc's own allowances (devices.hpp): mknod of any device, the standard nodes.
  CHECK(has("char-*", "m"));
  CHECK(has("block-*", "m"));
  CHECK(has("/dev/char/1:3", "rwm"));
  CHECK(has("char-pts", "rwm"));

  // No rules of the config's: runc's allowances only, strict.
  p = device_properties(device_rules(json::array(), {}), majors);
  CHECK(value_of<std::string>(p, "DevicePolicy") == "strict");
  CHECK(value_of<std::vector<std::pair<std::string, std::string>>>(p, "DeviceAllow").size() > 5);

  // Allow all: no policy at all.
  p = device_properties(device_rules(json::parse(R"([{"allow": true, "access": "rwm"}])"), {}),
                        majors);
  CHECK(p.empty());
}

TEST_CASE("systemd annotations: GVariant values, Sec in seconds", "[systemd]") {
  Property p = annotation_property("org.systemd.property.TimeoutStopUSec", "uint64 123456789");
  CHECK(p.name == "TimeoutStopUSec");
  CHECK(p.signature == "t");
  CHECK(std::get<uint64_t>(p.value) == 123456789);

  p = annotation_property("org.systemd.property.CollectMode", "'inactive-or-failed'");
  CHECK(p.signature == "s");
  CHECK(std::get<std::string>(p.value) == "inactive-or-failed");

  p = annotation_property("org.systemd.property.SendSIGKILL", "false");
  CHECK(p.signature == "b");
  CHECK(std::get<bool>(p.value) == false);

  p = annotation_property("org.systemd.property.CPUWeight", "42");
  CHECK(p.signature == "i");
  CHECK(std::get<int32_t>(p.value) == 42);

  p = annotation_property("org.systemd.property.Wants", "['a.service', \"b.service\"]");
  CHECK(p.signature == "as");
  CHECK(std::get<std::vector<std::string>>(p.value) ==
        std::vector<std::string>{"a.service", "b.service"});

  p = annotation_property("org.systemd.property.TimeoutStopSec", "5");
  CHECK(p.name == "TimeoutStopUSec");
  CHECK(p.signature == "t");
  CHECK(std::get<uint64_t>(p.value) == 5000000);
  p = annotation_property("org.systemd.property.RuntimeMaxSec", "double 1.5");
  CHECK(std::get<uint64_t>(p.value) == 1500000);

  CHECK(annotation_refusal("org.systemd.property.lower", "1") ==
        "annotations[\"org.systemd.property.lower\"]: not a systemd property name");
  CHECK(annotation_refusal("org.systemd.property.", "1") != "");
  CHECK_THAT(annotation_refusal("org.systemd.property.X", "uint64 -1"),
             Catch::Contains("is not a GVariant value"));
  CHECK_THAT(annotation_refusal("org.systemd.property.X", "'open"),
             Catch::Contains("is not a GVariant value"));
  CHECK_THAT(annotation_refusal("org.systemd.property.TimeoutStopSec", "'x'"),
             Catch::Contains("expects a number of seconds"));

  std::map<std::string, std::string> annotations{{"org.systemd.property.A", "1"},
                                                 {"org.systemd.propertyX", "1"},
                                                 {"io.kubernetes.pod", "x"},
                                                 {"org.systemd.property.B", "true"}};
  auto all = annotation_properties(annotations);
  REQUIRE(all.size() == 2);
  CHECK(all[0].name == "A");
  CHECK(all[1].name == "B");
}

TEST_CASE("systemd unit properties: a delegated scope in its slice, annotations last",
          "[systemd]") {
  Unit u = unit_of("machine.slice:libpod:abc", "abc");
  auto p = unit_properties(u, "abc", {{"MemoryMax", "t", uint64_t{4096}, "f"}}, {},
                           {annotation_property("org.systemd.property.Delegate", "false")});
  CHECK(value_of<std::string>(p, "Slice") == "machine.slice");
  CHECK(value_of<bool>(p, "Delegate") == false);  // the annotation wins
  CHECK(value_of<bool>(p, "DefaultDependencies") == false);
  CHECK(value_of<bool>(p, "MemoryAccounting") == true);
  CHECK(value_of<uint64_t>(p, "MemoryMax") == 4096);
  CHECK(value_of<std::string>(p, "Description") == "ocirun container abc");
  // A slice unit gets no Slice property.
  CHECK(find(unit_properties(unit_of("a.slice:p:a-n.slice", "c"), "c", {}, {}, {}), "Slice") ==
        nullptr);
}
