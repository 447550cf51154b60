// Which namespaces a container gets: created by clone (flags), or joined by
// path with setns, in an order that works (user first). Pure.
#pragma once

#include <string>
#include <vector>

#include "runtime/spec/config.hpp"
#include "runtime/sys/fd.hpp"

namespace ocirun::ns {

struct Join {
  spec::NsType type;
  std::string path;
  std::string field;  // "linux.namespaces[2]", for errors
};

struct Plan {
  unsigned long clone_flags = 0;  // CLONE_NEW* of the namespaces to create
  std::vector<Join> joins;        // setns order
  bool new_user = false;
  bool own_pid = false;    // a new pid namespace: every process in it is the container's
  bool own_mount = false;  // a new mount namespace; one joined by path gets the rootfs set up in it
  bool own_uts = false;    // hostname may be set
  std::vector<spec::IdMapping> uid_mappings, gid_mappings;

  // Namespaces joined by path are entered before the new ones are made, by
  // an intermediate process that then clones the init:
  // - when a user namespace is joined by path, so that the new namespaces
  //   belong to it;
  // - when a new one is made, whose root has no privilege over the host's
  //   namespaces (a network namespace given by path);
  // - when a pid or time namespace is joined: setns moves only a process's
  //   children into those, and the init, the process that mounts /proc,
  //   must live in them, or /proc shows the caller's processes.
  bool join_before_clone() const {
    if (joins.empty()) return false;
    if (new_user) return true;
    for (const auto& j : joins)
      if (j.type == spec::NsType::User || j.type == spec::NsType::Pid ||
          j.type == spec::NsType::Time)
        return true;
    return false;
  }
};

// Throws Error naming the config field when the combination is invalid.
Plan plan(const spec::Config& config);

// The text written to /proc/<pid>/{uid,gid}_map: "container host size\n" per line.
std::string id_map_text(const std::vector<spec::IdMapping>& maps);

// Effects (namespaces/userns.cpp):
// Who writes each map (namespaces/subid.hpp), settled before anything is
// made: the caller's euid, and for one that is not root its name and
// ranges in /etc/subuid and /etc/subgid. Throws naming a map it may not use.
struct MapWriters {
  bool uid_helper = false, gid_helper = false;  // newuidmap / newgidmap
};
MapWriters map_writers(const Plan& plan);
// Writes the id maps of process `pid` from the parent side.
void write_id_maps(pid_t pid, const Plan& plan, const MapWriters& writers);
// Becomes root (0:0) of the user namespace just entered, as far as its maps
// allow, and stays non-dumpable.
void become_root();
// A user namespace of its own with these maps, for MOUNT_ATTR_IDMAP: an fd of
// it, made by a short-lived child (namespaces/userns.cpp).
UniqueFd make_userns(const std::vector<spec::IdMapping>& uids,
                     const std::vector<spec::IdMapping>& gids);

// The text written to /proc/self/timens_offsets: "monotonic 172800 0\n...".
std::string timens_offsets_text(const spec::TimeOffsets& offsets);
// Unshares a time namespace and writes its offsets, through a verified
// procfs: the caller enters it at execve (namespaces/time.cpp).
void enter_time_namespace(const spec::TimeOffsets& offsets);

// CLONE_NEW* of the namespaces of process `init` that are not the caller's:
// those exec joins (namespaces/inspect.cpp).
int namespaces_to_join(pid_t init);
// Every process in the pid namespace of `init` (itself included).
std::vector<pid_t> pid_namespace_members(pid_t init);

// Brings up "lo" in the new network namespace just entered (namespaces/network.cpp).
void bring_up_loopback();

// Effects (namespaces/join.cpp):
// Opens the namespaces of plan.joins, in plan.joins order, all before any is
// entered (a mount namespace joined would change what the next paths name),
// and checks that each is a namespace of its type. Errors name the entry:
// "linux.namespaces[1]: network namespace /proc/7/ns/net: open: No such file or directory".
std::vector<UniqueFd> open_joins(const Plan& plan);
// Enters them, in order, and closes each fd once entered (they are the
// caller's copies, in a child that never returns).
void join_namespaces(const Plan& plan, const std::vector<int>& fds);

}  // namespace ocirun::ns
