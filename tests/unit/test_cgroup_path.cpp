// Where a container's cgroup lives: the cgroup2 mount from mountinfo, the
// caller's own cgroup, linux.cgroupsPath resolved (cgroupfs and systemd forms).
#include <catch2/catch.hpp>

#include "cgroups/path.hpp"
#include "runtime/sys/error.hpp"

using namespace ocirun;
using cgroups::PathOptions;

namespace {

// A host booted with the unified hierarchy only (systemd's default today).
constexpr const char* kPureV2 =
    "22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro\n"
    "23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
    "24 22 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw\n"
    "25 24 0:6 / /sys/kernel/security rw,nosuid,nodev,noexec,relatime shared:3 - securityfs "
    "securityfs rw\n"
    "26 24 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n"
    "27 24 0:24 / /sys/fs/pstore rw,nosuid,nodev,noexec,relatime shared:5 - pstore pstore rw\n"
    "28 22 0:25 / /run rw,nosuid,nodev,noexec,relatime shared:6 - tmpfs tmpfs "
    "rw,size=3274208k,mode=755\n";

// A hybrid host: v1 controllers under a tmpfs, cgroup2 at .../unified.
constexpr const char* kHybrid =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    "24 22 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
    "25 24 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
    "26 25 0:24 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 "
    "cgroup2 rw,nsdelegate\n"
    "27 25 0:25 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup "
    "cgroup rw,xattr,name=systemd\n"
    "30 25 0:28 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup "
    "cgroup rw,memory\n"
    "31 25 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:15 - cgroup "
    "cgroup rw,cpu,cpuacct\n";

// A legacy host: v1 controllers only.
constexpr const char* kV1Only =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    "25 24 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
    "27 25 0:25 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup "
    "cgroup rw,xattr,name=systemd\n"
    "30 25 0:28 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup "
    "cgroup rw,memory\n";

std::string resolve(const std::string& path, const std::string& own = "/user.slice/x",
                    const std::string& id = "c1") {
  return cgroups::resolve(path, own, id);
}

std::string systemd(const std::string& path, const std::string& id = "c1") {
  PathOptions o;
  o.systemd = true;
  return cgroups::resolve(path, "/user.slice/x", id, o);
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("cgroup2 mount: a pure v2 host", "[cgroup-path]") {
  CHECK(cgroups::cgroup2_mount(kPureV2) == std::optional<std::string>("/sys/fs/cgroup"));
  // No trailing newline on the last line, and a line without optional fields.
  CHECK(cgroups::cgroup2_mount("30 22 0:40 / /cg rw - cgroup2 none rw") ==
        std::optional<std::string>("/cg"));
}

TEST_CASE("cgroup2 mount: a hybrid host's unified hierarchy", "[cgroup-path]") {
  CHECK(cgroups::cgroup2_mount(kHybrid) == std::optional<std::string>("/sys/fs/cgroup/unified"));
}

TEST_CASE("cgroup2 mount: none", "[cgroup-path]") {
  CHECK(cgroups::cgroup2_mount(kV1Only) == std::nullopt);
  CHECK(cgroups::cgroup2_mount("") == std::nullopt);
  // "cgroup2" as the source of a v1 mount is not a cgroup2 mount.
  CHECK(cgroups::cgroup2_mount("40 25 0:30 / /sys/fs/cgroup/pids rw - cgroup cgroup2 rw,pids\n") ==
        std::nullopt);
  // No " - " separator: not a mountinfo line.
  CHECK(cgroups::cgroup2_mount("26 24 0:23 / /sys/fs/cgroup rw cgroup2 cgroup2 rw\n") ==
        std::nullopt);
}

TEST_CASE("cgroup2 mount: one inside the excluded rootfs is skipped", "[cgroup-path]") {
  std::string text =
      "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
      "90 88 0:23 / /run/c1/rootfs/sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 "
      "cgroup2 rw\n";
  CHECK(cgroups::cgroup2_mount(text) == std::optional<std::string>("/run/c1/rootfs/sys/fs/cgroup"));
  CHECK(cgroups::cgroup2_mount(text, "/run/c1/rootfs") == std::nullopt);
  // The rootfs itself as a mount point is under it too.
  CHECK(cgroups::cgroup2_mount("90 88 0:23 / /run/c1/rootfs rw - cgroup2 cgroup2 rw\n",
                               "/run/c1/rootfs") == std::nullopt);
  // A sibling whose name only starts the same is not under it.
  CHECK(cgroups::cgroup2_mount(text, "/run/c1/root") ==
        std::optional<std::string>("/run/c1/rootfs/sys/fs/cgroup"));
  // With the host's hierarchy mounted too (before the container's), that one is found.
  std::string both =
      std::string(kPureV2) + "90 28 0:23 / /run/c1/rootfs/sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
  CHECK(cgroups::cgroup2_mount(both, "/run/c1/rootfs") ==
        std::optional<std::string>("/sys/fs/cgroup"));
  std::string other_first =
      "90 88 0:23 / /run/c1/rootfs/sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
      "91 22 0:23 / /mnt/cg rw - cgroup2 cgroup2 rw\n";
  CHECK(cgroups::cgroup2_mount(other_first, "/run/c1/rootfs") ==
        std::optional<std::string>("/mnt/cg"));
}

TEST_CASE("cgroup2 mount: a bind mount of a subdirectory is skipped", "[cgroup-path]") {
  std::string sub =
      "50 22 0:23 /user.slice/user-1000.slice /mnt/mine rw,relatime shared:4 - cgroup2 cgroup2 "
      "rw,nsdelegate\n";
  CHECK(cgroups::cgroup2_mount(sub) == std::nullopt);
  CHECK(cgroups::cgroup2_mount(sub + "51 22 0:23 / /mnt/all rw - cgroup2 cgroup2 rw\n") ==
        std::optional<std::string>("/mnt/all"));
  // Octal-escaped mount points (a space: \040) are not guessed at.
  CHECK(cgroups::cgroup2_mount("52 22 0:23 / /mnt/my\\040cg rw - cgroup2 cgroup2 rw\n") ==
        std::nullopt);
}

TEST_CASE("cgroup2 mount: one a later mount covers is hidden", "[cgroup-path]") {
  std::string std_v2 = kPureV2;
  // A tmpfs over /sys/fs/cgroup, or over /sys, hides the hierarchy.
  CHECK(cgroups::cgroup2_mount(std_v2 + "80 26 0:50 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n") ==
        std::nullopt);
  CHECK(cgroups::cgroup2_mount(std_v2 + "81 22 0:51 / /sys rw - tmpfs tmpfs rw\n") == std::nullopt);
  // A mount below it, or beside it, does not.
  CHECK(cgroups::cgroup2_mount(std_v2 + "82 26 0:52 / /sys/fs/cgroup/x rw - tmpfs tmpfs rw\n") ==
        std::optional<std::string>("/sys/fs/cgroup"));
  CHECK(cgroups::cgroup2_mount(std_v2 + "83 24 0:53 / /sys/fs/cgroupx rw - tmpfs tmpfs rw\n") ==
        std::optional<std::string>("/sys/fs/cgroup"));
  // Mounts before it (/, /sys) do not cover it.
  CHECK(cgroups::cgroup2_mount(std_v2) == std::optional<std::string>("/sys/fs/cgroup"));
  // Covered, another visible one is taken instead.
  CHECK(cgroups::cgroup2_mount(std_v2 + "84 28 0:23 / /run/cg rw - cgroup2 cgroup2 rw\n" +
                               "85 26 0:50 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n") ==
        std::optional<std::string>("/run/cg"));
  // The hybrid host's unified hierarchy under a later tmpfs at /sys/fs/cgroup.
  CHECK(cgroups::cgroup2_mount(std::string(kHybrid) +
                               "86 24 0:54 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n") ==
        std::nullopt);
  // Remounted at the same point: the later cgroup2 mount is the one.
  CHECK(cgroups::cgroup2_mount(std_v2 + "87 26 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n") ==
        std::optional<std::string>("/sys/fs/cgroup"));
}

TEST_CASE("cgroup2 mount: /sys/fs/cgroup is preferred when several qualify", "[cgroup-path]") {
  std::string extra = "60 22 0:23 / /mnt/cg2 rw,relatime - cgroup2 cgroup2 rw\n";
  std::string extra2 = "61 22 0:23 / /srv/cg2 rw,relatime - cgroup2 cgroup2 rw\n";
  std::string sys = "26 24 0:23 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw\n";
  CHECK(cgroups::cgroup2_mount(extra + sys) == std::optional<std::string>("/sys/fs/cgroup"));
  CHECK(cgroups::cgroup2_mount(sys + extra) == std::optional<std::string>("/sys/fs/cgroup"));
  CHECK(cgroups::cgroup2_mount(extra + sys + extra2) ==
        std::optional<std::string>("/sys/fs/cgroup"));
  CHECK(cgroups::cgroup2_mount(kPureV2 + extra) == std::optional<std::string>("/sys/fs/cgroup"));
  // Without /sys/fs/cgroup: the first.
  CHECK(cgroups::cgroup2_mount(extra + extra2) == std::optional<std::string>("/mnt/cg2"));
  CHECK(cgroups::cgroup2_mount(extra2 + extra) == std::optional<std::string>("/srv/cg2"));
  // A hybrid host's unified mount loses to a later /sys/fs/cgroup cgroup2 mount.
  CHECK(cgroups::cgroup2_mount(std::string(kHybrid) +
                               "70 22 0:23 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n") ==
        std::optional<std::string>("/sys/fs/cgroup"));
}

TEST_CASE("own cgroup: the 0:: line of /proc/self/cgroup", "[cgroup-path]") {
  CHECK(cgroups::own_cgroup("0::/user.slice/x\n") == std::optional<std::string>("/user.slice/x"));
  CHECK(cgroups::own_cgroup("0::/user.slice/x") == std::optional<std::string>("/user.slice/x"));
  CHECK(cgroups::own_cgroup("0::/\n") == std::optional<std::string>("/"));
  std::string hybrid =
      "12:cpuset:/\n"
      "11:memory:/user.slice/user-1000.slice/session-2.scope\n"
      "4:pids:/user.slice/user-1000.slice/session-2.scope\n"
      "1:name=systemd:/user.slice/user-1000.slice/session-2.scope\n"
      "0::/user.slice/user-1000.slice/session-2.scope\n";
  CHECK(cgroups::own_cgroup(hybrid) ==
        std::optional<std::string>("/user.slice/user-1000.slice/session-2.scope"));
}

TEST_CASE("own cgroup: refused or missing", "[cgroup-path]") {
  CHECK(cgroups::own_cgroup("0::/user.slice/gone (deleted)\n") == std::nullopt);
  CHECK(cgroups::own_cgroup("0::/../../outside\n") == std::nullopt);
  CHECK(cgroups::own_cgroup("0::/a/..\n") == std::nullopt);
  CHECK(cgroups::own_cgroup("") == std::nullopt);
  CHECK(cgroups::own_cgroup(
            "12:cpuset:/\n11:memory:/user.slice\n1:name=systemd:/user.slice/session-2.scope\n") ==
        std::nullopt);
  // Not an absolute path.
  CHECK(cgroups::own_cgroup("0::user.slice\n") == std::nullopt);
}

TEST_CASE("resolve: cgroupfs paths", "[cgroup-path]") {
  CHECK(resolve("") == "/ocirun/c1");
  CHECK(resolve("", "/", "abc") == "/ocirun/abc");
  CHECK(resolve("/a/b") == "/a/b");
  CHECK(resolve("/machine/c1", "/") == "/machine/c1");
  CHECK(resolve("a/b") == "/user.slice/x/a/b");
  CHECK(resolve("a/b", "/") == "/a/b");
  CHECK(resolve("//a//b/") == "/a/b");
  CHECK(resolve("a//b/", "/") == "/a/b");
}

TEST_CASE("resolve: '.', '..' and the root are refused", "[cgroup-path]") {
  using Catch::Contains;
  CHECK_THROWS_AS(resolve("/a/../b"), Error);
  CHECK_THROWS_WITH(resolve("/a/../b"), Contains("linux.cgroupsPath") && Contains("\"/a/../b\""));
  CHECK_THROWS_WITH(resolve("../escape"), Contains("linux.cgroupsPath"));
  CHECK_THROWS_WITH(resolve("/a/./b"), Contains("linux.cgroupsPath"));
  CHECK_THROWS_WITH(resolve("."), Contains("linux.cgroupsPath"));
  CHECK_THROWS_WITH(resolve("/.."), Contains("linux.cgroupsPath"));
  CHECK_THROWS_WITH(resolve("/"), Contains("linux.cgroupsPath") && Contains("root"));
  CHECK_THROWS_WITH(resolve("///"), Contains("linux.cgroupsPath"));
  try {
    resolve("/a/..");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == EINVAL);
  }
}

TEST_CASE("resolve: systemd's slice:prefix:name", "[cgroup-path]") {
  CHECK(systemd("machine.slice:libpod:abc") == "/machine.slice/libpod-abc.scope");
  CHECK(systemd("system.slice:docker:x") == "/system.slice/docker-x.scope");
  CHECK(systemd(":prefix:name") == "/system.slice/prefix-name.scope");
  CHECK(systemd("user-1000.slice:p:n") == "/user.slice/user-1000.slice/p-n.scope");
  // No prefix; no name (the id); a name that is already a scope.
  CHECK(systemd("machine.slice::abc") == "/machine.slice/abc.scope");
  CHECK(systemd("machine.slice:crio:", "id9") == "/machine.slice/crio-id9.scope");
  CHECK(systemd("machine.slice:p:n.scope") == "/machine.slice/p-n.scope");
  // A name ending in .slice is a slice of its own, without the prefix.
  CHECK(systemd("machine.slice:p:my.slice") == "/machine.slice/my.slice");
  // The root slice.
  CHECK(systemd("-.slice:p:n") == "/p-n.scope");
  // An empty cgroupsPath keeps the default.
  // An empty path is "system.slice:ocirun:<id>" (issue 16), as runc's "runc-<id>".
  CHECK(systemd("") == "/system.slice/ocirun-c1.scope");
}

TEST_CASE("resolve: malformed systemd forms are refused", "[cgroup-path]") {
  using Catch::Contains;
  CHECK_THROWS_WITH(systemd("a:b"), Contains("linux.cgroupsPath") && Contains("slice:prefix:name"));
  CHECK_THROWS_WITH(systemd("machine.slice"), Contains("linux.cgroupsPath"));
  CHECK_THROWS_WITH(systemd("a.slice:b:c:d"), Contains("linux.cgroupsPath"));
  CHECK_THROWS_WITH(systemd("machine.scope:p:n"),
                    Contains("linux.cgroupsPath") && Contains("invalid slice name"));
  CHECK_THROWS_WITH(systemd("a--b.slice:p:n"), Contains("linux.cgroupsPath"));
  CHECK_THROWS_WITH(systemd("machine.slice:p:a/b"), Contains("linux.cgroupsPath"));
  CHECK_THROWS_WITH(systemd("/machine.slice:p:n"), Contains("linux.cgroupsPath"));
}

TEST_CASE("expand_slice: systemd's nesting by dashes", "[cgroup-path]") {
  CHECK(cgroups::expand_slice("-.slice") == "");
  CHECK(cgroups::expand_slice("system.slice") == "/system.slice");
  CHECK(cgroups::expand_slice("a-b.slice") == "/a.slice/a-b.slice");
  CHECK(cgroups::expand_slice("a-b-c.slice") == "/a.slice/a-b.slice/a-b-c.slice");
  CHECK(cgroups::expand_slice("user-1000.slice") == "/user.slice/user-1000.slice");
}

TEST_CASE("expand_slice: invalid names", "[cgroup-path]") {
  using Catch::Contains;
  CHECK_THROWS_WITH(cgroups::expand_slice("a--b.slice"), Contains("invalid slice name"));
  CHECK_THROWS_WITH(cgroups::expand_slice("-a.slice"), Contains("invalid slice name \"-a.slice\""));
  CHECK_THROWS_WITH(cgroups::expand_slice("a-.slice"), Contains("invalid slice name"));
  CHECK_THROWS_WITH(cgroups::expand_slice("a.scope"), Contains("does not end in .slice"));
  CHECK_THROWS_WITH(cgroups::expand_slice(".slice"), Contains("invalid slice name"));
  CHECK_THROWS_WITH(cgroups::expand_slice(""), Contains("invalid slice name"));
  CHECK_THROWS_WITH(cgroups::expand_slice("a/b.slice"), Contains("'/'"));
  CHECK_THROWS_AS(cgroups::expand_slice("a.scope"), Error);
}

TEST_CASE("ancestors_and_self: from below the root down to the path", "[cgroup-path]") {
  CHECK(cgroups::ancestors_and_self("/a/b/c") == Strings{"/a", "/a/b", "/a/b/c"});
  CHECK(cgroups::ancestors_and_self("/a") == Strings{"/a"});
  CHECK(cgroups::ancestors_and_self("/") == Strings{});
  CHECK(cgroups::ancestors_and_self("/machine.slice/libpod-abc.scope") ==
        Strings{"/machine.slice", "/machine.slice/libpod-abc.scope"});
}
