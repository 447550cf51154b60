#include "cgroups/resources.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "runtime/sys/error.hpp"

using json = nlohmann::json;
using namespace ocirun::cgroups;

namespace {

using FileValues = std::vector<std::pair<std::string, std::string>>;

// The (file, value) pairs of a plan, in order.
FileValues writes_of(const ResourcePlan& plan) {
  FileValues out;
  for (const auto& w : plan.writes) out.emplace_back(w.file, w.value);
  return out;
}

FileValues planned(const json& resources, const Current& current = {}) {
  return writes_of(plan_resources(resources, current));
}

// The message plan_resources throws ("" if it does not).
std::string refusal(const json& resources, const Current& current = {}) {
  try {
    plan_resources(resources, current);
  } catch (const ocirun::Error& e) {
    return e.what();
  }
  return "";
}

const Write& only_write(const ResourcePlan& plan) {
  REQUIRE(plan.writes.size() == 1);
  return plan.writes[0];
}

}  // namespace

TEST_CASE("controller_of: the prefix before the first dot; core files need none",
          "[cgroup-resources]") {
  CHECK(controller_of("memory.max") == "memory");
  CHECK(controller_of("memory.swap.max") == "memory");
  CHECK(controller_of("io.max") == "io");
  CHECK(controller_of("io.bfq.weight") == "io");
  CHECK(controller_of("cpu.max") == "cpu");
  CHECK(controller_of("cpu.max.burst") == "cpu");
  CHECK(controller_of("cpuset.cpus") == "cpuset");
  CHECK(controller_of("hugetlb.2MB.max") == "hugetlb");
  CHECK(controller_of("rdma.max") == "rdma");
  CHECK(controller_of("pids.max") == "pids");
  CHECK(controller_of("misc.max") == "misc");
  CHECK(controller_of("cgroup.freeze") == "");
  CHECK(controller_of("cgroup.max.depth") == "");
  CHECK(controller_of("nodot") == "");
  CHECK(controller_of(".hidden") == "");
}

TEST_CASE("cpu_weight_from_shares: runc's and crun's quadratic fit, clamped",
          "[cgroup-resources]") {
  // The three points the fit goes through: v1 min, default, max.
  CHECK(cpu_weight_from_shares(2) == 1);
  CHECK(cpu_weight_from_shares(1024) == 100);
  CHECK(cpu_weight_from_shares(262144) == 10000);
  // Between them, rounded up (runc's test table: min+1 → 2, max-1 → 10000).
  CHECK(cpu_weight_from_shares(3) == 2);
  CHECK(cpu_weight_from_shares(100) == 17);
  CHECK(cpu_weight_from_shares(512) == 59);
  CHECK(cpu_weight_from_shares(2048) == 174);
  CHECK(cpu_weight_from_shares(4096) == 303);
  CHECK(cpu_weight_from_shares(100000) == 4340);
  CHECK(cpu_weight_from_shares(262143) == 10000);
  // Out of v1's range: clamped.
  CHECK(cpu_weight_from_shares(0) == 1);
  CHECK(cpu_weight_from_shares(1) == 1);
  CHECK(cpu_weight_from_shares(262145) == 10000);
  CHECK(cpu_weight_from_shares(UINT64_MAX) == 10000);
  // Monotonic over the whole range, always inside v2's.
  uint64_t last = 1;
  for (uint64_t s = 2; s <= 262144; ++s) {
    uint64_t w = cpu_weight_from_shares(s);
    if (w < last || w > 10000) FAIL("shares " << s << " → weight " << w << " after " << last);
    last = w;
  }
}

TEST_CASE("no resources, or only devices: nothing to write", "[cgroup-resources]") {
  for (const json& r : {json(nullptr), json::object(),
                        json{{"devices", {{{"allow", false}, {"access", "rwm"}}}}}}) {
    ResourcePlan plan = plan_resources(r);
    CHECK(plan.writes.empty());
    CHECK(plan.controllers.empty());
    CHECK(plan.warnings.empty());
    CHECK_FALSE(plan.check_before_update);
  }
  CHECK(refusal(json::array()) == "linux.resources: must be an object, got []");
}

TEST_CASE("memory: limit, swap and reservation, in the order max, swap.max, low",
          "[cgroup-resources]") {
  ResourcePlan plan = plan_resources(
      {{"memory", {{"reservation", 1048576}, {"swap", 6291456}, {"limit", 4194304}}}});
  REQUIRE(plan.writes.size() == 3);
  CHECK(plan.writes[0] == Write{"memory.max", "4194304", "linux.resources.memory.limit"});
  // v1's swap is memory+swap: 6 MiB − 4 MiB.
  CHECK(plan.writes[1] == Write{"memory.swap.max", "2097152", "linux.resources.memory.swap"});
  CHECK(plan.writes[2] == Write{"memory.low", "1048576", "linux.resources.memory.reservation"});
  CHECK(plan.controllers == std::set<std::string>{"memory"});
  CHECK(plan.warnings.empty());
}

TEST_CASE("memory: -1 is max; swap equal to the limit is no swap", "[cgroup-resources]") {
  SECTION("limit -1 alone: memory and swap unlimited (runc)") {
    ResourcePlan plan = plan_resources({{"memory", {{"limit", -1}}}});
    REQUIRE(plan.writes.size() == 2);
    Write unlimited{"memory.max", "max", "linux.resources.memory.limit"};
    unlimited.optional = unlimited.is_default = true;
    CHECK(plan.writes[0] == unlimited);
    CHECK(plan.controllers.empty());  // asks for no limit: needs no controller
    CHECK(plan.writes[1].file == "memory.swap.max");
    CHECK(plan.writes[1].value == "max");
    CHECK(plan.writes[1].optional);  // no swap accounting: "max" holds anyway
  }
  SECTION("limit -1 with swap 0 (unset): the same") {
    CHECK(planned({{"memory", {{"limit", -1}, {"swap", 0}}}}) ==
          FileValues{{"memory.max", "max"}, {"memory.swap.max", "max"}});
  }
  SECTION("limit -1 with a swap: swap as is, nothing to subtract") {
    ResourcePlan plan = plan_resources({{"memory", {{"limit", -1}, {"swap", 1048576}}}});
    CHECK(writes_of(plan) == FileValues{{"memory.max", "max"}, {"memory.swap.max", "1048576"}});
    CHECK_FALSE(plan.writes[1].optional);
    CHECK(plan.writes[1].field == "linux.resources.memory.swap");
  }
  SECTION("swap -1") {
    ResourcePlan plan = plan_resources({{"memory", {{"limit", 4194304}, {"swap", -1}}}});
    CHECK(writes_of(plan) == FileValues{{"memory.max", "4194304"}, {"memory.swap.max", "max"}});
    CHECK(plan.writes[1].optional);
  }
  SECTION("swap == limit: memory.swap.max 0") {
    ResourcePlan plan = plan_resources({{"memory", {{"limit", 4194304}, {"swap", 4194304}}}});
    CHECK(writes_of(plan) == FileValues{{"memory.max", "4194304"}, {"memory.swap.max", "0"}});
    CHECK(plan.writes[1].optional);
  }
  SECTION("reservation -1") {
    CHECK(planned({{"memory", {{"reservation", -1}}}}) == FileValues{{"memory.low", "max"}});
  }
}

TEST_CASE("memory: zeros are unset", "[cgroup-resources]") {
  ResourcePlan plan = plan_resources({{"memory",
                                       {{"limit", 0},
                                        {"swap", 0},
                                        {"reservation", 0},
                                        {"kernel", 0},
                                        {"kernelTCP", 0},
                                        {"disableOOMKiller", false},
                                        {"useHierarchy", true},
                                        {"checkBeforeUpdate", false}}}});
  CHECK(plan.writes.empty());
  CHECK(plan.controllers.empty());
  CHECK(plan.warnings.empty());
  CHECK_FALSE(plan.check_before_update);
  // A positive limit with swap 0 leaves memory.swap.max alone.
  CHECK(planned({{"memory", {{"limit", 1024}, {"swap", 0}}}}) ==
        FileValues{{"memory.max", "1024"}});
}

TEST_CASE("memory: swap below the limit is refused", "[cgroup-resources]") {
  CHECK(refusal({{"memory", {{"limit", 4194304}, {"swap", 1048576}}}}) ==
        "linux.resources.memory.swap: 1048576 is below memory.limit 4194304 (swap counts "
        "memory plus swap)");
}

TEST_CASE("memory: swap alone (update) is converted against the current memory.max",
          "[cgroup-resources]") {
  json swap_only = {{"memory", {{"swap", 3000000}}}};
  ResourcePlan plan = plan_resources(swap_only, Current{.memory_max = 1000000});
  CHECK(only_write(plan) == Write{"memory.swap.max", "2000000", "linux.resources.memory.swap"});
  // A limit given alongside wins over the current one.
  CHECK(planned({{"memory", {{"swap", 3000000}, {"limit", 2500000}}}},
                Current{.memory_max = 1000000}) ==
        FileValues{{"memory.max", "2500000"}, {"memory.swap.max", "500000"}});
  CHECK(refusal(swap_only, Current{.memory_max = 4000000}) ==
        "linux.resources.memory.swap: 3000000 is below the current memory.max 4000000 (swap "
        "counts memory plus swap)");
  CHECK(refusal(swap_only) ==
        "linux.resources.memory.swap: needs memory.limit to be converted to memory.swap.max "
        "(swap counts memory plus swap) and the cgroup's memory.max is unknown or max");
  // limit 0 is unset too: the same as no limit.
  CHECK(refusal({{"memory", {{"swap", 3000000}, {"limit", 0}}}}) == refusal(swap_only));
  // swap -1 needs nothing to subtract from.
  CHECK(planned({{"memory", {{"swap", -1}}}}) == FileValues{{"memory.swap.max", "max"}});
}

TEST_CASE("memory: negative values other than -1 are refused", "[cgroup-resources]") {
  CHECK(refusal({{"memory", {{"limit", -2}}}}) ==
        "linux.resources.memory.limit: -2 is negative (the only negative value allowed is -1, "
        "meaning no limit)");
  CHECK(refusal({{"memory", {{"swap", -3}}}}) ==
        "linux.resources.memory.swap: -3 is negative (the only negative value allowed is -1, "
        "meaning no limit)");
  CHECK(refusal({{"memory", {{"reservation", -5}}}}) ==
        "linux.resources.memory.reservation: -5 is negative (the only negative value allowed "
        "is -1, meaning no limit)");
}

TEST_CASE("memory: what v2 lacks is a warning; checkBeforeUpdate is a flag", "[cgroup-resources]") {
  ResourcePlan plan = plan_resources({{"memory",
                                       {{"kernel", 1048576},
                                        {"kernelTCP", 65536},
                                        {"swappiness", 0},
                                        {"disableOOMKiller", true},
                                        {"useHierarchy", false},
                                        {"checkBeforeUpdate", true}}}});
  CHECK(plan.writes.empty());
  CHECK(plan.check_before_update);
  CHECK(plan.warnings ==
        std::vector<std::string>{
            "linux.resources.memory.kernel: ignored: cgroup v2 has no separate kernel memory "
            "limit (memory.max counts it)",
            "linux.resources.memory.kernelTCP: ignored: cgroup v2 has no separate TCP buffer "
            "limit (memory.max counts it)",
            "linux.resources.memory.swappiness: ignored: cgroup v2 has no per-cgroup swappiness",
            "linux.resources.memory.disableOOMKiller: not supported in cgroup v2",
            "linux.resources.memory.useHierarchy: ignored: cgroup v2 is always hierarchical"});
}

TEST_CASE("cpu: shares become cpu.weight; shares 0 is unset", "[cgroup-resources]") {
  ResourcePlan plan = plan_resources({{"cpu", {{"shares", 2048}}}});
  CHECK(only_write(plan) == Write{"cpu.weight", "174", "linux.resources.cpu.shares"});
  CHECK(plan.controllers == std::set<std::string>{"cpu"});
  // 1024, the v1 default (`ctr run` always sends it), is cpu.weight's default,
  // 100: it needs no cpu controller, and is skipped where the file is missing.
  plan = plan_resources({{"cpu", {{"shares", 1024}}}});
  Write default_weight{"cpu.weight", "100", "linux.resources.cpu.shares"};
  default_weight.optional = default_weight.is_default = true;
  CHECK(only_write(plan) == default_weight);
  CHECK(plan.controllers.empty());
  CHECK(planned({{"cpu", {{"shares", 512}}}}) == FileValues{{"cpu.weight", "59"}});
  CHECK(planned({{"cpu", {{"shares", 1}}}}) == FileValues{{"cpu.weight", "1"}});
  CHECK(planned({{"cpu", {{"shares", 1000000}}}}) == FileValues{{"cpu.weight", "10000"}});
  CHECK(planned({{"cpu", {{"shares", 0}}}}).empty());
}

TEST_CASE("values that ask for no limit need no controller", "[cgroup-resources]") {
  ResourcePlan plan = plan_resources({{"memory", {{"limit", -1}, {"swap", -1}}},
                                      {"pids", {{"limit", -1}}},
                                      {"cpu", {{"shares", 1024}}}});
  CHECK(plan.controllers.empty());
  for (const Write& w : plan.writes) CHECK(w.optional);
  // A real limit beside them still needs its controller.
  plan = plan_resources({{"pids", {{"limit", -1}}}, {"memory", {{"limit", 1 << 24}}}});
  CHECK(plan.controllers == std::set<std::string>{"memory"});
  CHECK_FALSE(plan.writes[0].optional);
}

TEST_CASE("cpu: quota and period make cpu.max", "[cgroup-resources]") {
  ResourcePlan plan = plan_resources({{"cpu", {{"quota", 50000}, {"period", 200000}}}});
  CHECK(only_write(plan) == Write{"cpu.max", "50000 200000", "linux.resources.cpu.quota"});
  // No period: the kernel's default, 100000.
  CHECK(planned({{"cpu", {{"quota", 50000}}}}) == FileValues{{"cpu.max", "50000 100000"}});
  // quota -1: max.
  CHECK(planned({{"cpu", {{"quota", -1}, {"period", 200000}}}}) ==
        FileValues{{"cpu.max", "max 200000"}});
  CHECK(planned({{"cpu", {{"quota", -1}}}}) == FileValues{{"cpu.max", "max 100000"}});
  // A period alone: quota max (cpu.max takes both).
  plan = plan_resources({{"cpu", {{"period", 250000}}}});
  CHECK(only_write(plan) == Write{"cpu.max", "max 250000", "linux.resources.cpu.period"});
  CHECK(planned({{"cpu", {{"quota", 0}, {"period", 250000}}}}) ==
        FileValues{{"cpu.max", "max 250000"}});
  // Both 0: unset.
  CHECK(planned({{"cpu", {{"quota", 0}, {"period", 0}}}}).empty());
  CHECK(refusal({{"cpu", {{"quota", -2}}}}) ==
        "linux.resources.cpu.quota: -2 is negative (the only negative value allowed is -1, "
        "meaning no limit)");
}

TEST_CASE("cpu: burst is ordered around cpu.max so that burst <= quota always holds",
          "[cgroup-resources]") {
  // Alone: just the file (0 included: it means no burst).
  ResourcePlan plan = plan_resources({{"cpu", {{"burst", 20000}}}});
  CHECK(only_write(plan) == Write{"cpu.max.burst", "20000", "linux.resources.cpu.burst"});
  CHECK(planned({{"cpu", {{"burst", 0}}}}) == FileValues{{"cpu.max.burst", "0"}});
  // With a quota: burst 0, the new cpu.max, the new burst.
  plan = plan_resources({{"cpu", {{"quota", 50000}, {"burst", 20000}}}});
  CHECK(writes_of(plan) == FileValues{{"cpu.max.burst", "0"},
                                      {"cpu.max", "50000 100000"},
                                      {"cpu.max.burst", "20000"}});
  CHECK(plan.writes[0].field == "linux.resources.cpu.burst");
  CHECK(plan.writes[2].field == "linux.resources.cpu.burst");
  CHECK(planned({{"cpu", {{"quota", 50000}, {"burst", 0}}}}) ==
        FileValues{{"cpu.max.burst", "0"}, {"cpu.max", "50000 100000"}});
  CHECK(
      planned({{"cpu", {{"quota", 50000}, {"burst", 50000}}}}) ==
      FileValues{{"cpu.max.burst", "0"}, {"cpu.max", "50000 100000"}, {"cpu.max.burst", "50000"}});
  // With quota max nothing bounds the burst.
  CHECK(planned({{"cpu", {{"quota", -1}, {"burst", 20000}}}}) ==
        FileValues{{"cpu.max", "max 100000"}, {"cpu.max.burst", "20000"}});
  CHECK(refusal({{"cpu", {{"quota", 50000}, {"burst", 60000}}}}) ==
        "linux.resources.cpu.burst: 60000 exceeds cpu.quota 50000");
}

TEST_CASE("cpu: idle is written around cpu.weight (refused while idle)", "[cgroup-resources]") {
  ResourcePlan plan = plan_resources({{"cpu", {{"idle", 1}, {"shares", 1024}}}});
  CHECK(writes_of(plan) == FileValues{{"cpu.weight", "100"}, {"cpu.idle", "1"}});
  CHECK(plan.writes[1].field == "linux.resources.cpu.idle");
  CHECK(planned({{"cpu", {{"idle", 0}, {"shares", 1024}}}}) ==
        FileValues{{"cpu.idle", "0"}, {"cpu.weight", "100"}});
  CHECK(planned({{"cpu", {{"idle", 0}}}}) == FileValues{{"cpu.idle", "0"}});
  CHECK(refusal({{"cpu", {{"idle", 2}}}}) == "linux.resources.cpu.idle: must be 0 or 1, got 2");
  CHECK(refusal({{"cpu", {{"idle", -1}}}}) == "linux.resources.cpu.idle: must be 0 or 1, got -1");
}

TEST_CASE("cpu: realtime fields are refused unless 0", "[cgroup-resources]") {
  CHECK(refusal({{"cpu", {{"realtimePeriod", 1000000}}}}) ==
        "linux.resources.cpu.realtimePeriod: not supported on cgroup v2");
  CHECK(refusal({{"cpu", {{"realtimeRuntime", 950000}}}}) ==
        "linux.resources.cpu.realtimeRuntime: not supported on cgroup v2");
  CHECK(refusal({{"cpu", {{"realtimeRuntime", -1}}}}) ==
        "linux.resources.cpu.realtimeRuntime: not supported on cgroup v2");
  CHECK(planned({{"cpu", {{"realtimePeriod", 0}, {"realtimeRuntime", 0}}}}).empty());
}

TEST_CASE("cpu: cpus and mems go to the cpuset controller", "[cgroup-resources]") {
  ResourcePlan plan = plan_resources({{"cpu", {{"cpus", "0-3,7"}, {"mems", "0"}}}});
  REQUIRE(plan.writes.size() == 2);
  CHECK(plan.writes[0] == Write{"cpuset.cpus", "0-3,7", "linux.resources.cpu.cpus"});
  CHECK(plan.writes[1] == Write{"cpuset.mems", "0", "linux.resources.cpu.mems"});
  CHECK(plan.controllers == std::set<std::string>{"cpuset"});
  CHECK(planned({{"cpu", {{"cpus", ""}, {"mems", ""}}}}).empty());
}

TEST_CASE("pids: -1 is max, 0 is a limit (written 1, as runc)", "[cgroup-resources]") {
  ResourcePlan plan = plan_resources({{"pids", {{"limit", 100}}}});
  CHECK(only_write(plan) == Write{"pids.max", "100", "linux.resources.pids.limit"});
  CHECK(plan.controllers == std::set<std::string>{"pids"});
  CHECK(planned({{"pids", {{"limit", -1}}}}) == FileValues{{"pids.max", "max"}});
  CHECK(planned({{"pids", {{"limit", 0}}}}) == FileValues{{"pids.max", "1"}});
  CHECK(planned({{"pids", json::object()}}).empty());
  CHECK(refusal({{"pids", {{"limit", -2}}}}) ==
        "linux.resources.pids.limit: -2 is negative (the only negative value allowed is -1, "
        "meaning no limit)");
}

TEST_CASE("blockIO: weight to io.bfq.weight, falling back to io.weight converted",
          "[cgroup-resources]") {
  ResourcePlan plan = plan_resources({{"blockIO", {{"weight", 500}}}});
  const Write& w = only_write(plan);
  CHECK(w.file == "io.bfq.weight");
  CHECK(w.value == "500");
  CHECK(w.field == "linux.resources.blockIO.weight");
  CHECK(w.fallback_file == "io.weight");
  CHECK(w.fallback_value == "4950");  // 1 + (500 − 10) · 9999 / 990
  CHECK_FALSE(w.optional);
  CHECK(plan.controllers == std::set<std::string>{"io"});
  // The ends of [10, 1000] map to the ends of [1, 10000].
  CHECK(only_write(plan_resources({{"blockIO", {{"weight", 10}}}})).fallback_value == "1");
  CHECK(only_write(plan_resources({{"blockIO", {{"weight", 1000}}}})).fallback_value == "10000");
  CHECK(only_write(plan_resources({{"blockIO", {{"weight", 100}}}})).fallback_value == "910");
  // 0 is unset.
  CHECK(planned({{"blockIO", {{"weight", 0}}}}).empty());
  CHECK(refusal({{"blockIO", {{"weight", 5}}}}) ==
        "linux.resources.blockIO.weight: 5 is outside the blkio weight range [10, 1000]");
  CHECK(refusal({{"blockIO", {{"weight", 1001}}}}) ==
        "linux.resources.blockIO.weight: 1001 is outside the blkio weight range [10, 1000]");
  // leafWeight: none in v2.
  plan = plan_resources({{"blockIO", {{"leafWeight", 300}}}});
  CHECK(plan.writes.empty());
  CHECK(plan.warnings ==
        std::vector<std::string>{"linux.resources.blockIO.leafWeight: ignored: cgroup v2 has no "
                                 "leaf weight"});
  CHECK(plan_resources({{"blockIO", {{"leafWeight", 0}}}}).warnings.empty());
}

TEST_CASE("blockIO: weightDevice lines", "[cgroup-resources]") {
  ResourcePlan plan =
      plan_resources({{"blockIO",
                       {{"weightDevice",
                         {{{"major", 8}, {"minor", 0}, {"weight", 300}, {"leafWeight", 10}},
                          {{"major", 8}, {"minor", 16}, {"weight", 0}},
                          {{"major", 259}, {"minor", 1}, {"weight", 1000}}}}}}});
  REQUIRE(plan.writes.size() == 2);
  CHECK(plan.writes[0].file == "io.bfq.weight");
  CHECK(plan.writes[0].value == "8:0 300");
  CHECK(plan.writes[0].field == "linux.resources.blockIO.weightDevice[0].weight");
  CHECK(plan.writes[0].fallback_file == "io.weight");
  CHECK(plan.writes[0].fallback_value == "8:0 2930");
  CHECK(plan.writes[1].value == "259:1 1000");
  CHECK(plan.writes[1].fallback_value == "259:1 10000");
  CHECK(plan.warnings ==
        std::vector<std::string>{"linux.resources.blockIO.weightDevice[0].leafWeight: ignored: "
                                 "cgroup v2 has no leaf weight"});
  CHECK(refusal(
            {{"blockIO", {{"weightDevice", {{{"major", -1}, {"minor", 0}, {"weight", 100}}}}}}}) ==
        "linux.resources.blockIO.weightDevice[0].major: must not be negative");
  CHECK(refusal({{"blockIO", {{"weightDevice", {{{"major", 8}, {"minor", 0}, {"weight", 2}}}}}}}) ==
        "linux.resources.blockIO.weightDevice[0].weight: 2 is outside the blkio weight range "
        "[10, 1000]");
}

TEST_CASE("blockIO: throttles become io.max lines, rate 0 is max", "[cgroup-resources]") {
  json dev8 = {{"major", 8}, {"minor", 0}, {"rate", 1048576}};
  ResourcePlan plan = plan_resources(
      {{"blockIO",
        {{"throttleWriteIOPSDevice", {{{"major", 8}, {"minor", 0}, {"rate", 120}}}},
         {"throttleReadIOPSDevice", {{{"major", 8}, {"minor", 0}, {"rate", 0}}}},
         {"throttleWriteBpsDevice", {{{"major", 8}, {"minor", 16}, {"rate", 2097152}}}},
         {"throttleReadBpsDevice", {dev8, {{"major", 253}, {"minor", 3}, {"rate", 4096}}}}}}});
  CHECK(writes_of(plan) == FileValues{{"io.max", "8:0 rbps=1048576"},
                                      {"io.max", "253:3 rbps=4096"},
                                      {"io.max", "8:16 wbps=2097152"},
                                      {"io.max", "8:0 riops=max"},
                                      {"io.max", "8:0 wiops=120"}});
  CHECK(plan.writes[1].field == "linux.resources.blockIO.throttleReadBpsDevice[1]");
  CHECK(plan.writes[4].field == "linux.resources.blockIO.throttleWriteIOPSDevice[0]");
  CHECK(plan.controllers == std::set<std::string>{"io"});
  CHECK(refusal({{"blockIO", {{"throttleReadBpsDevice", {{{"major", 8}, {"minor", -4}}}}}}}) ==
        "linux.resources.blockIO.throttleReadBpsDevice[0].minor: must not be negative");
}

TEST_CASE("hugepageLimits: hugetlb.<size>.max and, if the kernel has it, .rsvd.max",
          "[cgroup-resources]") {
  ResourcePlan plan = plan_resources(
      {{"hugepageLimits",
        {{{"pageSize", "2MB"}, {"limit", 209715200}}, {{"pageSize", "1GB"}, {"limit", 0}}}}});
  REQUIRE(plan.writes.size() == 4);
  CHECK(plan.writes[0] ==
        Write{"hugetlb.2MB.max", "209715200", "linux.resources.hugepageLimits[0].limit"});
  CHECK(plan.writes[1] == Write{"hugetlb.2MB.rsvd.max", "209715200",
                                "linux.resources.hugepageLimits[0].limit", "", "", true});
  CHECK(plan.writes[2] == Write{"hugetlb.1GB.max", "0", "linux.resources.hugepageLimits[1].limit"});
  CHECK(plan.writes[3].file == "hugetlb.1GB.rsvd.max");
  CHECK(plan.writes[3].optional);
  CHECK(plan.controllers == std::set<std::string>{"hugetlb"});
  CHECK(refusal({{"hugepageLimits", {{{"pageSize", "../2MB"}, {"limit", 1}}}}}) ==
        "linux.resources.hugepageLimits[0].pageSize: must be a page size like \"2MB\"");
}

TEST_CASE("rdma: one rdma.max line per device, absent limits max", "[cgroup-resources]") {
  ResourcePlan plan = plan_resources({{"rdma",
                                       {{"mlx5_1", {{"hcaHandles", 3}, {"hcaObjects", 10000}}},
                                        {"mlx4_0", {{"hcaObjects", 1000}}},
                                        {"rxe0", json::object()}}}});
  CHECK(writes_of(plan) == FileValues{{"rdma.max", "mlx4_0 hca_handle=max hca_object=1000"},
                                      {"rdma.max", "mlx5_1 hca_handle=3 hca_object=10000"},
                                      {"rdma.max", "rxe0 hca_handle=max hca_object=max"}});
  CHECK(plan.writes[1].field == "linux.resources.rdma.mlx5_1");
  CHECK(plan.controllers == std::set<std::string>{"rdma"});
  CHECK(refusal({{"rdma", {{"a b", {{"hcaHandles", 1}}}}}}) ==
        "linux.resources.rdma[\"a b\"]: must be a device name (no spaces)");
}

TEST_CASE("network: no v2 files, a warning unless unset", "[cgroup-resources]") {
  ResourcePlan plan = plan_resources({{"network", {{"classID", 1048577}}}});
  CHECK(plan.writes.empty());
  CHECK(plan.controllers.empty());
  CHECK(plan.warnings ==
        std::vector<std::string>{
            "linux.resources.network: ignored: cgroup v2 has no net_cls or net_prio controller"});
  CHECK(plan_resources({{"network", {{"priorities", {{{"name", "eth0"}, {"priority", 5}}}}}}})
            .warnings.size() == 1);
  CHECK(plan_resources({{"network", {{"classID", 0}, {"priorities", json::array()}}}})
            .warnings.empty());
}

TEST_CASE("unified: verbatim, after the typed fields, one write per line", "[cgroup-resources]") {
  ResourcePlan plan =
      plan_resources({{"unified",
                       {{"memory.max", "2097152"},
                        {"io.max", "259:0 rbps=2097152 wiops=120\n253:0 rbps=2097152 wiops=120\n"},
                        {"cgroup.freeze", "0"},
                        {"misc.max", ""}}},
                      {"memory", {{"limit", 1048576}}}});
  CHECK(writes_of(plan) == FileValues{{"memory.max", "1048576"},
                                      {"cgroup.freeze", "0"},
                                      {"io.max", "259:0 rbps=2097152 wiops=120"},
                                      {"io.max", "253:0 rbps=2097152 wiops=120"},
                                      {"memory.max", "2097152"}});
  CHECK(plan.writes[2].field == "linux.resources.unified[\"io.max\"]");
  CHECK(plan.writes[4].field == "linux.resources.unified[\"memory.max\"]");
  // cgroup.* needs no controller; misc is needed though nothing is written.
  CHECK(plan.controllers == std::set<std::string>{"io", "memory", "misc"});
}

TEST_CASE("unified: a key must be a cgroup file name", "[cgroup-resources]") {
  const std::string why = ": must be the name of a file of the cgroup, \"<controller>.<name>\"";
  // Keys are named as the loader names them: bracketed unless plain.
  const std::pair<const char*, const char*> bad[] = {{"../memory.max", "[\"../memory.max\"]"},
                                                     {"a/b.max", "[\"a/b.max\"]"},
                                                     {".", "[\".\"]"},
                                                     {"..", "[\"..\"]"},
                                                     {".max", "[\".max\"]"},
                                                     {"memory.", "[\"memory.\"]"},
                                                     {"", "[\"\"]"},
                                                     {"memory", ".memory"}};
  for (const auto& [key, named] : bad) {
    INFO(key);
    std::string want = "linux.resources.unified";
    want += named;
    want += why;
    CHECK(refusal({{"unified", {{key, "1"}}}}) == want);
  }
  CHECK(refusal({{"unified", {{"memory.max", 1}}}}) ==
        "linux.resources.unified[\"memory.max\"]: must be a string, got 1");
}

TEST_CASE("shapes the loader would refuse still name their field", "[cgroup-resources]") {
  CHECK(refusal({{"memory", {{"limit", "1g"}}}}) ==
        "linux.resources.memory.limit: must be a 64-bit integer, got \"1g\"");
  CHECK(refusal({{"cpu", {{"shares", -1}}}}) ==
        "linux.resources.cpu.shares: must be an unsigned 64-bit integer, got -1");
  CHECK(refusal({{"cpu", "fast"}}) == "linux.resources.cpu: must be an object, got \"fast\"");
  // JSON null is absent, as in the loader.
  CHECK(planned({{"memory", {{"limit", nullptr}}}, {"cpu", nullptr}}).empty());
}

TEST_CASE("everything at once: memory, pids, cpu, cpuset, io, hugetlb, rdma, unified",
          "[cgroup-resources]") {
  ResourcePlan plan = plan_resources(
      {{"unified", {{"pids.max", "50"}}},
       {"rdma", {{"mlx5_1", {{"hcaHandles", 3}}}}},
       {"hugepageLimits", {{{"pageSize", "2MB"}, {"limit", 4194304}}}},
       {"blockIO",
        {{"weight", 100}, {"throttleReadBpsDevice", {{{"major", 8}, {"minor", 0}, {"rate", 1}}}}}},
       {"cpu", {{"shares", 2048}, {"quota", 20000}, {"cpus", "1"}}},
       {"pids", {{"limit", 32}}},
       {"memory", {{"limit", 536870912}, {"swap", 1073741824}, {"reservation", 268435456}}},
       {"devices", {{{"allow", false}, {"access", "rwm"}}}},
       {"network", {{"classID", 0}}}});
  std::vector<std::string> files;
  for (const auto& w : plan.writes) files.push_back(w.file);
  CHECK(files == std::vector<std::string>{"memory.max", "memory.swap.max", "memory.low", "pids.max",
                                          "cpu.weight", "cpu.max", "cpuset.cpus", "io.bfq.weight",
                                          "io.max", "hugetlb.2MB.max", "hugetlb.2MB.rsvd.max",
                                          "rdma.max", "pids.max"});
  CHECK(plan.writes[1].value == "536870912");
  CHECK(plan.writes.back().value == "50");
  CHECK(plan.controllers ==
        std::set<std::string>{"memory", "pids", "cpu", "cpuset", "io", "hugetlb", "rdma"});
  CHECK(plan.warnings.empty());
}
