// The rootfs plan: config mounts, devices and links, as data.
#include <sys/mount.h>

#include <algorithm>

#include <catch2/catch.hpp>

#include "runtime/rootfs/options.hpp"
#include "runtime/rootfs/plan.hpp"

using namespace ocirun;

namespace {

rootfs::PlanInput input() {
  rootfs::PlanInput in;
  in.bundle = "/bundle";
  in.rootfs = "/bundle/rootfs";
  return in;
}

// A config mount without id mappings: {destination, type, source, options}.
struct M {
  std::string destination, type, source;
  std::vector<std::string> options;
};

spec::Config config_with(const std::vector<M>& mounts) {
  spec::Config c;
  for (const auto& m : mounts) {
    spec::Mount x;
    x.destination = m.destination;
    x.type = m.type;
    x.source = m.source;
    x.options = m.options;
    c.mounts.push_back(std::move(x));
  }
  c.linux_.emplace();
  return c;
}

const rootfs::DeviceOp* device(const rootfs::Plan& p, const std::string& path) {
  for (const auto& d : p.devices)
    if (d.path == path) return &d;
  return nullptr;
}

}  // namespace

TEST_CASE("mount option words become flags, the rest is data", "[rootfs]") {
  auto o = rootfs::parse_mount_options({"nosuid", "noexec", "nodev", "ro", "mode=755", "size=64k"});
  CHECK(o.flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY));
  CHECK(o.data == "mode=755,size=64k");
  CHECK_FALSE(o.bind);

  auto later_wins = rootfs::parse_mount_options({"ro", "rw", "noatime", "atime"});
  CHECK(later_wins.flags == 0);

  auto b = rootfs::parse_mount_options({"rbind", "rprivate"});
  CHECK(b.bind);
  CHECK(b.recursive);
  CHECK(b.propagation == (MS_PRIVATE | MS_REC));

  CHECK(rootfs::parse_mount_options({"bind"}).recursive == false);
  CHECK(rootfs::parse_mount_options({"strictatime"}).flags == MS_STRICTATIME);
}

TEST_CASE("filesystem mounts keep type, source and data", "[rootfs]") {
  auto p = rootfs::plan(config_with({{"/proc", "proc", "proc", {}},
                                     {"/dev", "tmpfs", "tmpfs", {"nosuid", "mode=755"}}}),
                        input());
  REQUIRE(p.mounts.size() == 2);
  CHECK(p.mounts[0].fstype == "proc");
  CHECK(p.mounts[0].destination == "/proc");
  CHECK(p.mounts[0].field == "mounts[0]");
  CHECK(p.mounts[1].flags == MS_NOSUID);
  CHECK(p.mounts[1].data == "mode=755");
  CHECK(p.rootfs == "/bundle/rootfs");
}

TEST_CASE("bind mounts: relative sources are relative to the bundle", "[rootfs]") {
  auto p = rootfs::plan(config_with({{"/data", "bind", "data", {"ro"}},
                                     {"/etc/hosts", "", "/etc/hosts", {"rbind", "ro"}}}),
                        input());
  CHECK(p.mounts[0].bind);
  CHECK(p.mounts[0].source == "/bundle/data");
  CHECK(p.mounts[0].flags == MS_RDONLY);
  CHECK(p.mounts[1].bind);
  CHECK(p.mounts[1].recursive);
  CHECK(p.mounts[1].source == "/etc/hosts");
}

TEST_CASE("a mount that cannot be made is refused naming its entry", "[rootfs]") {
  CHECK_THROWS_WITH(rootfs::plan(config_with({{"/x", "bind", "", {}}}), input()),
                    Catch::StartsWith("mounts[0].source"));
  CHECK_THROWS_WITH(rootfs::plan(config_with({{"/x", "", "", {}}}), input()),
                    Catch::StartsWith("mounts[0].type"));
}

TEST_CASE("sysfs in a user namespace without its own network namespace is the host's, bound",
          "[rootfs]") {
  auto in = input();
  in.user_namespace = true;
  auto p = rootfs::plan(config_with({{"/sys", "sysfs", "sysfs", {"ro"}}}), in);
  CHECK(p.mounts[0].bind);
  CHECK(p.mounts[0].recursive);
  CHECK(p.mounts[0].source == "/sys");
  in.network_namespace = true;
  CHECK(rootfs::plan(config_with({{"/sys", "sysfs", "sysfs", {}}}), in).mounts[0].fstype ==
        "sysfs");
}

TEST_CASE("the cgroup mount type is cgroup2", "[rootfs]") {
  auto p = rootfs::plan(config_with({{"/sys/fs/cgroup", "cgroup", "cgroup", {"ro"}}}), input());
  CHECK(p.mounts[0].fstype == "cgroup2");
}

TEST_CASE("default devices and /dev links of runtime-linux.md", "[rootfs]") {
  auto p = rootfs::plan(config_with({{"/dev", "tmpfs", "tmpfs", {}},
                                     {"/dev/pts", "devpts", "devpts", {"newinstance"}}}),
                        input());
  CHECK(p.make_devices);
  for (const char* d :
       {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"}) {
    INFO(d);
    CHECK(device(p, d));
  }
  CHECK(device(p, "/dev/null")->major == 1);
  CHECK(device(p, "/dev/null")->minor == 3);
  CHECK(device(p, "/dev/tty")->major == 5);
  std::vector<std::pair<std::string, std::string>> links;
  for (const auto& s : p.symlinks) links.emplace_back(s.link, s.target);
  CHECK(std::count(links.begin(), links.end(),
                   std::pair<std::string, std::string>{"/dev/fd", "/proc/self/fd"}) == 1);
  CHECK(std::count(links.begin(), links.end(),
                   std::pair<std::string, std::string>{"/dev/stdin", "/proc/self/fd/0"}) == 1);
  CHECK(std::count(links.begin(), links.end(),
                   std::pair<std::string, std::string>{"/dev/stderr", "/proc/self/fd/2"}) == 1);
  CHECK(std::count(links.begin(), links.end(),
                   std::pair<std::string, std::string>{"/dev/ptmx", "pts/ptmx"}) == 1);
}

TEST_CASE("config devices replace defaults of the same path; a bound /dev is left alone",
          "[rootfs]") {
  auto c = config_with({{"/dev", "tmpfs", "tmpfs", {}}});
  c.linux_->devices = {{"/dev/null", 'c', 1, 3, 0600, 5, 6},
                       {"/dev/fuse", 'c', 10, 229, {}, {}, {}}};
  auto p = rootfs::plan(c, input());
  CHECK(device(p, "/dev/null")->mode == 0600);
  CHECK(device(p, "/dev/null")->uid == 5);
  CHECK(device(p, "/dev/fuse")->mode == 0666);
  CHECK(std::count_if(p.devices.begin(), p.devices.end(),
                      [](const auto& d) { return d.path == "/dev/null"; }) == 1);

  auto bound = rootfs::plan(config_with({{"/dev", "bind", "/dev", {"rbind"}}}), input());
  CHECK_FALSE(bound.make_devices);
  CHECK(bound.devices.empty());
}

TEST_CASE("root propagation: slave by default, private when asked", "[rootfs]") {
  auto c = config_with({});
  CHECK(rootfs::plan(c, input()).root_propagation == (MS_SLAVE | MS_REC));
  c.linux_->rootfs_propagation = "rprivate";
  auto p = rootfs::plan(c, input());
  CHECK(p.root_propagation == (MS_PRIVATE | MS_REC));
  CHECK(p.rootfs_propagation_after == (MS_PRIVATE | MS_REC));
  c.linux_->rootfs_propagation = "shared";
  CHECK(rootfs::plan(c, input()).rootfs_propagation_after == MS_SHARED);
}

TEST_CASE("readonly root, no-pivot, masked and read-only paths pass through", "[rootfs]") {
  auto c = config_with({});
  c.root.readonly = true;
  c.linux_->masked_paths = {"/proc/kcore"};
  c.linux_->readonly_paths = {"/proc/sys"};
  auto in = input();
  in.no_pivot = true;
  auto p = rootfs::plan(c, in);
  CHECK(p.readonly_root);
  CHECK_FALSE(p.pivot);
  CHECK(p.masked_paths == std::vector<std::string>{"/proc/kcore"});
  CHECK(p.readonly_paths == std::vector<std::string>{"/proc/sys"});
}

TEST_CASE("every mount option word runc accepts is recognised", "[rootfs]") {
  for (const char* w :
       {"acl",          "noacl",      "iversion",    "noiversion",   "lazytime",
        "nolazytime",   "silent",     "loud",        "defaults",     "rro",
        "rrw",          "rnosuid",    "rsuid",       "rnodev",       "rdev",
        "rnoexec",      "rexec",      "rnodiratime", "rdiratime",    "rnoatime",
        "ratime",       "rrelatime",  "rnorelatime", "rstrictatime", "rnostrictatime",
        "rnosymfollow", "rsymfollow", "tmpcopyup",   "idmap",        "ridmap"}) {
    INFO(w);
    CHECK(rootfs::parse_mount_options({w}).data.empty());
    auto words = rootfs::mount_option_words();
    CHECK(std::find(words.begin(), words.end(), std::string_view(w)) != words.end());
  }
  CHECK(rootfs::parse_mount_options({"lazytime", "acl"}).flags == (MS_LAZYTIME | MS_POSIXACL));
  CHECK(rootfs::parse_mount_options({"defaults"}).flags == 0);
}

TEST_CASE("recursive attribute words become mount_setattr set and clear masks", "[rootfs]") {
  auto o = rootfs::parse_mount_options({"rbind", "rro", "rnosuid", "rnodev", "nosuid"});
  CHECK(o.attr_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV));
  CHECK(o.attr_clr == 0);
  CHECK(o.flags == MS_NOSUID);  // the plain words stay mount(2) flags
  CHECK(o.bind);

  // a later clearing word wins over an earlier setting one, and the other way round
  auto c = rootfs::parse_mount_options({"rro", "rrw", "rexec", "rnoexec"});
  CHECK(c.attr_set == MOUNT_ATTR_NOEXEC);
  CHECK(c.attr_clr == MOUNT_ATTR_RDONLY);

  // atime: the whole field is cleared and the last choice set
  auto a = rootfs::parse_mount_options({"rstrictatime", "rnoatime"});
  CHECK(a.attr_clr == MOUNT_ATTR__ATIME);
  CHECK(a.attr_set == MOUNT_ATTR_NOATIME);
  auto r = rootfs::parse_mount_options({"rnoatime", "rrelatime", "rnodiratime"});
  CHECK(r.attr_clr == MOUNT_ATTR__ATIME);
  CHECK(r.attr_set == MOUNT_ATTR_NODIRATIME);  // MOUNT_ATTR_RELATIME is 0

  auto p =
      rootfs::plan(config_with({{"/data", "bind", "/srv", {"rbind", "rro", "rnoexec"}}}), input());
  CHECK(p.mounts[0].attr_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOEXEC));
  CHECK(p.mounts[0].flags == 0);
}

TEST_CASE("tmpcopyup applies to tmpfs mounts only, as runc", "[rootfs]") {
  auto p = rootfs::plan(config_with({{"/tmp", "tmpfs", "tmpfs", {"tmpcopyup", "mode=1777"}},
                                     {"/run", "bind", "/run", {"rbind", "tmpcopyup"}}}),
                        input());
  CHECK(p.mounts[0].tmpcopyup);
  CHECK(p.mounts[0].data == "mode=1777");
  CHECK_FALSE(p.mounts[1].tmpcopyup);
}

TEST_CASE("idmapped mounts: bind mounts with both maps; not in a joined user namespace",
          "[rootfs]") {
  auto c = config_with({{"/data", "bind", "/srv", {"rbind", "ridmap"}}});
  c.mounts[0].uid_mappings = {{1000, 0, 1}};
  c.mounts[0].gid_mappings = {{1000, 0, 1}};
  auto p = rootfs::plan(c, input());
  CHECK(p.mounts[0].idmap);
  CHECK(p.mounts[0].idmap_recursive);
  REQUIRE(p.mounts[0].uid_mappings.size() == 1);
  CHECK(p.mounts[0].uid_mappings[0].container_id == 1000);
  CHECK(p.mounts[0].uid_mappings[0].host_id == 0);

  // the maps alone make an idmapped mount (as runc); not a recursive one
  c.mounts[0].options = {"bind"};
  p = rootfs::plan(c, input());
  CHECK(p.mounts[0].idmap);
  CHECK_FALSE(p.mounts[0].idmap_recursive);

  auto no_maps = config_with({{"/data", "bind", "/srv", {"idmap"}}});
  CHECK_THROWS_WITH(
      rootfs::plan(no_maps, input()),
      Catch::StartsWith("mounts[0]") && Catch::Contains("uidMappings and gidMappings"));
  auto not_bind = config_with({{"/data", "tmpfs", "tmpfs", {"idmap"}}});
  CHECK_THROWS_WITH(rootfs::plan(not_bind, input()),
                    Catch::StartsWith("mounts[0]") && Catch::Contains("bind mount"));
  auto in = input();
  in.user_namespace = true;  // joined by path: nobody can id-map for it
  CHECK_THROWS_WITH(rootfs::plan(c, in),
                    Catch::StartsWith("mounts[0]") && Catch::Contains("joined by path"));
  in.new_user_namespace = true;  // created for it: the runtime makes the tree
  CHECK(rootfs::plan(c, in).mounts[0].idmap);
}

TEST_CASE("cgroup mounts may fall back to a bind of the host's cgroup2", "[rootfs]") {
  auto p = rootfs::plan(
      config_with({{"/sys/fs/cgroup", "cgroup", "cgroup", {"ro"}}, {"/tmp", "tmpfs", "tmpfs", {}}}),
      input());
  CHECK(p.mounts[0].cgroup_bind_fallback);
  CHECK_FALSE(p.mounts[1].cgroup_bind_fallback);
}

TEST_CASE("a cgroup mount is read-only unless rw is asked for", "[rootfs]") {
  CHECK((rootfs::plan(config_with({{"/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid"}}}), input())
             .mounts[0]
             .flags &
         MS_RDONLY) != 0);
  CHECK((rootfs::plan(config_with({{"/sys/fs/cgroup", "cgroup", "cgroup", {"rw"}}}), input())
             .mounts[0]
             .flags &
         MS_RDONLY) == 0);
}

TEST_CASE("procfs and sysfs must be mounted on real directories", "[rootfs]") {
  auto c = config_with({{"/proc", "proc", "proc", {}},
                        {"/sys", "sysfs", "sysfs", {"ro"}},
                        {"/dev", "tmpfs", "tmpfs", {}}});
  auto p = rootfs::plan(c, input());
  REQUIRE(p.mounts.size() == 3);
  CHECK(p.mounts[0].real_dir);
  CHECK(p.mounts[1].real_dir);
  CHECK_FALSE(p.mounts[2].real_dir);
  // The host's /sys bound in sysfs's place (a user namespace without its own
  // network namespace) too.
  auto in = input();
  in.user_namespace = true;
  p = rootfs::plan(c, in);
  CHECK(p.mounts[1].bind);
  CHECK(p.mounts[1].real_dir);
}

TEST_CASE("a read-only /dev is mounted writable and sealed at the end", "[rootfs]") {
  auto c = config_with({{"/dev", "tmpfs", "tmpfs", {"nosuid", "ro", "mode=755"}},
                        {"/dev/pts", "devpts", "devpts", {"newinstance"}},
                        {"/data", "tmpfs", "tmpfs", {"ro"}}});
  auto p = rootfs::plan(c, input());
  CHECK(p.readonly_dev);
  CHECK((p.mounts[0].flags & MS_RDONLY) == 0);  // its submounts and devices come first
  CHECK((p.mounts[2].flags & MS_RDONLY) != 0);  // other mounts are read-only at once
  CHECK_FALSE(rootfs::plan(config_with({{"/dev", "tmpfs", "tmpfs", {}}}), input()).readonly_dev);
}

TEST_CASE("--no-pivot: the host's full procfs and sysfs mounts are the ones to hide", "[rootfs]") {
  std::string mountinfo =
      "22 1 0:21 / /proc rw,nosuid - proc proc rw\n"
      "23 1 0:22 / /sys rw,nosuid - sysfs sysfs rw\n"
      "24 22 0:23 / /proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw\n"
      "25 1 0:21 /sys /mnt/partial rw - proc proc rw\n"
      "26 1 0:24 / /b/rootfs/proc rw - proc proc rw\n"
      "27 1 0:24 / /b/rootfs2/proc rw - proc proc rw\n"
      "28 1 0:25 / /mnt/with\\040space rw shared:1 - sysfs sysfs rw\n";
  auto mounts = sys::parse_mountinfo(mountinfo);
  REQUIRE(mounts.size() == 7);
  CHECK(mounts[6].point == "/mnt/with space");
  auto hide = rootfs::revealing_mounts(mounts, "/b/rootfs");
  // partial mounts (root not "/") and those inside the rootfs stay;
  // /b/rootfs2 is not inside /b/rootfs.
  CHECK(hide == std::vector<std::string>{"/proc", "/sys", "/b/rootfs2/proc", "/mnt/with space"});
}
