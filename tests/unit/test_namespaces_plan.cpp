// The namespace plan: what is created, what is joined, and invalid combinations.
#include <sched.h>

#include <catch2/catch.hpp>

#include "namespaces/plan.hpp"
#include "namespaces/subid.hpp"
#include "runtime/sys/text.hpp"

using namespace ocirun;
using spec::NsType;

namespace {

spec::Config with_namespaces(std::vector<spec::Namespace> nss) {
  spec::Config c;
  c.linux_.emplace();
  c.linux_->namespaces = std::move(nss);
  return c;
}

}  // namespace

TEST_CASE("new namespaces become clone flags", "[namespaces]") {
  auto c = with_namespaces({{NsType::Pid, ""},
                            {NsType::Mount, ""},
                            {NsType::Uts, ""},
                            {NsType::Ipc, ""},
                            {NsType::Network, ""},
                            {NsType::Cgroup, ""}});
  auto p = ns::plan(c);
  CHECK(p.clone_flags == (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
                          CLONE_NEWCGROUP));
  CHECK(p.joins.empty());
  CHECK(p.own_pid);
  CHECK_FALSE(p.new_user);
}

TEST_CASE("no network namespace asked: none is created", "[namespaces]") {
  auto p = ns::plan(with_namespaces({{NsType::Mount, ""}}));
  CHECK((p.clone_flags & CLONE_NEWNET) == 0);
  CHECK_FALSE(p.own_pid);
}

TEST_CASE("namespaces with a path are joined, the user namespace first", "[namespaces]") {
  auto c = with_namespaces({{NsType::Network, "/var/run/netns/x"},
                            {NsType::Mount, ""},
                            {NsType::User, "/proc/1/ns/user"}});
  auto p = ns::plan(c);
  REQUIRE(p.joins.size() == 2);
  CHECK(p.joins[0].type == NsType::User);
  CHECK(p.joins[1].type == NsType::Network);
  CHECK((p.clone_flags & (CLONE_NEWNET | CLONE_NEWUSER)) == 0);
}

TEST_CASE("a new user namespace carries the id maps", "[namespaces]") {
  auto c = with_namespaces({{NsType::User, ""}, {NsType::Mount, ""}});
  c.linux_->uid_mappings = {{0, 100000, 65536}};
  c.linux_->gid_mappings = {{0, 100000, 65536}, {65536, 5, 1}};
  auto p = ns::plan(c);
  CHECK(p.new_user);
  CHECK((p.clone_flags & CLONE_NEWUSER) != 0);
  CHECK(ns::id_map_text(p.uid_mappings) == "0 100000 65536\n");
  CHECK(ns::id_map_text(p.gid_mappings) == "0 100000 65536\n65536 5 1\n");
}

TEST_CASE("invalid namespace combinations are refused, naming the field", "[namespaces]") {
  SECTION("no mount namespace") {
    CHECK_THROWS_WITH(ns::plan(with_namespaces({{NsType::Pid, ""}})),
                      Catch::Contains("linux.namespaces") && Catch::Contains("mount"));
  }
  SECTION("hostname without a UTS namespace") {
    auto c = with_namespaces({{NsType::Mount, ""}});
    c.hostname = "box";
    CHECK_THROWS_WITH(ns::plan(c), Catch::StartsWith("hostname:"));
  }
  SECTION("user namespace without mappings") {
    CHECK_THROWS_WITH(ns::plan(with_namespaces({{NsType::User, ""}, {NsType::Mount, ""}})),
                      Catch::Contains("linux.uidMappings"));
  }
  SECTION("mappings without a user namespace") {
    auto c = with_namespaces({{NsType::Mount, ""}});
    c.linux_->uid_mappings = {{0, 1000, 1}};
    CHECK_THROWS_WITH(ns::plan(c), Catch::Contains("user namespace"));
  }
}

TEST_CASE("a time namespace with offsets is left to the init to create", "[namespaces]") {
  auto c = with_namespaces({{NsType::Mount, ""}, {NsType::Time, ""}});
  CHECK((ns::plan(c).clone_flags & CLONE_NEWTIME) != 0);
  c.linux_->time_offsets.emplace();
  auto p = ns::plan(c);
  CHECK((p.clone_flags & CLONE_NEWTIME) == 0);
  CHECK(p.joins.empty());
}

TEST_CASE("a user namespace joined by path is entered before the new namespaces are made",
          "[namespaces]") {
  auto c = with_namespaces({{NsType::User, "/proc/1/ns/user"}, {NsType::Mount, ""}});
  CHECK(ns::plan(c).join_before_clone());
  auto net_only = with_namespaces({{NsType::Network, "/run/netns/x"}, {NsType::Mount, ""}});
  CHECK_FALSE(ns::plan(net_only).join_before_clone());
  auto new_user = with_namespaces({{NsType::User, ""}, {NsType::Mount, ""}});
  new_user.linux_->uid_mappings = new_user.linux_->gid_mappings = {{0, 1000, 1}};
  CHECK_FALSE(ns::plan(new_user).join_before_clone());
}

TEST_CASE("with a new user namespace, namespaces given by path are joined before it is made",
          "[namespaces]") {
  // Its root could not enter a network namespace of the host's user namespace.
  auto c =
      with_namespaces({{NsType::User, ""}, {NsType::Network, "/run/netns/x"}, {NsType::Mount, ""}});
  c.linux_->uid_mappings = c.linux_->gid_mappings = {{0, 1000, 1}};
  auto p = ns::plan(c);
  CHECK(p.new_user);
  CHECK(p.join_before_clone());
  REQUIRE(p.joins.size() == 1);
  CHECK(p.joins[0].type == NsType::Network);
}

TEST_CASE("a pid namespace joined by path is entered before the init is cloned", "[namespaces]") {
  // setns moves only children into a pid namespace: the init, which mounts
  // /proc, must be the child of a process that joined it.
  auto c = with_namespaces({{NsType::Pid, "/proc/42/ns/pid"}, {NsType::Mount, ""}});
  auto p = ns::plan(c);
  // Not the container's own: `kill --all` must not reach the pod's other processes.
  CHECK_FALSE(p.own_pid);
  CHECK(p.join_before_clone());
  CHECK((p.clone_flags & CLONE_NEWPID) == 0);
}

TEST_CASE("a mount namespace given by path is joined: the rootfs is set up in it", "[namespaces]") {
  auto p = ns::plan(with_namespaces({{NsType::Pid, ""}, {NsType::Mount, "/run/mntns/a"}}));
  REQUIRE(p.joins.size() == 1);
  CHECK(p.joins[0].type == NsType::Mount);
  CHECK(p.joins[0].field == "linux.namespaces[1]");
  CHECK_FALSE(p.own_mount);
  CHECK((p.clone_flags & CLONE_NEWNS) == 0);
  CHECK_FALSE(p.join_before_clone());  // the init joins it itself
}

TEST_CASE("joined entries keep the index of their linux.namespaces entry", "[namespaces]") {
  auto p = ns::plan(with_namespaces(
      {{NsType::Mount, ""}, {NsType::Network, "/n"}, {NsType::Ipc, "/i"}, {NsType::User, "/u"}}));
  REQUIRE(p.joins.size() == 3);
  CHECK(p.joins[0].field == "linux.namespaces[3]");  // the user namespace, first
  CHECK(p.joins[0].path == "/u");
  CHECK(p.joins[1].field == "linux.namespaces[1]");
  CHECK(p.joins[2].field == "linux.namespaces[2]");
}

TEST_CASE("pid, time and user namespaces are joined by an intermediate before the init's clone",
          "[namespaces]") {
  using Nss = std::vector<spec::Namespace>;
  auto through_child = [](Nss nss) {
    return ns::plan(with_namespaces(std::move(nss))).join_before_clone();
  };
  CHECK(through_child({{NsType::Mount, ""}, {NsType::Pid, "/p"}}));
  CHECK(through_child({{NsType::Mount, "/m"}, {NsType::Pid, "/p"}}));  // nothing new at all
  CHECK(through_child({{NsType::Mount, ""}, {NsType::Time, "/t"}}));
  CHECK(through_child({{NsType::Mount, ""}, {NsType::User, "/u"}}));
  CHECK_FALSE(through_child({{NsType::Mount, ""}, {NsType::Network, "/n"}, {NsType::Ipc, "/i"}}));
  CHECK_FALSE(through_child({{NsType::Mount, ""}, {NsType::Pid, ""}}));
  auto c = with_namespaces({{NsType::Mount, ""}, {NsType::User, ""}, {NsType::Network, "/n"}});
  c.linux_->uid_mappings = {{0, 1000, 1}};
  c.linux_->gid_mappings = {{0, 1000, 1}};
  CHECK(ns::plan(c).join_before_clone());  // a new user namespace has no say over the host's
}

TEST_CASE("rootless id maps: the caller's own id directly, its subordinate ids by the helpers",
          "[namespaces][rootless]") {
  using ns::MapWriter;
  const std::string subuid = "root:1:2\nalice:100000:65536\n# junk\nbob:x:1\n1001:300000:10\n";
  auto alice = ns::subid_ranges(subuid, "alice", 1000);
  REQUIRE(alice.size() == 1);
  CHECK(alice[0].start == 100000);
  CHECK(alice[0].size == 65536);
  CHECK(ns::subid_ranges(subuid, "carol", 1001).size() == 1);  // by number
  CHECK(ns::subid_ranges(subuid, "bob", 7).empty());           // malformed: skipped

  std::vector<spec::IdMapping> own{{0, 1000, 1}};
  std::vector<spec::IdMapping> wide{{0, 1000, 1}, {1, 100000, 65536}};
  std::vector<spec::IdMapping> foreign{{0, 1000, 1}, {1, 200000, 10}};
  auto writer = [&](const std::vector<spec::IdMapping>& m, bool privileged) {
    return ns::map_writer(m, "linux.uidMappings", privileged, 1000, alice, "/etc/subuid");
  };
  CHECK(writer(own, false) == MapWriter::Direct);
  CHECK(writer(wide, false) == MapWriter::Helper);
  CHECK(writer(foreign, true) == MapWriter::Direct);  // the host's root maps anything
  CHECK_THROWS_WITH(writer(foreign, false),
                    "linux.uidMappings[1]: host ids 200000-200009 are neither the caller's own "
                    "(1000) nor in its /etc/subuid ranges (100000-165535)");
  CHECK_THROWS_WITH(
      ns::map_writer({{0, 5, 1}}, "linux.gidMappings", false, 1000, {}, "/etc/subgid"),
      "linux.gidMappings[0]: host ids 5-5 are neither the caller's own (1000) nor in its "
      "/etc/subgid ranges (none)");
  CHECK(ns::helper_args(wide) ==
        std::vector<std::string>{"0", "1000", "1", "1", "100000", "65536"});

  CHECK(sys::passwd_name("root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/a:/bin/sh\n", 1000) ==
        "alice");
  CHECK(sys::passwd_name("root:x:0:0::/root:/bin/sh\n", 1000).empty());
}
