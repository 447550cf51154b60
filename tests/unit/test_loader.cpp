#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "namespaces/types.hpp"
#include "runtime/spec/default_spec.hpp"
#include "runtime/spec/loader.hpp"
#include "runtime/spec/tables.hpp"
#include "runtime/sys/error.hpp"

using json = nlohmann::json;
using namespace ocirun::spec;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path vectors() {
  return fs::path(OCIRUN_VECTORS_DIR) / "config";
}

// The message and errno a load fails with ("" and 0 if it succeeds).
struct Refusal {
  std::string message;
  int code = 0;
};

template <class F>
Refusal refusal_of(F&& load) {
  try {
    load();
  } catch (const ocirun::Error& e) {
    return {e.what(), e.code()};
  }
  return {};
}

std::string refusal(const json& doc) {
  return refusal_of([&] { from_json(doc, "config.json"); }).message;
}
std::string json_refusal(std::string_view text) {
  return refusal_of([&] { parse_json(text); }).message;
}
std::string yaml_refusal(std::string_view text, std::string_view name = "config.yaml") {
  return refusal_of([&] { parse_yaml(text, name); }).message;
}
Refusal bundle_refusal(const fs::path& dir) {
  return refusal_of([&] { load_bundle(dir.string()); });
}

// A valid Linux config to break one field at a time.
json base() {
  return json::parse(R"({
    "ociVersion": "1.2.0",
    "root": {"path": "rootfs", "readonly": true},
    "process": {
      "args": ["sh"], "cwd": "/", "env": ["PATH=/bin"],
      "user": {"uid": 0, "gid": 0},
      "capabilities": {"bounding": ["CAP_KILL"]},
      "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}]
    },
    "mounts": [
      {"destination": "/proc", "type": "proc", "source": "proc"},
      {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]},
      {"destination": "/dev/pts", "type": "devpts", "source": "devpts"},
      {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}
    ],
    "hooks": {"prestart": [{"path": "/bin/true"}]},
    "linux": {
      "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}],
      "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
      "devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}],
      "maskedPaths": ["/proc/kcore"],
      "resources": {"memory": {"limit": 1048576}},
      "seccomp": {"defaultAction": "SCMP_ACT_ALLOW"}
    }
  })");
}

json with(const std::string& pointer, json value) {
  json doc = base();
  doc[json::json_pointer(pointer)] = std::move(value);
  return doc;
}

json without(const std::string& pointer) {
  json::json_pointer ptr(pointer);
  json doc = base();
  doc[ptr.parent_pointer()].erase(ptr.back());
  return doc;
}

// The typed Config spelt out, to compare two loads field by field.
json describe(const Config& c) {
  json d;
  d["ociVersion"] = c.oci_version;
  d["root"] = {c.root.path, c.root.readonly};
  for (const auto& m : c.mounts)
    d["mounts"].push_back({m.destination, m.type, m.source, m.options});
  if (c.process) {
    const Process& p = *c.process;
    d["process"] = {{"terminal", p.terminal},
                    {"args", p.args},
                    {"env", p.env},
                    {"cwd", p.cwd},
                    {"uid", p.user.uid},
                    {"gid", p.user.gid},
                    {"gids", p.user.additional_gids},
                    {"nnp", p.no_new_privileges},
                    {"apparmor", p.apparmor_profile},
                    {"selinux", p.selinux_label}};
    if (p.user.umask) d["process"]["umask"] = *p.user.umask;
    if (p.oom_score_adj) d["process"]["oom"] = *p.oom_score_adj;
    if (p.console_size) d["process"]["console"] = {p.console_size->height, p.console_size->width};
    if (p.capabilities)
      d["process"]["caps"] = {p.capabilities->bounding, p.capabilities->effective,
                              p.capabilities->inheritable, p.capabilities->permitted,
                              p.capabilities->ambient};
    for (const auto& r : p.rlimits) d["process"]["rlimits"].push_back({r.type, r.hard, r.soft});
  }
  d["hostname"] = c.hostname;
  d["domainname"] = c.domainname;
  d["annotations"] = c.annotations;
  for (const auto* list : {&c.hooks.prestart, &c.hooks.create_runtime, &c.hooks.create_container,
                           &c.hooks.start_container, &c.hooks.poststart, &c.hooks.poststop}) {
    json hooks = json::array();
    for (const auto& h : *list)
      hooks.push_back({h.path, h.args, h.env, h.timeout ? json(*h.timeout) : json()});
    d["hooks"].push_back(hooks);
  }
  if (c.linux_) {
    const Linux& l = *c.linux_;
    json& dl = d["linux"];
    for (const auto& ns : l.namespaces)
      dl["ns"].push_back({ocirun::ns::namespace_info(ns.type).name, ns.path});
    for (const auto* maps : {&l.uid_mappings, &l.gid_mappings}) {
      json m = json::array();
      for (const auto& x : *maps) m.push_back({x.container_id, x.host_id, x.size});
      dl["maps"].push_back(m);
    }
    for (const auto& dev : l.devices)
      dl["devices"].push_back({dev.path, std::string(1, dev.type), dev.major, dev.minor,
                               dev.file_mode ? json(*dev.file_mode) : json(),
                               dev.uid ? json(*dev.uid) : json(),
                               dev.gid ? json(*dev.gid) : json()});
    dl["cgroupsPath"] = l.cgroups_path;
    dl["sysctl"] = l.sysctl;
    dl["masked"] = l.masked_paths;
    dl["readonly"] = l.readonly_paths;
    dl["propagation"] = l.rootfs_propagation;
    dl["mountLabel"] = l.mount_label;
    dl["resources"] = l.resources;
    dl["seccomp"] = l.seccomp;
  }
  return d;
}

// A scratch directory, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "ocirun-loader-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() { fs::remove_all(path); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
  }
};

}  // namespace

// ---------------------------------------------------------------------------
// The runtime-spec's own test vectors.

TEST_CASE("loader: every good vector loads", "[loader]") {
  size_t count = 0;
  for (const auto& entry : fs::directory_iterator(vectors() / "good")) {
    INFO(entry.path().filename().string());
    CHECK_NOTHROW(parse_json(slurp(entry.path())));
    ++count;
  }
  CHECK(count >= 9);
}

TEST_CASE("loader: every Linux bad vector is refused naming its field", "[loader]") {
  const std::map<std::string, std::string> expected{
      {"invalid-json.json", "config.json: invalid JSON: parse error at line 1, column 2"},
      {"linux-hugepage.json",
       "config.json: linux.resources.hugepageLimits[0].pageSize: must match ^[1-9][0-9]*[KMG]B$, "
       "got \"64kB\""},
      {"linux-netdevice.json", "config.json: linux.netDevices.eth0.name: must be a string, got 23"},
      {"linux-rdma.json",
       "config.json: linux.resources.rdma.mlx5_1.hcaHandles: must be an unsigned 32-bit integer, "
       "got \"not a uint32\""},
  };
  size_t seen = 0;
  for (const auto& entry : fs::directory_iterator(vectors() / "bad")) {
    std::string name = entry.path().filename().string();
    INFO(name);
    if (name.starts_with("freebsd-")) {
      // Other platforms' sections are not this runtime's business.
      CHECK(json_refusal(slurp(entry.path())).empty());
      continue;
    }
    REQUIRE(expected.count(name) == 1);  // a new vector needs an expectation here
    std::string msg = json_refusal(slurp(entry.path()));
    CHECK_THAT(msg, Catch::StartsWith(expected.at(name)));
    CHECK(msg.find('\n') == std::string::npos);
    ++seen;
  }
  CHECK(seen == expected.size());
}

TEST_CASE("loader: spec-example.json decodes into the typed config", "[loader]") {
  Config c = parse_json(slurp(vectors() / "good" / "spec-example.json"));
  CHECK(c.oci_version == "0.5.0-dev");
  CHECK(c.root.path == "rootfs");
  CHECK(c.root.readonly);
  CHECK(c.hostname == "slartibartfast");
  CHECK(c.domainname == "foobarbaz.test");
  REQUIRE(c.process);
  CHECK(c.process->terminal);
  CHECK(c.process->user.uid == 1);
  CHECK(c.process->user.additional_gids == std::vector<uint32_t>{5, 6});
  CHECK(c.process->args == std::vector<std::string>{"sh"});
  CHECK(c.process->cwd == "/");
  REQUIRE(c.process->capabilities);
  CHECK(c.process->capabilities->effective ==
        std::vector<std::string>{"CAP_AUDIT_WRITE", "CAP_KILL"});
  CHECK(c.process->capabilities->ambient == std::vector<std::string>{"CAP_NET_BIND_SERVICE"});
  REQUIRE(c.process->rlimits.size() == 2);
  CHECK(c.process->rlimits[1].type == "RLIMIT_NOFILE");
  CHECK(c.process->rlimits[1].soft == 1024);
  CHECK(c.process->no_new_privileges);
  CHECK(c.process->apparmor_profile == "acme_secure_profile");
  REQUIRE(c.mounts.size() == 7);
  CHECK(c.mounts[2].destination == "/dev/pts");
  CHECK(c.mounts[2].options.back() == "gid=5");
  CHECK(c.hooks.prestart.size() == 2);
  CHECK(c.hooks.prestart[0].args.size() == 3);
  CHECK(c.hooks.poststart.at(0).timeout == 5);
  CHECK(c.hooks.poststop.at(0).path == "/usr/sbin/cleanup.sh");
  CHECK(c.annotations.at("com.example.key1") == "value1");
  REQUIRE(c.linux_);
  const Linux& l = *c.linux_;
  CHECK(l.namespaces.size() == 8);
  REQUIRE(find_namespace(c, NsType::Time));
  CHECK(find_namespace(c, NsType::Time)->path.empty());
  CHECK(l.uid_mappings.at(0).host_id == 1000);
  CHECK(l.gid_mappings.at(0).size == 32000);
  REQUIRE(l.devices.size() == 2);
  CHECK(l.devices[1].type == 'b');
  CHECK(l.devices[1].major == 8);
  CHECK(l.devices[0].file_mode == 438u);
  CHECK(l.sysctl.at("net.core.somaxconn") == "256");
  CHECK(l.cgroups_path == "/myRuntime/myContainer");
  CHECK(l.rootfs_propagation == "slave");
  CHECK(l.masked_paths.size() == 4);
  CHECK(l.readonly_paths.size() == 6);
  CHECK(l.resources["pids"]["limit"] == 32771);
  CHECK(l.seccomp["defaultAction"] == "SCMP_ACT_ALLOW");
  CHECK(l.mount_label.starts_with("system_u"));
}

TEST_CASE("loader: other platforms' configs load without a linux section", "[loader]") {
  Config c = parse_json(slurp(vectors() / "good" / "zos-example.json"));
  CHECK_FALSE(c.linux_);
  CHECK(find_namespace(c, NsType::Pid) == nullptr);
  CHECK(c.hooks.create_container.size() == 1);
}

// ---------------------------------------------------------------------------
// Targeted messages.

TEST_CASE("loader: the base document is valid", "[loader]") {
  CHECK(refusal(base()) == "");
  Config c = from_json(base(), "config.json");
  CHECK(c.mounts.size() == 4);
  CHECK(find_namespace(c, NsType::Mount) != nullptr);
  CHECK(find_namespace(c, NsType::Network) == nullptr);
}

TEST_CASE("loader: messages name the file, the field and the fault", "[loader]") {
  struct Case {
    json doc;
    std::string message;
  };
  json mounts = base()["mounts"];
  mounts[3]["destination"] = "tmp";
  json ns = base()["linux"]["namespaces"];
  ns[2]["type"] = "pid";

  const std::vector<Case> cases{
      {with("/mounts", mounts),
       R"(config.json: mounts[3].destination: must be an absolute path, got "tmp")"},
      {with("/process/user/uid", -1),
       "config.json: process.user.uid: must be an unsigned 32-bit integer, got -1"},
      {with("/process/user/gid", 4294967296ULL),
       "config.json: process.user.gid: must be an unsigned 32-bit integer, got 4294967296"},
      {with("/linux/namespaces", ns),
       R"(config.json: linux.namespaces[2].type: duplicate namespace "pid")"},
      {with("/process/capabilities/bounding", {"CAP_KILL", "CAP_CHOWN", "CAP_TEST"}),
       R"(config.json: process.capabilities.bounding[2]: unknown capability "CAP_TEST")"},
      {with("/process/capabilities/ambient", {"sys_admin"}),
       R"(config.json: process.capabilities.ambient[0]: unknown capability "sys_admin")"},
      {without("/ociVersion"), "config.json: ociVersion: is required"},
      {with("/ociVersion", "2.0.0"),
       R"(config.json: ociVersion: must be a 1.x.y version (this runtime implements 1.3.0), got "2.0.0")"},
      {with("/ociVersion", "1.0"),
       R"(config.json: ociVersion: must be a semantic version such as "1.0.0", got "1.0")"},
      {with("/ociVersion", 1), "config.json: ociVersion: must be a string, got 1"},
      {without("/root"), "config.json: root: is required"},
      {without("/root/path"), "config.json: root.path: is required"},
      {with("/root/path", ""), "config.json: root.path: must not be empty"},
      {with("/root/readonly", "yes"),
       R"(config.json: root.readonly: must be a boolean, got "yes")"},
      {without("/process/args"), "config.json: process.args: is required"},
      {with("/process/args", json::array()), "config.json: process.args: must not be empty"},
      {with("/process/args", {"sh", 1}), "config.json: process.args[1]: must be a string, got 1"},
      {with("/process/args", "sh"), R"(config.json: process.args: must be an array, got "sh")"},
      {without("/process/cwd"), "config.json: process.cwd: is required"},
      {with("/process/cwd", "home"),
       R"(config.json: process.cwd: must be an absolute path, got "home")"},
      {with("/process/env/1", false), "config.json: process.env[1]: must be a string, got false"},
      {with("/process/user/additionalGids", {1, -2}),
       "config.json: process.user.additionalGids[1]: must be an unsigned 32-bit integer, got -2"},
      {with("/process/user/umask", 1.5),
       "config.json: process.user.umask: must be an unsigned 32-bit integer, got 1.5"},
      {with("/process/consoleSize", {{"height", 24}}),
       "config.json: process.consoleSize.width: is required"},
      {with("/process/oomScoreAdj", 1LL << 40),
       "config.json: process.oomScoreAdj: must be a 32-bit integer, got 1099511627776"},
      {with("/process/noNewPrivileges", 1),
       "config.json: process.noNewPrivileges: must be a boolean, got 1"},
      {with("/process/rlimits/0/type", "RLIMIT_FOO"),
       R"(config.json: process.rlimits[0].type: unknown rlimit "RLIMIT_FOO")"},
      {with("/process/rlimits/1", {{"type", "RLIMIT_NOFILE"}, {"hard", 1}, {"soft", 1}}),
       R"(config.json: process.rlimits[1].type: duplicate rlimit "RLIMIT_NOFILE")"},
      {with("/process/rlimits/0/hard", -1),
       "config.json: process.rlimits[0].hard: must be an unsigned 64-bit integer, got -1"},
      {without("/process/rlimits/0/soft"), "config.json: process.rlimits[0].soft: is required"},
      {with("/process/scheduler", {{"policy", "SCHED_FOO"}}),
       "config.json: process.scheduler.policy: must be one of SCHED_OTHER, SCHED_FIFO, "
       "SCHED_RR, SCHED_BATCH, SCHED_ISO, SCHED_IDLE, SCHED_DEADLINE, got \"SCHED_FOO\""},
      {with("/process/execCPUAffinity", {{"initial", "0-3;"}}),
       R"(config.json: process.execCPUAffinity.initial: must match ^[0-9, -]*$, got "0-3;")"},
      {with("/mounts", "none"), R"(config.json: mounts: must be an array, got "none")"},
      {with("/mounts/1/type", 7), "config.json: mounts[1].type: must be a string, got 7"},
      {with("/mounts/1/options", {"nosuid", json::object()}),
       "config.json: mounts[1].options[1]: must be a string, got {}"},
      {without("/mounts/0/destination"), "config.json: mounts[0].destination: is required"},
      {with("/mounts/0/uidMappings", {{{"containerID", 0}, {"hostID", 0}}}),
       "config.json: mounts[0].uidMappings[0].size: is required"},
      {with("/hostname", 5), "config.json: hostname: must be a string, got 5"},
      {with("/domainname", json::array()), "config.json: domainname: must be a string, got []"},
      {with("/hooks/prestart/0/path", "true"),
       R"(config.json: hooks.prestart[0].path: must be an absolute path, got "true")"},
      {with("/hooks/poststop", {{{"args", {"x"}}}}),
       "config.json: hooks.poststop[0].path: is required"},
      {with("/hooks/prestart/0/timeout", 0),
       "config.json: hooks.prestart[0].timeout: must be greater than zero, got 0"},
      {with("/hooks/createRuntime", {{{"path", "/bin/x"}, {"env", {1}}}}),
       "config.json: hooks.createRuntime[0].env[0]: must be a string, got 1"},
      {with("/annotations", {{"com.example.a", 1}}),
       R"(config.json: annotations["com.example.a"]: must be a string, got 1)"},
      {with("/annotations", {{"", "x"}}), "config.json: annotations: keys must not be empty"},
      {with("/linux", "yes"), R"(config.json: linux: must be an object, got "yes")"},
      {with("/linux/namespaces/0/type", "pidns"),
       R"(config.json: linux.namespaces[0].type: unknown namespace type "pidns")"},
      {with("/linux/namespaces/1/path", "proc/1/ns/mnt"),
       R"(config.json: linux.namespaces[1].path: must be an absolute path, got "proc/1/ns/mnt")"},
      {without("/linux/namespaces/0/type"), "config.json: linux.namespaces[0].type: is required"},
      {without("/linux/uidMappings/0/hostID"),
       "config.json: linux.uidMappings[0].hostID: is required"},
      {with("/linux/gidMappings", {{{"containerID", 0}, {"hostID", 0}, {"size", -1}}}),
       "config.json: linux.gidMappings[0].size: must be an unsigned 32-bit integer, got -1"},
      {with("/linux/devices/0/type", "x"),
       R"(config.json: linux.devices[0].type: must be one of c, b, u, p, got "x")"},
      {without("/linux/devices/0/major"),
       R"(config.json: linux.devices[0].major: is required for a device of type "c")"},
      {with("/linux/devices/0/path", "dev/fuse"),
       R"(config.json: linux.devices[0].path: must be an absolute path, got "dev/fuse")"},
      {with("/linux/devices/0/fileMode", -438),
       "config.json: linux.devices[0].fileMode: must be an unsigned 32-bit integer, got -438"},
      {with("/linux/maskedPaths", {"/proc/kcore", "proc/keys"}),
       R"(config.json: linux.maskedPaths[1]: must be an absolute path, got "proc/keys")"},
      {with("/linux/readonlyPaths", {"sys"}),
       R"(config.json: linux.readonlyPaths[0]: must be an absolute path, got "sys")"},
      {with("/linux/rootfsPropagation", "bogus"),
       "config.json: linux.rootfsPropagation: must be one of private, rprivate, slave, rslave, "
       "shared, rshared, unbindable, runbindable, got \"bogus\""},
      {with("/linux/sysctl", {{"net.ipv4.ip_forward", 1}}),
       R"(config.json: linux.sysctl["net.ipv4.ip_forward"]: must be a string, got 1)"},
      {with("/linux/cgroupsPath", 3), "config.json: linux.cgroupsPath: must be a string, got 3"},
      {with("/linux/mountLabel", true),
       "config.json: linux.mountLabel: must be a string, got true"},
      {with("/linux/resources/memory/limit", "1G"),
       R"(config.json: linux.resources.memory.limit: must be a 64-bit integer, got "1G")"},
      {with("/linux/resources/pids", json::object()),
       "config.json: linux.resources.pids.limit: is required"},
      {with("/linux/resources/blockIO", {{"weight", 70000}}),
       "config.json: linux.resources.blockIO.weight: must be an unsigned 16-bit integer, got "
       "70000"},
      {with("/linux/resources/devices", {{{"access", "rwm"}}}),
       "config.json: linux.resources.devices[0].allow: is required"},
      {with("/linux/resources/unified", {{"memory.max", 5}}),
       R"(config.json: linux.resources.unified["memory.max"]: must be a string, got 5)"},
      {with("/linux/resources/hugepageLimits", {{{"pageSize", "2MB"}}}),
       "config.json: linux.resources.hugepageLimits[0].limit: is required"},
      {with("/linux/resources/network/priorities", {{{"name", "eth0"}, {"priority", -1}}}),
       "config.json: linux.resources.network.priorities[0].priority: must be an unsigned 32-bit "
       "integer, got -1"},
      {without("/linux/seccomp/defaultAction"),
       "config.json: linux.seccomp.defaultAction: is required"},
      {with("/linux/seccomp/syscalls", {{{"names", json::array()}, {"action", "SCMP_ACT_ERRNO"}}}),
       "config.json: linux.seccomp.syscalls[0].names: must have at least 1 item(s)"},
      {with("/linux/seccomp/architectures", {"SCMP_ARCH_Z80"}),
       "config.json: linux.seccomp.architectures[0]: must be one of SCMP_ARCH_X86, "},
      {with("/linux/timeOffsets", {{"monotonic", {{"secs", "x"}}}}),
       R"(config.json: linux.timeOffsets.monotonic.secs: must be a 64-bit integer, got "x")"},
      {with("/linux/intelRdt", {{"memBwSchema", "L3:0=ff"}}),
       R"(config.json: linux.intelRdt.memBwSchema: must match ^MB:[^\n]*$, got "L3:0=ff")"},
      {json::array({1}), "config.json: must be an object, got [1]"},
  };
  for (const Case& c : cases) {
    INFO(c.doc.dump());
    CHECK_THAT(refusal(c.doc), Catch::StartsWith(c.message));
  }
}

TEST_CASE("loader: long values are cut short in messages", "[loader]") {
  std::string msg = refusal(with("/process/cwd", std::string(500, 'x')));
  CHECK(msg.size() < 140);
  CHECK_THAT(msg, Catch::EndsWith("..."));
}

TEST_CASE("loader: semantic versions", "[loader]") {
  for (const char* ok : {"1.0.0", "1.2.3", "1.0.0-rc.1", "1.0.2-dev", "1.1.0+build.5",
                         "1.3.0-rc.1+dirty", "0.5.0-dev", "1.10.100"}) {
    INFO(ok);
    CHECK(refusal(with("/ociVersion", ok)) == "");
  }
  for (const char* bad : {"", "1", "1.0", "1.0.0.0", "01.0.0", "1.01.0", "1.0.0-", "1.0.0+",
                          "1.0.0-01", "1.0.0-a..b", "v1.0.0", "1.0.x", " 1.0.0"}) {
    INFO(bad);
    CHECK_THAT(refusal(with("/ociVersion", bad)), Catch::Contains("must be a semantic version"));
  }
  CHECK_THAT(refusal(with("/ociVersion", "10.0.0")), Catch::Contains("must be a 1.x.y version"));
}

TEST_CASE("loader: unknown properties are ignored, null is absent", "[loader]") {
  json doc = base();
  doc["futureField"] = {{"x", 1}};
  doc["process"]["newThing"] = true;
  doc["mounts"][0]["extra"] = 1;
  doc["linux"]["unknownSection"] = "x";
  doc["linux"]["resources"]["newController"] = {1, 2};
  doc["linux"]["seccomp"]["newKnob"] = 1;
  doc["windows"] = {{"anything", "goes"}};
  doc["vm"] = 7;
  CHECK(refusal(doc) == "");

  json nulls = base();
  nulls["hostname"] = nullptr;
  nulls["process"]["capabilities"] = nullptr;
  nulls["linux"]["resources"] = nullptr;
  Config c = from_json(nulls, "config.json");
  CHECK(c.hostname.empty());
  CHECK_FALSE(c.process->capabilities);
  CHECK(c.linux_->resources.is_null());
  CHECK_THAT(refusal(with("/process/cwd", nullptr)), Catch::EndsWith("process.cwd: is required"));
}

TEST_CASE("loader: optional fields stay unset, limits are exact", "[loader]") {
  Config c = from_json(base(), "config.json");
  CHECK_FALSE(c.process->user.umask);
  CHECK_FALSE(c.process->oom_score_adj);
  CHECK_FALSE(c.process->console_size);
  CHECK_FALSE(c.linux_->devices[0].file_mode);
  CHECK(c.process->capabilities->effective.empty());

  json doc = base();
  doc["process"]["user"]["uid"] = 4294967295ULL;
  doc["process"]["user"]["umask"] = 0;
  doc["process"]["rlimits"][0]["hard"] = 18446744073709551615ULL;
  doc["process"]["oomScoreAdj"] = -1000;
  doc["linux"]["devices"][0]["major"] = -1;
  doc["linux"]["devices"].push_back({{"path", "/dev/fifo"}, {"type", "p"}});
  doc["linux"]["namespaces"][0]["path"] = "/proc/1/ns/pid";
  doc["linux"]["namespaces"][1]["path"] = "";
  c = from_json(doc, "config.json");
  CHECK(c.process->user.uid == 4294967295u);
  CHECK(c.process->user.umask == 0u);
  CHECK(c.process->rlimits[0].hard == UINT64_MAX);
  CHECK(c.process->oom_score_adj == -1000);
  CHECK(c.linux_->devices[0].major == -1);
  CHECK(c.linux_->devices[1].type == 'p');
  CHECK(find_namespace(c, NsType::Pid)->path == "/proc/1/ns/pid");
  CHECK(find_namespace(c, NsType::Mount)->path.empty());
}

TEST_CASE("loader: invalid JSON is one line naming the file", "[loader]") {
  for (const char* text : {"", "{", "{\"ociVersion\": }", "[1,]", "{\"a\": 1} x", "\"\xff\""}) {
    INFO(text);
    std::string msg = json_refusal(text);
    CHECK_THAT(msg, Catch::StartsWith("config.json: invalid JSON: "));
    CHECK(msg.find('\n') == std::string::npos);
    CHECK(msg.find("[json.exception") == std::string::npos);
  }
  CHECK_THAT(refusal_of([] { parse_json("{]", "bundle.json"); }).message,
             Catch::StartsWith("bundle.json: invalid JSON: parse error at line 1"));
  CHECK_THAT(json_refusal("{\"ociVersion\": \"1.0.0\"}"),
             Catch::Equals("config.json: root: is required"));
}

// ---------------------------------------------------------------------------
// YAML.

TEST_CASE("yaml: every good vector loads the same as JSON", "[loader][yaml]") {
  // JSON is YAML's flow style: the very same text must give the same config.
  for (const auto& entry : fs::directory_iterator(vectors() / "good")) {
    INFO(entry.path().filename().string());
    std::string text = slurp(entry.path());
    CHECK(describe(parse_yaml(text)) == describe(parse_json(text)));
  }
}

TEST_CASE("yaml: block style equals the JSON document", "[loader][yaml]") {
  const char* yaml = R"(
ociVersion: 1.2.0
root:
  path: rootfs
  readonly: true
process:
  args: [sh]
  cwd: /
  env:
    - PATH=/bin
  user: {uid: 0, gid: 0}
  capabilities:
    bounding:
      - CAP_KILL
  rlimits:
    - type: RLIMIT_NOFILE
      hard: 1024
      soft: 0x400
mounts:
  - {destination: /proc, type: proc, source: proc}
  - destination: /dev
    type: tmpfs
    source: tmpfs
    options: [nosuid]
  - {destination: /dev/pts, type: devpts, source: devpts}
  - {destination: /tmp, type: tmpfs, source: tmpfs}
hooks:
  prestart:
    - path: /bin/true
linux:
  namespaces:
    - type: pid
    - type: mount
    - type: ipc
  uidMappings:
    - containerID: 0
      hostID: 1000
      size: 1
  devices:
    - {path: /dev/fuse, type: c, major: 10, minor: 229}
  maskedPaths: [/proc/kcore]
  resources:
    memory:
      limit: 1048576
  seccomp:
    defaultAction: SCMP_ACT_ALLOW
)";
  CHECK(describe(parse_yaml(yaml)) == describe(from_json(base(), "config.json")));
}

TEST_CASE("yaml: plain scalars are typed, quoted ones are strings", "[loader][yaml]") {
  const std::string head = "ociVersion: \"1.0.0\"\nroot: {path: rootfs}\n";
  Config c =
      parse_yaml(head +
                 "hostname: '123'\n"
                 "domainname: \"true\"\n"
                 "annotations:\n  a: 'null'\n  b: \"0x10\"\n  c: !!str 12\n  d: |\n    text\n");
  CHECK(c.hostname == "123");
  CHECK(c.domainname == "true");
  CHECK(c.annotations.at("a") == "null");
  CHECK(c.annotations.at("b") == "0x10");
  CHECK(c.annotations.at("c") == "12");
  CHECK(c.annotations.at("d") == "text\n");

  CHECK(yaml_refusal(head + "hostname: 123\n") ==
        "config.yaml: hostname: must be a string, got 123");
  CHECK(yaml_refusal(head + "hostname: true\n") ==
        "config.yaml: hostname: must be a string, got true");
  CHECK(yaml_refusal(head + "hostname: 1.5e3\n") ==
        "config.yaml: hostname: must be a string, got 1500.0");
  CHECK(yaml_refusal("ociVersion: 1.0.0\nroot: {path: rootfs, readonly: yes}\n") ==
        R"(config.yaml: root.readonly: must be a boolean, got "yes")");
  // null and ~ and an empty value are all absent.
  c = parse_yaml(head + "hostname: ~\ndomainname: null\nmounts:\n");
  CHECK(c.hostname.empty());
  CHECK(c.mounts.empty());

  const std::string proc = head + "process: {args: [sh], cwd: /, user: {uid: ";
  auto uid = [&](const std::string& v) { return parse_yaml(proc + v + "}}\n").process->user.uid; };
  CHECK(uid("42") == 42);
  CHECK(uid("+42") == 42);
  CHECK(uid("0x1F") == 31);
  CHECK(uid("0o17") == 15);
  CHECK(uid("0644") == 0644);
  CHECK(uid("0") == 0);
  CHECK(uid("4294967295") == 4294967295u);
  CHECK(yaml_refusal(proc + "-1}}\n") ==
        "config.yaml: process.user.uid: must be an unsigned 32-bit integer, got -1");
  CHECK(yaml_refusal(proc + "'5'}}\n") ==
        R"(config.yaml: process.user.uid: must be an unsigned 32-bit integer, got "5")");
  CHECK(yaml_refusal(proc + "1.0}}\n") ==
        "config.yaml: process.user.uid: must be an unsigned 32-bit integer, got 1.0");
  CHECK_THAT(yaml_refusal(proc + "99999999999999999999999}}\n"),
             Catch::StartsWith("config.yaml: process.user.uid: must be an unsigned 32-bit "
                               "integer, got 9.99"));
}

TEST_CASE("yaml: syntax errors name the file and the line", "[loader][yaml]") {
  std::string msg = yaml_refusal("ociVersion: 1.0.0\nroot: [path\nhostname: x\n");
  CHECK_THAT(msg, Catch::StartsWith("config.yaml: invalid YAML: line "));
  CHECK(msg.find('\n') == std::string::npos);
  CHECK(yaml_refusal("a: b: c\n").starts_with("config.yaml: invalid YAML: line 1, column "));
  CHECK_THAT(
      yaml_refusal("ociVersion: 1.0.0\nociVersion: 1.0.0\n"),
      Catch::Equals(R"(config.yaml: invalid YAML: line 2, column 1: duplicate key "ociVersion")"));
  CHECK_THAT(yaml_refusal("? [a, b]\n: c\n"),
             Catch::Contains("invalid YAML: line 1, column 3: mapping keys must be scalars"));
  CHECK(yaml_refusal("") == "config.yaml: must be an object, got null");
  CHECK(yaml_refusal("- a\n") == R"(config.yaml: must be an object, got ["a"])");
  CHECK_THAT(yaml_refusal("{", "config.yml"), Catch::StartsWith("config.yml: invalid YAML: "));
}

TEST_CASE("yaml: aliases are followed, within bounds", "[loader][yaml]") {
  // Found by fuzz_config_yaml (tests/fuzz/crashes/config_yaml/): an alias in
  // its own anchor overflowed the stack, nested aliases took gigabytes.
  Config c = parse_yaml(
      "ociVersion: 1.0.0\nroot: &r {path: rootfs}\n"
      "annotations: {a: &v x, b: *v}\n");
  CHECK(c.annotations.at("b") == "x");
  CHECK(yaml_refusal("&a [*a]") ==
        "config.yaml: invalid YAML: line 1, column 1: an alias refers to a node that contains it");
  CHECK_THAT(yaml_refusal("ociVersion: 1.0.0\nroot: &a {path: x, more: [*a]}\n"),
             Catch::EndsWith("an alias refers to a node that contains it"));
  std::string bomb = "a: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    bomb += "b" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) bomb += (j ? ", " : "") + prev;
    bomb += "]\n";
  }
  CHECK_THAT(yaml_refusal(bomb),
             Catch::EndsWith("more than 200000 values once aliases are expanded"));
  std::string deep = std::string(200, '[') + std::string(200, ']');
  CHECK_THAT(yaml_refusal(deep), Catch::EndsWith("nested deeper than 128 levels"));
}

// ---------------------------------------------------------------------------
// Bundles.

TEST_CASE("load_bundle: config.json, then config.yaml, then config.yml", "[loader][bundle]") {
  TempDir dir;
  Refusal empty = bundle_refusal(dir.path);
  CHECK(empty.message == (dir.path / "config.json").string() + ": No such file or directory");
  CHECK(empty.code == ENOENT);

  dir.write("config.yml", "ociVersion: 1.0.0\nroot: {path: yml}\n");
  CHECK(load_bundle(dir.path.string()).root.path == "yml");
  dir.write("config.yaml", "ociVersion: 1.0.0\nroot: {path: yaml}\n");
  CHECK(load_bundle(dir.path.string()).root.path == "yaml");
  CHECK(load_bundle(dir.path.string() + "/").root.path == "yaml");
  dir.write("config.json", R"({"ociVersion": "1.0.0", "root": {"path": "json"}})");
  CHECK(load_bundle(dir.path.string()).root.path == "json");

  dir.write("config.json", R"({"ociVersion": "1.0.0"})");
  CHECK(bundle_refusal(dir.path).message == "config.json: root: is required");
  fs::remove(dir.path / "config.json");
  dir.write("config.yaml", "ociVersion: 1.0.0\nroot: {path: /x, readonly: 2}\n");
  CHECK(bundle_refusal(dir.path).message == "config.yaml: root.readonly: must be a boolean, got 2");
}

TEST_CASE("load_bundle: a missing bundle directory names the path", "[loader][bundle]") {
  TempDir dir;
  std::string missing = (dir.path / "nope").string();
  CHECK(bundle_refusal(missing).message == missing + "/config.json: No such file or directory");
}

TEST_CASE("load_bundle: an unreadable config.json is an error, not a fallback",
          "[loader][bundle]") {
  TempDir dir;
  fs::create_directory(dir.path / "config.json");
  dir.write("config.yaml", "ociVersion: 1.0.0\nroot: {path: yaml}\n");
  Refusal r = bundle_refusal(dir.path);
  CHECK_THAT(r.message, Catch::StartsWith((dir.path / "config.json").string() + ": "));
  CHECK(r.code == EISDIR);
}

// ---------------------------------------------------------------------------
// `ocirun spec`.

TEST_CASE("default_spec: loads, and is runc's starter config", "[loader][spec]") {
  json spec = default_spec(false);
  Config c = from_json(spec, "config.json");
  CHECK(c.oci_version == kOciVersion);
  CHECK(c.root.path == "rootfs");
  CHECK(c.root.readonly);
  CHECK(c.hostname == "ocirun");
  REQUIRE(c.process);
  CHECK(c.process->terminal);
  CHECK(c.process->args == std::vector<std::string>{"sh"});
  CHECK(c.process->env.size() == 2);
  CHECK(c.process->env[1] == "TERM=xterm");
  CHECK(c.process->cwd == "/");
  CHECK(c.process->no_new_privileges);
  const std::vector<std::string> caps{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  CHECK(c.process->capabilities->bounding == caps);
  CHECK(c.process->capabilities->effective == caps);
  CHECK(c.process->capabilities->permitted == caps);
  CHECK(c.process->capabilities->inheritable.empty());
  REQUIRE(c.process->rlimits.size() == 1);
  CHECK(c.process->rlimits[0].type == "RLIMIT_NOFILE");
  CHECK(c.process->rlimits[0].hard == 1024);
  CHECK(c.process->rlimits[0].soft == 1024);

  std::vector<std::string> destinations;
  for (const auto& m : c.mounts) destinations.push_back(m.destination);
  CHECK(destinations == std::vector<std::string>{"/proc", "/dev", "/dev/pts", "/dev/shm",
                                                 "/dev/mqueue", "/sys", "/sys/fs/cgroup"});
  CHECK(c.mounts[0].options.empty());
  CHECK(c.mounts[1].options ==
        std::vector<std::string>{"nosuid", "strictatime", "mode=755", "size=65536k"});
  CHECK(c.mounts[2].options.back() == "gid=5");
  CHECK(c.mounts[5].type == "sysfs");
  CHECK(c.mounts[5].options.back() == "ro");
  CHECK(c.mounts[6].type == "cgroup");

  REQUIRE(c.linux_);
  std::vector<std::string> ns;
  for (const auto& n : c.linux_->namespaces)
    ns.emplace_back(ocirun::ns::namespace_info(n.type).name);
  CHECK(ns == std::vector<std::string>{"pid", "network", "ipc", "uts", "mount", "cgroup"});
  CHECK(c.linux_->uid_mappings.empty());
  CHECK(c.linux_->masked_paths.size() == 11);
  CHECK(c.linux_->readonly_paths.size() == 5);
  CHECK(c.linux_->resources["devices"][0]["access"] == "rwm");
  CHECK(c.linux_->resources["devices"][0]["allow"] == false);
  // It is written as JSON and must read back the same.
  CHECK(json::parse(spec.dump(4)) == spec);
}

TEST_CASE("default_spec: rootless maps the caller and needs no privilege", "[loader][spec]") {
  Config c = from_json(default_spec(true, 1234, 5678), "config.json");
  REQUIRE(c.linux_);
  const Linux& l = *c.linux_;
  REQUIRE(l.uid_mappings.size() == 1);
  CHECK(l.uid_mappings[0].container_id == 0);
  CHECK(l.uid_mappings[0].host_id == 1234);
  CHECK(l.uid_mappings[0].size == 1);
  REQUIRE(l.gid_mappings.size() == 1);
  CHECK(l.gid_mappings[0].host_id == 5678);
  CHECK(find_namespace(c, NsType::User));
  CHECK_FALSE(find_namespace(c, NsType::Network));
  CHECK_FALSE(find_namespace(c, NsType::Cgroup));
  CHECK(find_namespace(c, NsType::Pid));
  CHECK(find_namespace(c, NsType::Mount));
  CHECK(l.resources.is_null());
  for (const auto& m : c.mounts)
    for (const auto& o : m.options) {
      CHECK_FALSE(o.starts_with("gid="));
      CHECK_FALSE(o.starts_with("uid="));
    }
  const Mount& sys = c.mounts.at(5);
  CHECK(sys.destination == "/sys");
  CHECK(sys.source == "/sys");
  CHECK(sys.type == "none");
  CHECK(sys.options == std::vector<std::string>{"rbind", "nosuid", "noexec", "nodev", "ro"});

  json own = default_spec(true);
  CHECK(own["linux"]["uidMappings"][0]["hostID"] == getuid());
  CHECK(own["linux"]["gidMappings"][0]["hostID"] == getgid());
}

TEST_CASE("loader: JSON too deep or with a number out of range is an error naming the file",
          "[loader]") {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  CHECK_THROWS_WITH(ocirun::spec::parse_json(deep, "config.json"),
                    Catch::StartsWith("config.json: invalid JSON: nested deeper than"));
  CHECK_THROWS_WITH(ocirun::spec::parse_json(R"({"ociVersion": 1e999})", "config.json"),
                    Catch::StartsWith("config.json: invalid JSON: a number out of range"));
}
