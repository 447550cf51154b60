// linux.resources → the cgroup v2 files to write (pure). The planner knows the
// spec's fields, v2's file names and value formats, the conversions runc and
// crun use (cpu.shares → cpu.weight, swap → memory.swap.max, ...), and which
// controller each file belongs to; cgroups/manager.cpp writes the result.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ocirun::cgroups {

// One write: `value` into the file `file` of the container's cgroup.
struct Write {
  std::string file;   // "memory.max", "io.max", "hugetlb.2MB.max", ...
  std::string value;  // exactly what is written ("max", "50000 100000", "8:0 rbps=1024", ...)
  std::string field;  // the config field it comes from: "linux.resources.memory.limit"
  // Some files exist only with a scheduler or kernel feature the planner cannot
  // see. When `file` is missing (ENOENT) the writer:
  //   - writes `fallback_value` to `fallback_file` instead, if one is given
  //     (io.bfq.weight → io.weight with the weight converted, as runc does);
  //   - otherwise skips the write if `optional` (hugetlb.<size>.rsvd.max on
  //     kernels before 5.7; memory.swap.max "max"/"0" without swap accounting);
  //   - otherwise fails.
  // `optional` also covers a missing `fallback_file`.
  std::string fallback_file = {};
  std::string fallback_value = {};
  bool optional = false;
  // The value is the file's default in a new cgroup (memory.max and pids.max
  // "max", cpu.weight 100: what `ctr run` sends as cpu.shares 1024). It asks
  // for no limit, so it needs no controller: it is not counted in
  // ResourcePlan::controllers, and is `optional`.
  bool is_default = false;

  friend bool operator==(const Write&, const Write&) = default;
};

struct ResourcePlan {
  std::vector<Write> writes;          // in the order they are to be written
  std::set<std::string> controllers;  // controllers the writes need ("memory", "cpu", "io", ...)
  std::vector<std::string> warnings;  // fields v2 cannot honour but that are no error
  // memory.checkBeforeUpdate: on update, refuse a memory.max below memory.current.
  bool check_before_update = false;
};

// What the planner needs to know of the cgroup as it is (for `update`).
struct Current {
  std::optional<int64_t> memory_max;  // memory.max now (nullopt: "max" or unknown)
};

// Throws Error naming the field for what v2 cannot express (realtime cpu
// fields, a negative limit other than -1, swap below the limit, a `unified`
// key that is not a cgroup file name, ...).
ResourcePlan plan_resources(const nlohmann::json& resources, const Current& current = {});

// The controller a cgroup file belongs to: "memory.max" → "memory",
// "cgroup.freeze" → "" (core files need none).
std::string controller_of(const std::string& file);

// runc's conversion of cgroup v1 cpu.shares [2, 262144] to v2 cpu.weight [1, 10000].
// It is the quadratic fit (in log2 space) that runc has used since 1.3.2 and
// crun since 1.23, which maps the v1 default 1024 to the v2 default 100:
// 2 → 1, 1024 → 100, 262144 → 10000. Shares outside [2, 262144] are clamped
// first (0 gives 1: the planner itself treats shares 0 as "unset").
uint64_t cpu_weight_from_shares(uint64_t shares);

}  // namespace ocirun::cgroups
