// Which namespaces a container gets: created by clone (flags), or joined by
// path with setns, in an order that works (user first, mount last). Pure.
#pragma once

#include <string>
#include <vector>

#include "runtime/spec/config.hpp"

namespace ocirun::ns {

struct Join {
  spec::NsType type;
  std::string path;
};

struct Plan {
  unsigned long clone_flags = 0;  // CLONE_NEW* of the namespaces to create
  std::vector<Join> joins;        // setns order
  bool new_user = false;
  bool own_pid = false;    // the container has a pid namespace of its own (new or joined)
  bool own_mount = false;  // new mount namespace (required: the rootfs is set up in it)
  bool own_uts = false;    // hostname may be set
  std::vector<spec::IdMapping> uid_mappings, gid_mappings;

  // Namespaces joined by path are entered before the new ones are made, by
  // an intermediate process that then clones the init, when a user namespace
  // is involved: one joined by path, so that the new namespaces belong to
  // it; or a new one, whose root has no privilege over the host's namespaces
  // (a network namespace given by path). And when a pid namespace is joined
  // by path: setns puts only a process's children into it, and the init, the
  // process that mounts /proc, must live in it, or /proc shows the caller's
  // processes.
  bool join_before_clone() const {
    if (clone_flags == 0 || joins.empty()) return false;
    if (new_user) return true;
    for (const auto& j : joins)
      if (j.type == spec::NsType::User || j.type == spec::NsType::Pid) return true;
    return false;
  }
};

// Throws Error naming the config field when the combination is invalid.
Plan plan(const spec::Config& config);

// The text written to /proc/<pid>/{uid,gid}_map: "container host size\n" per line.
std::string id_map_text(const std::vector<spec::IdMapping>& maps);

// Effects (namespaces/userns.cpp):
// Writes the id maps of process `pid` from the parent side.
void write_id_maps(pid_t pid, const Plan& plan);
// Becomes root (0:0) of the user namespace just entered, as far as its maps
// allow, and stays non-dumpable.
void become_root();
// Joins the namespaces of plan.joins, checking each path is a namespace of its type.
void join_namespaces(const Plan& plan);

}  // namespace ocirun::ns
