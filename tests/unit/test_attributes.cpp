// The process and kernel attributes: sysctl names and who may set them, CPU
// lists, scheduler, I/O priority, personality and time offsets, and the
// loader's messages for them.
#include <sched.h>
#include <sys/personality.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "namespaces/plan.hpp"
#include "runtime/process/attributes.hpp"
#include "runtime/spec/loader.hpp"
#include "runtime/sys/error.hpp"

using namespace ocirun;
using json = nlohmann::json;
using spec::NsType;

namespace {

std::vector<spec::Namespace> namespaces(std::initializer_list<spec::Namespace> nss) {
  return nss;
}

// A valid config with the given namespaces, to add one attribute at a time.
json doc(json nss = json::array({{{"type", "mount"}}})) {
  json d = json::parse(R"({
    "ociVersion": "1.2.0",
    "root": {"path": "rootfs"},
    "process": {"args": ["sh"], "cwd": "/"},
    "linux": {}
  })");
  d["linux"]["namespaces"] = std::move(nss);
  return d;
}

json with(json d, const std::string& pointer, json value) {
  d[json::json_pointer(pointer)] = std::move(value);
  return d;
}

std::string refusal(const json& d) {
  try {
    spec::from_json(d, "config.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string cpu_list_error(std::string_view list) {
  try {
    spec::parse_cpu_list(list);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

// ---------------------------------------------------------------------------
// sysctl

TEST_CASE("sysctl: names map to files under /proc/sys", "[attributes]") {
  CHECK(process::sysctl_path("net.ipv4.ip_forward") == "/proc/sys/net/ipv4/ip_forward");
  CHECK(process::sysctl_path("kernel.shmmax") == "/proc/sys/kernel/shmmax");
  CHECK(process::sysctl_path("fs.mqueue.msg_max") == "/proc/sys/fs/mqueue/msg_max");
  // sysctl(8): in a dotted name a '/' stands for a dot of a component ...
  CHECK(process::sysctl_path("net.ipv4.conf.eth0/100.forwarding") ==
        "/proc/sys/net/ipv4/conf/eth0.100/forwarding");
  // ... and a name whose first separator is '/' is slash-separated.
  CHECK(process::sysctl_path("net/ipv4/conf/eth0.100/forwarding") ==
        "/proc/sys/net/ipv4/conf/eth0.100/forwarding");
  CHECK(process::sysctl_path("kernel") == "/proc/sys/kernel");
}

TEST_CASE("sysctl: malformed names are refused, never leave /proc/sys", "[attributes]") {
  for (const char* bad : {"", ".", "net..ipv4", ".net.ipv4", "net.ipv4.", "net/../../etc/passwd",
                          "net/./x", "net.ipv4.conf../forwarding", "/net/ipv4", "net//ipv4"}) {
    INFO(bad);
    CHECK_FALSE(process::sysctl_path(bad));
    CHECK_THAT(spec::sysctl_refusal(bad, {}), Catch::EndsWith("is not a valid sysctl name"));
  }
}

TEST_CASE("sysctl: only the container's namespaces' parameters", "[attributes]") {
  auto all = namespaces({{NsType::Network, ""}, {NsType::Ipc, ""}, {NsType::Uts, ""}});
  for (const char* ok :
       {"net.ipv4.ip_forward", "net.core.somaxconn", "kernel.msgmax", "kernel.msgmnb",
        "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni",
        "kernel.shm_rmid_forced", "fs.mqueue.msg_max", "fs.mqueue.queues_max", "kernel.hostname",
        "kernel.domainname", "net/ipv4/ip_forward"}) {
    INFO(ok);
    CHECK(spec::sysctl_refusal(ok, all) == "");
  }
  CHECK(spec::sysctl_refusal("vm.swappiness", all) ==
        R"("vm.swappiness" is not namespaced; refusing to set it in a container)");
  for (const char* host : {"kernel.pid_max", "kernel.shm", "kernel.hostnames", "fs.file-max", "net",
                           "kernel.sem.x", "fs.mqueue", "user.max_user_namespaces"}) {
    INFO(host);
    CHECK_THAT(spec::sysctl_refusal(host, all), Catch::EndsWith("is not namespaced; refusing "
                                                                "to set it in a container"));
  }
}

TEST_CASE("sysctl: the namespace each family needs", "[attributes]") {
  auto none = namespaces({{NsType::Mount, ""}});
  CHECK(spec::sysctl_refusal("net.ipv4.ip_forward", none) ==
        R"("net.ipv4.ip_forward" needs a network namespace of the container's own )"
        R"((linux.namespaces has no "network" entry))");
  CHECK(spec::sysctl_refusal("kernel.shmmax", none) ==
        R"("kernel.shmmax" needs an IPC namespace of the container's own )"
        R"((linux.namespaces has no "ipc" entry))");
  CHECK_THAT(spec::sysctl_refusal("fs.mqueue.msg_max", none), Catch::Contains("IPC namespace"));
  CHECK(spec::sysctl_refusal("kernel.hostname", none) ==
        R"("kernel.hostname" needs a UTS namespace of the container's own )"
        R"((linux.namespaces has no "uts" entry))");
  // A namespace joined by path is the container's too.
  CHECK(spec::sysctl_refusal("net.ipv4.ip_forward",
                             namespaces({{NsType::Network, "/var/run/netns/x"}})) == "");
  // Another family's namespace does not help.
  CHECK(spec::sysctl_refusal("kernel.shmmax", namespaces({{NsType::Network, ""}})) != "");
}

// ---------------------------------------------------------------------------
// CPU lists

TEST_CASE("cpu lists: numbers and ranges", "[attributes]") {
  using V = std::vector<unsigned>;
  CHECK(spec::parse_cpu_list("0-3,7") == V{0, 1, 2, 3, 7});
  CHECK(spec::parse_cpu_list("1") == V{1});
  CHECK(spec::parse_cpu_list("5,1,3-4,1") == V{1, 3, 4, 5});
  CHECK(spec::parse_cpu_list(" 0 - 1 , 3 ") == V{0, 1, 3});
  CHECK(spec::parse_cpu_list("2-2") == V{2});
  CHECK(spec::parse_cpu_list("").empty());
  CHECK(spec::parse_cpu_list("  ").empty());
  CHECK(spec::parse_cpu_list("8191").back() == 8191);
}

TEST_CASE("cpu lists: faults are named", "[attributes]") {
  CHECK(cpu_list_error("3-1") == R"(CPU range "3-1" is reversed)");
  CHECK(cpu_list_error("1,,2") == R"(empty item in CPU list "1,,2")");
  CHECK(cpu_list_error("1,") == R"(empty item in CPU list "1,")");
  CHECK(cpu_list_error("1-") == R"("1-" is not a CPU number or range)");
  CHECK(cpu_list_error("-1") == R"("-1" is not a CPU number or range)");
  CHECK(cpu_list_error("1-2-3") == R"("1-2-3" is not a CPU number or range)");
  CHECK(cpu_list_error("1 2") == R"("1 2" is not a CPU number or range)");
  CHECK(cpu_list_error("8192") ==
        "CPU 8192 is beyond the largest CPU number Linux supports (8191)");
  CHECK(cpu_list_error("99999999999999999999") ==
        R"("99999999999999999999" is not a CPU number or range)");
}

TEST_CASE("cpu lists: the init takes final, else initial", "[attributes]") {
  CHECK(spec::init_cpu_list({"0", "1"}) == "1");
  CHECK(spec::init_cpu_list({"0", ""}) == "0");
  CHECK(spec::init_cpu_list({"", "1"}) == "1");
  CHECK_FALSE(spec::init_cpu_list({"", " "}));
}

// ---------------------------------------------------------------------------
// scheduler, I/O priority, personality, time offsets

TEST_CASE("scheduler: the attributes sched_setattr gets", "[attributes]") {
  spec::Scheduler s;
  s.policy = "SCHED_FIFO";
  s.priority = 10;
  s.flags = {"SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_KEEP_PARAMS"};
  auto a = process::sched_attr(s);
  CHECK(a.policy == SCHED_FIFO);
  CHECK(a.priority == 10);
  CHECK(a.flags == 0x11);

  spec::Scheduler batch;
  batch.policy = "SCHED_BATCH";
  batch.nice = 5;
  CHECK(process::sched_attr(batch).policy == SCHED_BATCH);
  CHECK(process::sched_attr(batch).nice == 5);

  CHECK(spec::sched_policy_value("SCHED_OTHER") == SCHED_OTHER);
  CHECK(spec::sched_policy_value("SCHED_RR") == SCHED_RR);
  CHECK(spec::sched_policy_value("SCHED_IDLE") == SCHED_IDLE);
  CHECK(spec::sched_policy_value("SCHED_DEADLINE") == 6);
  CHECK_FALSE(spec::sched_policy_value("SCHED_FOO"));
}

TEST_CASE("scheduler: values the kernel refuses", "[attributes]") {
  auto sched = [](std::string policy, int32_t priority = 0, uint64_t runtime = 0,
                  uint64_t deadline = 0, uint64_t period = 0) {
    spec::Scheduler s;
    s.policy = std::move(policy);
    s.priority = priority;
    s.runtime = runtime;
    s.deadline = deadline;
    s.period = period;
    return s;
  };
  auto problem = [](spec::Scheduler s) {
    auto p = spec::check_scheduler(s);
    return p ? p->field + ": " + p->message : std::string();
  };
  spec::Scheduler s = sched("SCHED_OTHER");
  CHECK(problem(s) == "");
  s.nice = 20;
  CHECK(problem(s) == "nice: must be between -20 and 19, got 20");
  s = sched("SCHED_OTHER", 3);
  CHECK(problem(s) ==
        "priority: must be 0 for SCHED_OTHER (only SCHED_FIFO and SCHED_RR have "
        "priorities), got 3");
  s = sched("SCHED_RR");
  CHECK(problem(s) == "priority: must be between 1 and 99 for SCHED_RR, got 0");
  s = sched("SCHED_DEADLINE");
  CHECK(problem(s) == "deadline: is required for SCHED_DEADLINE");
  s = sched("SCHED_DEADLINE", 0, 2000000, 1000000);
  CHECK(problem(s) == "runtime: must not exceed deadline (1000000), got 2000000");
  s = sched("SCHED_DEADLINE", 0, 100, 1000000);
  CHECK(problem(s) == "runtime: must be at least 1024 (nanoseconds) for SCHED_DEADLINE, got 100");
  s = sched("SCHED_DEADLINE", 0, 10000, 20000, 10000);
  CHECK(problem(s) == "deadline: must not exceed period (10000), got 20000");
  s = sched("SCHED_DEADLINE", 0, 10000, 20000, 30000);
  CHECK(problem(s) == "");
  CHECK_THROWS_AS(process::sched_attr(sched("SCHED_RR")), Error);
}

TEST_CASE("ioPriority: class and level", "[attributes]") {
  CHECK(process::ioprio_value({"IOPRIO_CLASS_RT", 3}) == (1 << 13 | 3));
  CHECK(process::ioprio_value({"IOPRIO_CLASS_BE", 7}) == (2 << 13 | 7));
  CHECK(process::ioprio_value({"IOPRIO_CLASS_IDLE", 0}) == 3 << 13);
  CHECK_FALSE(process::ioprio_value({"IOPRIO_CLASS_NONE", 0}));
  CHECK_FALSE(spec::check_io_priority({"IOPRIO_CLASS_BE", 0}));
  auto p = spec::check_io_priority({"IOPRIO_CLASS_BE", 8});
  REQUIRE(p);
  CHECK(p->field == "priority");
  CHECK(p->message == "must be between 0 and 7, got 8");
}

TEST_CASE("personality: domains", "[attributes]") {
  CHECK(process::personality_value({"LINUX", {}}) == PER_LINUX);
  CHECK(process::personality_value({"LINUX32", {"ADDR_NO_RANDOMIZE"}}) == PER_LINUX32);
  CHECK_FALSE(process::personality_value({"", {}}));
}

TEST_CASE("timeOffsets: the text of timens_offsets, and the namespace they need", "[attributes]") {
  spec::TimeOffsets t;
  t.monotonic = spec::TimeOffset{172800, 0};
  t.boottime = spec::TimeOffset{-5, 500};
  CHECK(ns::timens_offsets_text(t) == "monotonic 172800 0\nboottime -5 500\n");
  CHECK(ns::timens_offsets_text({}) == "");

  CHECK_FALSE(spec::check_time_offsets(t, namespaces({{NsType::Time, ""}})));
  auto none = spec::check_time_offsets(t, namespaces({{NsType::Mount, ""}}));
  REQUIRE(none);
  CHECK(none->message ==
        R"(needs a time namespace of the container's own (linux.namespaces has no "time" entry))");
  auto joined = spec::check_time_offsets(t, namespaces({{NsType::Time, "/proc/1/ns/time"}}));
  REQUIRE(joined);
  CHECK_THAT(joined->message,
             Catch::StartsWith("cannot set the clocks of a time namespace joined"));
  CHECK(spec::check_time_offset({0, 999999999}) == std::nullopt);
  CHECK(spec::check_time_offset({0, 1000000000})->field == "nanosecs");
}

// ---------------------------------------------------------------------------
// The loader refuses them before anything is created, naming the field.

TEST_CASE("loader: attribute fields decode into the typed config", "[attributes]") {
  json d = doc({{{"type", "mount"}}, {{"type", "network"}}, {{"type", "time"}}});
  d["process"]["scheduler"] = {
      {"policy", "SCHED_RR"}, {"priority", 5}, {"flags", {"SCHED_FLAG_RESET_ON_FORK"}}};
  d["process"]["ioPriority"] = {{"class", "IOPRIO_CLASS_IDLE"}, {"priority", 4}};
  d["process"]["execCPUAffinity"] = {{"initial", "0"}, {"final", "0-1"}};
  d["linux"]["personality"] = {{"domain", "LINUX32"}, {"flags", json::array()}};
  d["linux"]["timeOffsets"] = {{"boottime", {{"secs", 3600}, {"nanosecs", 7}}}};
  d["linux"]["sysctl"] = {{"net.ipv4.ip_forward", "1"}};
  spec::Config c = spec::from_json(d, "config.json");
  REQUIRE(c.process->scheduler);
  CHECK(c.process->scheduler->policy == "SCHED_RR");
  CHECK(c.process->scheduler->priority == 5);
  CHECK(c.process->scheduler->flags == std::vector<std::string>{"SCHED_FLAG_RESET_ON_FORK"});
  REQUIRE(c.process->io_priority);
  CHECK(c.process->io_priority->io_class == "IOPRIO_CLASS_IDLE");
  CHECK(c.process->io_priority->priority == 4);
  REQUIRE(c.process->exec_cpu_affinity);
  CHECK(c.process->exec_cpu_affinity->initial == "0");
  CHECK(c.process->exec_cpu_affinity->final == "0-1");
  REQUIRE(c.linux_->personality);
  CHECK(c.linux_->personality->domain == "LINUX32");
  REQUIRE(c.linux_->time_offsets);
  CHECK_FALSE(c.linux_->time_offsets->monotonic);
  CHECK(c.linux_->time_offsets->boottime->secs == 3600);
  CHECK(c.linux_->time_offsets->boottime->nanosecs == 7);
}

TEST_CASE("loader: attribute messages name the field", "[attributes]") {
  const json mnt = {{{"type", "mount"}}};
  struct Case {
    json doc;
    std::string message;
  };
  const std::vector<Case> cases{
      {with(doc(), "/linux/sysctl", {{"vm.swappiness", "10"}}),
       R"(config.json: linux.sysctl: "vm.swappiness" is not namespaced; refusing to set it in a container)"},
      {with(doc(), "/linux/sysctl", {{"net.ipv4.ip_forward", "1"}}),
       R"(config.json: linux.sysctl: "net.ipv4.ip_forward" needs a network namespace)"},
      {with(doc(), "/linux/sysctl", {{"kernel.shmmax", "1"}}),
       R"(config.json: linux.sysctl: "kernel.shmmax" needs an IPC namespace)"},
      {with(doc(), "/linux/sysctl", {{"kernel.hostname", "x"}}),
       R"(config.json: linux.sysctl: "kernel.hostname" needs a UTS namespace)"},
      {with(doc(), "/linux/sysctl", {{"net/../../x", "1"}}),
       R"(config.json: linux.sysctl: "net/../../x" is not a valid sysctl name)"},
      {with(doc(), "/process/scheduler", {{"policy", "SCHED_FIFO"}}),
       "config.json: process.scheduler.priority: must be between 1 and 99 for SCHED_FIFO, got 0"},
      {with(doc(), "/process/scheduler", {{"policy", "SCHED_OTHER"}, {"nice", -21}}),
       "config.json: process.scheduler.nice: must be between -20 and 19, got -21"},
      {with(doc(), "/process/scheduler", {{"nice", 1}}),
       "config.json: process.scheduler.policy: is required"},
      {with(doc(), "/process/scheduler", {{"policy", "SCHED_OTHER"}, {"flags", {"X"}}}),
       "config.json: process.scheduler.flags[0]: must be one of SCHED_FLAG_RESET_ON_FORK, "},
      {with(doc(), "/process/ioPriority", {{"class", "IOPRIO_CLASS_BE"}, {"priority", 9}}),
       "config.json: process.ioPriority.priority: must be between 0 and 7, got 9"},
      {with(doc(), "/process/ioPriority", {{"class", "BE"}}),
       "config.json: process.ioPriority.class: must be one of IOPRIO_CLASS_RT, "},
      {with(doc(), "/process/execCPUAffinity", {{"final", "3-1"}}),
       R"(config.json: process.execCPUAffinity.final: CPU range "3-1" is reversed)"},
      {with(doc(), "/process/execCPUAffinity", {{"initial", "0-3;"}}),
       R"(config.json: process.execCPUAffinity.initial: must match ^[0-9, -]*$, got "0-3;")"},
      {with(doc(), "/linux/personality", {{"domain", "LINUX64"}}),
       R"(config.json: linux.personality.domain: must be one of LINUX, LINUX32, got "LINUX64")"},
      {with(doc(), "/linux/timeOffsets", {{"monotonic", {{"secs", 1}}}}),
       "config.json: linux.timeOffsets: needs a time namespace of the container's own"},
      {with(doc({{{"type", "mount"}}, {{"type", "time"}, {"path", "/proc/1/ns/time"}}}),
            "/linux/timeOffsets", {{"monotonic", {{"secs", 1}}}}),
       "config.json: linux.timeOffsets: cannot set the clocks of a time namespace joined by path"},
      {with(doc({{{"type", "mount"}}, {{"type", "time"}}}), "/linux/timeOffsets",
            {{"boottime", {{"secs", 1}, {"nanosecs", 1000000000}}}}),
       "config.json: linux.timeOffsets.boottime.nanosecs: must be less than 1000000000, got "
       "1000000000"},
  };
  for (const Case& c : cases) {
    INFO(c.doc.dump());
    CHECK_THAT(refusal(c.doc), Catch::StartsWith(c.message));
  }
  // The namespaces may come after the sysctls in the document.
  json late = doc(mnt);
  late["linux"].erase("namespaces");
  late["linux"]["sysctl"] = {{"net.core.somaxconn", "256"}};
  late["linux"]["namespaces"] = {{{"type", "mount"}}, {{"type", "network"}}};
  CHECK(refusal(late) == "");
}
