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

  // A user namespace joined by path must be entered before the new namespaces
  // are made, so that they belong to it: the init is then cloned by an
  // intermediate process that has joined first.
  bool join_before_clone() const {
    if (clone_flags == 0) return false;
    for (const auto& j : joins)
      if (j.type == spec::NsType::User) return true;
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
// Joins the namespaces of plan.joins, checking each path is a namespace of its type.
void join_namespaces(const Plan& plan);

}  // namespace ocirun::ns
