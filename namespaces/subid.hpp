// Who writes a new user namespace's id maps (pure). The host's root writes
// /proc/PID/{uid,gid}_map itself. A caller that is not (rootless) may write
// one line mapping its own id, size 1, only (and the gid map only with
// setgroups denied); any other map goes through the setuid helpers
// newuidmap/newgidmap (Debian's uidmap), which allow the ranges /etc/subuid
// and /etc/subgid give the user. A map the caller may not use at all is
// refused before anything is made, naming linux.uidMappings[i].
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/spec/config.hpp"

namespace ocirun::ns {

struct IdRange {
  uint64_t start = 0, size = 0;
};

// The ranges of `user` (by name, or by its number `id` as text) in the text
// of /etc/subuid or /etc/subgid ("name:start:count" per line; others and
// malformed lines are skipped).
std::vector<IdRange> subid_ranges(std::string_view file_text, std::string_view user, uint32_t id);

enum class MapWriter { Direct, Helper };

// How the maps of `field` ("linux.uidMappings") are written by a caller that
// is `privileged` (the host's root: always Direct), or else whose own id is
// `own` with the subordinate ranges `allowed` (from `file`, for the
// message). Throws Error for a mapping of host ids that are neither.
MapWriter map_writer(const std::vector<spec::IdMapping>& maps, const std::string& field,
                     bool privileged, uint32_t own, const std::vector<IdRange>& allowed,
                     const std::string& file);

// newuidmap/newgidmap's arguments after the pid: "container host size" each.
std::vector<std::string> helper_args(const std::vector<spec::IdMapping>& maps);

}  // namespace ocirun::ns
