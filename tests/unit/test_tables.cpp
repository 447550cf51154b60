#include <linux/capability.h>
#include <sched.h>
#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "namespaces/types.hpp"
#include "runtime/spec/tables.hpp"

using namespace ocirun::spec;

TEST_CASE("namespace table covers every NsType once, indexed by type", "[tables]") {
  auto table = ocirun::ns::namespace_table();
  REQUIRE(table.size() == 8);
  std::set<std::string_view> names, procs;
  for (const auto& ns : table) {
    CHECK(&ocirun::ns::namespace_info(ns.type) == &ns);
    CHECK(ocirun::ns::namespace_from_name(ns.name) == ns.type);
    names.insert(ns.name);
    procs.insert(ns.proc_name);
  }
  CHECK(names == std::set<std::string_view>{"pid", "network", "mount", "ipc", "uts", "user",
                                            "cgroup", "time"});
  CHECK(procs ==
        std::set<std::string_view>{"pid", "net", "mnt", "ipc", "uts", "user", "cgroup", "time"});
  CHECK(table.front().type == NsType::User);  // joined first
}

TEST_CASE("namespace table maps to the kernel's clone flags", "[tables]") {
  CHECK(ocirun::ns::namespace_info(NsType::Pid).clone_flag == CLONE_NEWPID);
  CHECK(ocirun::ns::namespace_info(NsType::Network).clone_flag == CLONE_NEWNET);
  CHECK(ocirun::ns::namespace_info(NsType::Mount).clone_flag == CLONE_NEWNS);
  CHECK(ocirun::ns::namespace_info(NsType::Ipc).clone_flag == CLONE_NEWIPC);
  CHECK(ocirun::ns::namespace_info(NsType::Uts).clone_flag == CLONE_NEWUTS);
  CHECK(ocirun::ns::namespace_info(NsType::User).clone_flag == CLONE_NEWUSER);
  CHECK(ocirun::ns::namespace_info(NsType::Cgroup).clone_flag == CLONE_NEWCGROUP);
  CHECK(ocirun::ns::namespace_info(NsType::Time).clone_flag == 0x80);
  CHECK(ocirun::ns::namespace_info(NsType::Network).proc_name == "net");
  CHECK(ocirun::ns::namespace_info(NsType::Mount).proc_name == "mnt");
  CHECK_FALSE(ocirun::ns::namespace_from_name("net"));
  CHECK_FALSE(ocirun::ns::namespace_from_name("PID"));
  CHECK_FALSE(ocirun::ns::namespace_from_name(""));
}

TEST_CASE("rlimit table", "[tables]") {
  CHECK(rlimit_table().size() == 16);
  CHECK(rlimit_from_name("RLIMIT_NOFILE") == RLIMIT_NOFILE);
  CHECK(rlimit_from_name("RLIMIT_AS") == RLIMIT_AS);
  CHECK(rlimit_from_name("RLIMIT_RTTIME") == RLIMIT_RTTIME);
  CHECK(rlimit_from_name("RLIMIT_STACK") == RLIMIT_STACK);
  CHECK_FALSE(rlimit_from_name("RLIMIT_FOO"));
  CHECK_FALSE(rlimit_from_name("NOFILE"));
  std::set<int> resources;
  for (const auto& r : rlimit_table()) {
    CHECK(r.name.starts_with("RLIMIT_"));
    resources.insert(r.resource);
  }
  CHECK(resources.size() == rlimit_table().size());
  CHECK(*resources.rbegin() < RLIM_NLIMITS);
}

TEST_CASE("capability table: 0 to 40, numbered as linux/capability.h", "[tables]") {
  auto table = capability_table();
  REQUIRE(table.size() == 41);
  for (size_t i = 0; i < table.size(); ++i) {
    CHECK(table[i].number == static_cast<int>(i));
    CHECK(capability_from_name(table[i].name) == table[i].number);
  }
  CHECK(capability_from_name("CAP_CHOWN") == CAP_CHOWN);
  CHECK(capability_from_name("CAP_NET_BIND_SERVICE") == CAP_NET_BIND_SERVICE);
  CHECK(capability_from_name("CAP_SYS_ADMIN") == CAP_SYS_ADMIN);
  CHECK(capability_from_name("CAP_AUDIT_READ") == CAP_AUDIT_READ);
#ifdef CAP_CHECKPOINT_RESTORE
  CHECK(capability_from_name("CAP_CHECKPOINT_RESTORE") == CAP_CHECKPOINT_RESTORE);
  CHECK(table.back().number == CAP_LAST_CAP);
#endif
  CHECK_FALSE(capability_from_name("CAP_TEST"));
  CHECK_FALSE(capability_from_name("SYS_ADMIN"));
  CHECK_FALSE(capability_from_name("cap_sys_admin"));
}

TEST_CASE("hook names in config.json order", "[tables]") {
  auto hooks = hook_names();
  REQUIRE(hooks.size() == 6);
  CHECK(hooks[0] == "prestart");
  CHECK(hooks[1] == "createRuntime");
  CHECK(hooks[2] == "createContainer");
  CHECK(hooks[3] == "startContainer");
  CHECK(hooks[4] == "poststart");
  CHECK(hooks[5] == "poststop");
}

TEST_CASE("kOciVersion is a 1.x.y version", "[tables]") {
  CHECK(kOciVersion == "1.3.0");
}
