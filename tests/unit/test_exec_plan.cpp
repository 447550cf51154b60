// exec's plan: the process it runs from the config, --process and the flags;
// its sub-cgroup; the terminal flags it refuses; the LSM labels a host cannot give.
#include <catch2/catch.hpp>

#include "runtime/cli/args.hpp"
#include "runtime/container/exec.hpp"
#include "runtime/process/process.hpp"
#include "runtime/spec/default_spec.hpp"
#include "runtime/sys/error.hpp"

using namespace ocirun;
using container::ExecOptions;
using nlohmann::json;

namespace {

json config() {
  json c = spec::default_spec(false);
  c["process"]["env"] = {"PATH=/usr/bin:/bin", "TERM=xterm", "KEEP=1"};
  c["process"]["terminal"] = true;
  c["process"]["cwd"] = "/home";
  c["process"]["user"] = {{"uid", 5}, {"gid", 6}};
  return c;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("exec: the container's process with the command line's args, no terminal", "[exec]") {
  ExecOptions o;
  o.args = {"sh", "-c", "true"};
  auto p = container::exec_process(config(), nullptr, o);
  CHECK(p.args == o.args);
  CHECK_FALSE(p.terminal);
  CHECK(p.cwd == "/home");
  CHECK(p.user.uid == 5);
  CHECK(p.user.gid == 6);
  CHECK(p.env == std::vector<std::string>{"PATH=/usr/bin:/bin", "TERM=xterm", "KEEP=1"});
  CHECK(error_of([] { container::exec_process(config(), nullptr, ExecOptions{}); }) ==
        "exec: a command to run is required (or --process FILE)");
}

TEST_CASE("exec: --env replaces a variable of the same name, --cwd, --user, --tty", "[exec]") {
  ExecOptions o;
  o.args = {"env"};
  o.env = {"TERM=dumb", "NEW=x=y"};
  o.cwd = "/tmp";
  o.user = "1000:1001";
  o.tty = true;
  auto p = container::exec_process(config(), nullptr, o);
  CHECK(p.env == std::vector<std::string>{"PATH=/usr/bin:/bin", "KEEP=1", "TERM=dumb", "NEW=x=y"});
  CHECK(p.cwd == "/tmp");
  CHECK(p.user.uid == 1000);
  CHECK(p.user.gid == 1001);
  CHECK(p.terminal);
  o.user = "7";
  p = container::exec_process(config(), nullptr, o);
  CHECK(p.user.uid == 7);
  CHECK(p.user.gid == 6);
  for (std::string bad : {"x", "1:", ":1", "-1", "1:2:3", "99999999999"}) {
    o.user = bad;
    CHECK(error_of([&] { container::exec_process(config(), nullptr, o); }) ==
          "flag --user: expects a number, got \"" + bad + "\"");
  }
  o.user.clear();
  o.env = {"NOEQUALS"};
  CHECK(error_of([&] { container::exec_process(config(), nullptr, o); }) ==
        "flag --env: expects KEY=VALUE, got \"NOEQUALS\"");
}

TEST_CASE(
    "exec: --cap adds to bounding, effective and permitted; --additional-gids; "
    "--no-new-privs; LSM labels",
    "[exec]") {
  ExecOptions o;
  o.args = {"true"};
  o.caps = {"CAP_SYS_ADMIN", "CAP_KILL"};  // CAP_KILL is in the default set already
  o.extra_gids = {"10", "20"};
  o.no_new_privs = true;
  o.apparmor = "prof";
  o.process_label = "system_u:system_r:container_t:s0";
  json c = config();
  c["process"]["noNewPrivileges"] = false;
  auto p = container::exec_process(c, nullptr, o);
  REQUIRE(p.capabilities);
  for (const auto* set :
       {&p.capabilities->bounding, &p.capabilities->effective, &p.capabilities->permitted}) {
    CHECK(std::count(set->begin(), set->end(), "CAP_SYS_ADMIN") == 1);
    CHECK(std::count(set->begin(), set->end(), "CAP_KILL") == 1);
  }
  CHECK(std::count(p.capabilities->ambient.begin(), p.capabilities->ambient.end(),
                   "CAP_SYS_ADMIN") == 0);
  CHECK(p.user.additional_gids == std::vector<uint32_t>{10, 20});
  CHECK(p.no_new_privileges);
  CHECK(p.apparmor_profile == "prof");
  CHECK(p.selinux_label == "system_u:system_r:container_t:s0");
  o.caps = {"CAP_NOPE"};
  CHECK(error_of([&] { container::exec_process(c, nullptr, o); }) ==
        "flag --cap: unknown capability \"CAP_NOPE\"");
  o.caps.clear();
  o.extra_gids = {"ten"};
  CHECK(error_of([&] { container::exec_process(c, nullptr, o); }) ==
        "flag --additional-gids: expects a number, got \"ten\"");
}

TEST_CASE("exec --process: the file's process replaces the config's, checked as one", "[exec]") {
  ExecOptions o;
  o.process_file = "p.json";
  json file = {{"args", {"ls"}},
               {"cwd", "/"},
               {"user", {{"uid", 0}, {"gid", 0}}},
               {"terminal", true},
               {"env", {"A=1"}}};
  auto p = container::exec_process(config(), &file, o);
  CHECK(p.args == std::vector<std::string>{"ls"});
  CHECK(p.terminal);
  CHECK(p.env == std::vector<std::string>{"A=1"});
  // Flags still apply over it.
  o.env = {"B=2"};
  p = container::exec_process(config(), &file, o);
  CHECK(p.env == std::vector<std::string>{"A=1", "B=2"});
  json bad = file;
  bad["cwd"] = "relative";
  CHECK_THAT(error_of([&] { container::exec_process(config(), &bad, o); }),
             Catch::StartsWith("--process p.json: process.cwd"));
  json not_object = json::array();
  CHECK(error_of([&] { container::exec_process(config(), &not_object, o); }) ==
        "--process p.json: not a JSON object");
}

TEST_CASE("exec --process: fields that limit the process are the container's when omitted",
          "[exec]") {
  ExecOptions o;
  o.process_file = "p.json";
  json c = config();
  c["process"]["capabilities"] = {{"bounding", {"CAP_KILL"}}, {"effective", {"CAP_KILL"}}};
  c["process"]["noNewPrivileges"] = true;
  c["process"]["apparmorProfile"] = "confined";
  c["process"]["selinuxLabel"] = "system_u:system_r:container_t:s0";
  json file = {{"args", {"ls"}}, {"cwd", "/"}, {"user", {{"uid", 0}, {"gid", 0}}}};
  auto p = container::exec_process(c, &file, o);
  REQUIRE(p.capabilities);
  CHECK(p.capabilities->bounding == std::vector<std::string>{"CAP_KILL"});
  CHECK(p.capabilities->permitted.empty());
  CHECK(p.no_new_privileges);
  CHECK(p.apparmor_profile == "confined");
  CHECK(p.selinux_label == "system_u:system_r:container_t:s0");
  // What the file says wins, an empty set included.
  file["capabilities"] = json::object();
  file["noNewPrivileges"] = false;
  p = container::exec_process(c, &file, o);
  REQUIRE(p.capabilities);
  CHECK(p.capabilities->bounding.empty());
  CHECK_FALSE(p.no_new_privileges);
}

TEST_CASE("exec --cgroup: one sub-cgroup below the container's", "[exec]") {
  CHECK(container::exec_sub_cgroup({}).empty());
  CHECK(container::exec_sub_cgroup({"sub"}) == "sub");
  CHECK(container::exec_sub_cgroup({"/a/b/"}) == "a/b");
  CHECK(container::exec_sub_cgroup({"memory,pids:a", "cpu:/a"}) == "a");
  CHECK(error_of([] {
          container::exec_sub_cgroup({"a", "cpu:b"});
        }) == "flag --cgroup: cgroup v2 has one hierarchy, but 2 different sub-cgroups are named");
  CHECK(error_of([] { container::exec_sub_cgroup({"a/../../x"}); }) ==
        "flag --cgroup: \"a/../../x\" must name a cgroup below the container's");
  CHECK(error_of([] { container::exec_sub_cgroup({"cpu:"}); }) ==
        "flag --cgroup: no path in \"cpu:\"");
}

TEST_CASE("exec: a detached terminal needs a console socket; a socket needs a terminal", "[exec]") {
  CHECK(error_of([] { container::check_exec_terminal(true, true, ""); }) ==
        "exec: a terminal (--tty) with --detach needs --console-socket");
  CHECK(error_of([] { container::check_exec_terminal(false, true, "/s"); }) ==
        "--console-socket: given, but the process has no terminal (--tty)");
  CHECK(error_of([] { container::check_exec_terminal(true, false, ""); }).empty());
  CHECK(error_of([] { container::check_exec_terminal(true, true, "/s"); }).empty());
  CHECK(error_of([] { container::check_exec_terminal(false, false, ""); }).empty());
}

TEST_CASE("LSM labels: refused for an LSM the host does not enable", "[exec]") {
  spec::Process p;
  CHECK(process::lsm_refusal(p, {}).empty());
  p.apparmor_profile = "docker-default";
  CHECK(process::lsm_refusal(p, {}) ==
        "process.apparmorProfile \"docker-default\": AppArmor is not enabled on this host");
  CHECK(process::lsm_refusal(p, {true, false}).empty());
  p.selinux_label = "l";
  CHECK(process::lsm_refusal(p, {true, false}) ==
        "process.selinuxLabel \"l\": SELinux is not enabled on this host");
  CHECK(process::lsm_refusal(p, {true, true}).empty());
}

TEST_CASE("exec flags: repeatable ones keep each value; everything after the id is the command",
          "[exec][cli]") {
  std::vector<std::string> argv = {"exec", "-e",    "A=1",      "--env=B=2", "-g",
                                   "5",    "--cap", "CAP_KILL", "-c",        "CAP_CHOWN",
                                   "-t",   "id",    "sh",       "-e",        "x"};
  auto inv = cli::parse(argv);
  CHECK(inv.values("env") == std::vector<std::string>{"A=1", "B=2"});
  CHECK(inv.values("additional-gids") == std::vector<std::string>{"5"});
  CHECK(inv.values("cap") == std::vector<std::string>{"CAP_KILL", "CAP_CHOWN"});
  CHECK(inv.values("cgroup").empty());
  CHECK(inv.flag("tty"));
  CHECK(inv.args == std::vector<std::string>{"id", "sh", "-e", "x"});
}
