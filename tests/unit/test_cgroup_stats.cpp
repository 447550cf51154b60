#include "cgroups/stats.hpp"

#include <csignal>
#include <limits>

#include <catch2/catch.hpp>

using namespace ocirun::cgroups;
using nlohmann::json;

namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

using Files = std::map<std::string, std::string>;

FileReader reader(Files files) {
  return [files = std::move(files)](const std::string& f) -> std::optional<std::string> {
    auto it = files.find(f);
    if (it == files.end()) return std::nullopt;
    return it->second;
  };
}

// As a 6.1 kernel prints them.
const char* kMemoryStat =
    "anon 1048576\n"
    "file 4096000\n"
    "kernel 532480\n"
    "kernel_stack 65536\n"
    "pagetables 126976\n"
    "sec_pagetables 0\n"
    "percpu 480\n"
    "sock 0\n"
    "vmalloc 0\n"
    "shmem 0\n"
    "zswap 0\n"
    "zswapped 0\n"
    "file_mapped 2072576\n"
    "file_dirty 0\n"
    "file_writeback 0\n"
    "swapcached 0\n"
    "anon_thp 0\n"
    "file_thp 0\n"
    "shmem_thp 0\n"
    "inactive_anon 1019904\n"
    "active_anon 28672\n"
    "inactive_file 2703360\n"
    "active_file 1392640\n"
    "unevictable 0\n"
    "slab_reclaimable 216064\n"
    "slab_unreclaimable 108272\n"
    "slab 324336\n"
    "workingset_refault_anon 0\n"
    "workingset_refault_file 0\n"
    "workingset_activate_anon 0\n"
    "workingset_activate_file 0\n"
    "workingset_restore_anon 0\n"
    "workingset_restore_file 0\n"
    "workingset_nodereclaim 0\n"
    "pgscan 0\n"
    "pgsteal 0\n"
    "pgscan_kswapd 0\n"
    "pgscan_direct 0\n"
    "pgsteal_kswapd 0\n"
    "pgsteal_direct 0\n"
    "pgfault 3521\n"
    "pgmajfault 12\n"
    "pgrefill 0\n"
    "pgactivate 0\n"
    "pgdeactivate 0\n"
    "pglazyfree 0\n"
    "pglazyfreed 0\n"
    "zswpin 0\n"
    "zswpout 0\n"
    "thp_fault_alloc 0\n"
    "thp_collapse_alloc 0\n";

const char* kCpuStat =
    "usage_usec 1234567\n"
    "user_usec 1000000\n"
    "system_usec 234567\n"
    "core_sched.force_idle_usec 0\n"
    "nr_periods 40\n"
    "nr_throttled 3\n"
    "throttled_usec 51234\n"
    "nr_bursts 0\n"
    "burst_usec 0\n";

const char* kMemoryEvents =
    "low 0\n"
    "high 0\n"
    "max 7\n"
    "oom 2\n"
    "oom_kill 1\n"
    "oom_group_kill 0\n";

const char* kIoStat =
    "8:0 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0\n"
    "253:1 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n";

const char* kCpuPressure =
    "some avg10=0.12 avg60=0.50 avg300=1.25 total=2205178\n"
    "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";

Files full_cgroup() {
  return {
      {"cpu.stat", kCpuStat},
      {"cpu.pressure", kCpuPressure},
      {"memory.stat", kMemoryStat},
      {"memory.current", "8388608\n"},
      {"memory.max", "268435456\n"},
      {"memory.peak", "9437184\n"},
      {"memory.swap.current", "4096\n"},
      {"memory.swap.max", "max\n"},
      {"memory.events", kMemoryEvents},
      {"pids.current", "3\n"},
      {"pids.max", "100\n"},
      {"pids.peak", "5\n"},
      {"io.stat", kIoStat},
      {"hugetlb.2MB.current", "2097152\n"},
      {"hugetlb.2MB.max", "max\n"},
      {"hugetlb.2MB.events", "max 4\n"},
      {"hugetlb.1GB.current", "0\n"},
      {"hugetlb.1GB.max", "max\n"},
      {"hugetlb.1GB.events", "max 0\n"},
  };
}

const json kCpuset = {
    {"cpu_exclusive", 0},   {"mem_hardwall", 0},       {"mem_exclusive", 0},
    {"memory_migrate", 0},  {"memory_spread_page", 0}, {"memory_spread_slab", 0},
    {"memory_pressure", 0}, {"sched_load_balance", 0}, {"sched_relax_domain_level", 0}};

}  // namespace

TEST_CASE("parse_flat_keyed reads a real memory.stat", "[cgroup-stats]") {
  auto m = parse_flat_keyed(kMemoryStat);
  CHECK(m.size() == 51);
  CHECK(m.at("anon") == 1048576);
  CHECK(m.at("file") == 4096000);
  CHECK(m.at("kernel_stack") == 65536);
  CHECK(m.at("sec_pagetables") == 0);
  CHECK(m.at("pgfault") == 3521);
  CHECK(m.at("thp_collapse_alloc") == 0);
}

TEST_CASE("parse_flat_keyed tolerates whitespace and skips malformed lines", "[cgroup-stats]") {
  auto m = parse_flat_keyed(
      "  a 1  \n"
      "\n"
      "b\t2\r\n"
      "lonely\n"
      "c x\n"
      "d 1 2\n"
      "e -5\n"
      "f max\n"
      "g 18446744073709551616\n"
      "h 18446744073709551615\n"
      "i 1.5\n"
      "a 9\n"
      "last 7");
  CHECK(m == std::map<std::string, uint64_t>{{"a", 9}, {"b", 2}, {"h", kMax}, {"last", 7}});
  CHECK(parse_flat_keyed("").empty());
  CHECK(parse_flat_keyed("\n\n").empty());
}

TEST_CASE("parse_single", "[cgroup-stats]") {
  CHECK(parse_single("268435456\n") == uint64_t{268435456});
  CHECK(parse_single("  42 \n\n") == uint64_t{42});
  CHECK(parse_single("0") == uint64_t{0});
  CHECK(parse_single("18446744073709551615\n") == kMax);
  CHECK_FALSE(parse_single("max\n").has_value());
  CHECK_FALSE(parse_single("max").has_value());
  CHECK_FALSE(parse_single("").has_value());
  CHECK_FALSE(parse_single(" \n").has_value());
  CHECK_FALSE(parse_single("-1\n").has_value());
  CHECK_FALSE(parse_single("+1").has_value());
  CHECK_FALSE(parse_single("12abc").has_value());
  CHECK_FALSE(parse_single("1 2").has_value());
  CHECK_FALSE(parse_single("18446744073709551616").has_value());
}

TEST_CASE("hugepage_size_names names sizes as runc does", "[cgroup-stats]") {
  CHECK(hugepage_size_names({"hugepages-2048kB", "hugepages-1048576kB", "hugepages-64kB",
                             "hugepages-32768kB", "hugepages-16777216kB"}) ==
        std::vector<std::string>{"2MB", "1GB", "64KB", "32MB", "16GB"});
  CHECK(hugepage_size_names({"README", "hugepages-kB", "hugepages-2048MB", "hugepages-x2kB",
                             "hugepages-2048kB"}) == std::vector<std::string>{"2MB"});
  CHECK(hugepage_size_names({}).empty());
}

TEST_CASE("stats_document: a full cgroup, as runc events --stats", "[cgroup-stats]") {
  json doc = stats_document(reader(full_cgroup()), {"2MB", "1GB", "16GB"});

  json cpu = json::parse(R"({
    "usage": {"total": 1234567000, "kernel": 234567000, "user": 1000000000},
    "throttling": {"periods": 40, "throttledPeriods": 3, "throttledTime": 51234000},
    "psi": {"some": {"avg10": 0.12, "avg60": 0.5, "avg300": 1.25, "total": 2205178}}
  })");
  CHECK(doc["cpu"] == cpu);

  CHECK(doc["cpuset"] == kCpuset);

  json memory = doc["memory"];
  json raw = memory["raw"];
  memory.erase("raw");
  CHECK(memory == json::parse(R"({
    "cache": 4096000,
    "usage": {"limit": 268435456, "usage": 8388608, "max": 9437184, "failcnt": 0},
    "swap": {"limit": 18446744073709551615, "usage": 8392704, "failcnt": 0}
  })"));
  CHECK(memory["swap"]["limit"].get<uint64_t>() == kMax);
  CHECK(raw.size() == 51);
  CHECK(raw["anon"] == 1048576);
  CHECK(raw["kernel_stack"] == 65536);
  CHECK(raw["pgfault"] == 3521);
  CHECK(raw["zswpout"] == 0);

  CHECK(doc["pids"] == json{{"current", 3}, {"limit", 100}});

  CHECK(doc["blkio"] == json::parse(R"({
    "ioServiceBytesRecursive": [
      {"major": 8, "op": "Read", "value": 1459200},
      {"major": 8, "op": "Write", "value": 314773504},
      {"major": 253, "minor": 1, "op": "Read", "value": 4096},
      {"major": 253, "minor": 1, "op": "Write"}
    ],
    "ioServicedRecursive": [
      {"major": 8, "op": "Read", "value": 192},
      {"major": 8, "op": "Write", "value": 353},
      {"major": 253, "minor": 1, "op": "Read", "value": 1},
      {"major": 253, "minor": 1, "op": "Write"}
    ]
  })"));

  CHECK(doc["hugetlb"] == json::parse(R"({
    "2MB": {"usage": 2097152, "failcnt": 4},
    "1GB": {"failcnt": 0}
  })"));

  CHECK(doc["intel_rdt"] == json::object());
  CHECK(doc["network_interfaces"].is_null());
  CHECK(doc.size() == 8);
}

TEST_CASE("stats_document: no files at all", "[cgroup-stats]") {
  json doc = stats_document(reader({}), {"2MB"});
  json expected = {
      {"cpu", json::object()},       {"cpuset", kCpuset},
      {"memory", json::object()},    {"pids", json::object()},
      {"blkio", json::object()},     {"hugetlb", json::object()},
      {"intel_rdt", json::object()}, {"network_interfaces", nullptr},
  };
  CHECK(doc == expected);
  CHECK(doc.dump().find("\"network_interfaces\":null") != std::string::npos);
}

TEST_CASE("stats_document: cpu fields runc leaves out when zero", "[cgroup-stats]") {
  SECTION("no throttling, usage without total kept with kernel and user") {
    json doc = stats_document(reader({{"cpu.stat",
                                       "usage_usec 0\nuser_usec 5\nsystem_usec 0\n"
                                       "nr_periods 0\nnr_throttled 0\nthrottled_usec 0\n"}}));
    CHECK(doc["cpu"] == json{{"usage", {{"kernel", 0}, {"user", 5000}}}});
  }
  SECTION("all zero: usage left out too") {
    json doc = stats_document(reader({{"cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\n"}}));
    CHECK(doc["cpu"] == json::object());
  }
  SECTION("a PSI file with only zeros gives an empty psi object") {
    json doc = stats_document(
        reader({{"cpu.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"}}));
    CHECK(doc["cpu"] == json{{"psi", json::object()}});
  }
  SECTION("malformed cpu.stat lines are skipped") {
    json doc = stats_document(reader({{"cpu.stat", "usage_usec\nuser_usec abc\nsystem_usec 7\n"}}));
    CHECK(doc["cpu"] == json{{"usage", {{"kernel", 7000}, {"user", 0}}}});
  }
}

TEST_CASE("stats_document: memory limits and swap", "[cgroup-stats]") {
  Files f = {
      {"memory.stat", "anon 10\nfile 0\n"}, {"memory.current", "1000\n"}, {"memory.max", "max\n"}};

  SECTION("no swap accounting: swap is memory's own usage and limit; no peak") {
    json m = stats_document(reader(f))["memory"];
    CHECK(m == json::parse(R"({
      "usage": {"limit": 18446744073709551615, "usage": 1000, "failcnt": 0},
      "swap": {"limit": 18446744073709551615, "usage": 1000, "failcnt": 0},
      "raw": {"anon": 10, "file": 0}
    })"));
  }
  SECTION("finite swap limit is added to the memory limit") {
    f["memory.max"] = "4096\n";
    f["memory.swap.current"] = "24\n";
    f["memory.swap.max"] = "8192\n";
    f["memory.swap.peak"] = "100\n";
    json m = stats_document(reader(f))["memory"];
    CHECK(m["usage"] == json{{"limit", 4096}, {"usage", 1000}, {"failcnt", 0}});
    CHECK(m["swap"] == json{{"limit", 12288}, {"usage", 1024}, {"failcnt", 0}});
  }
  SECTION("finite swap limit over an unlimited memory wraps as runc's uint64 does") {
    f["memory.swap.current"] = "0\n";
    f["memory.swap.max"] = "0\n";
    CHECK(stats_document(reader(f))["memory"]["swap"]["limit"].get<uint64_t>() == kMax);
    f["memory.swap.max"] = "100\n";
    CHECK(stats_document(reader(f))["memory"]["swap"]["limit"].get<uint64_t>() == 99);
  }
  SECTION("no memory.current: raw and cache only") {
    f.erase("memory.current");
    f["memory.stat"] = "anon 10\nfile 20\n";
    json m = stats_document(reader(f))["memory"];
    CHECK(m == json{{"cache", 20}, {"raw", {{"anon", 10}, {"file", 20}}}});
  }
  SECTION("no memory.stat: nothing but psi") {
    f.erase("memory.stat");
    f["memory.pressure"] =
        "some avg10=1.00 avg60=0.00 avg300=0.00 total=10\n"
        "full avg10=0.50 avg60=0.00 avg300=0.00 total=5\n";
    json m = stats_document(reader(f))["memory"];
    CHECK(m == json::parse(R"({"psi": {
      "some": {"avg10": 1.0, "avg60": 0.0, "avg300": 0.0, "total": 10},
      "full": {"avg10": 0.5, "avg60": 0.0, "avg300": 0.0, "total": 5}}})"));
  }
}

TEST_CASE("stats_document: pids", "[cgroup-stats]") {
  SECTION("no limit is left out") {
    json doc = stats_document(reader({{"pids.current", "12\n"}, {"pids.max", "max\n"}}));
    CHECK(doc["pids"] == json{{"current", 12}});
  }
  SECTION("no pids controller: counts cgroup.procs") {
    json doc = stats_document(reader({{"cgroup.procs", "101\n102\n250\n"}}));
    CHECK(doc["pids"] == json{{"current", 3}});
  }
}

TEST_CASE("stats_document: io.stat per device", "[cgroup-stats]") {
  json doc = stats_document(reader({{"io.stat",
                                     "259:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=9 dios=9\n"
                                     "garbage line\n"
                                     "8:x rbytes=5\n"
                                     "7:3\n"
                                     "8:16 rbytes=oops wbytes=300 rios=4 wios= cost.usage=7\n"
                                     "259:0 rbytes=110 wbytes=210 rios=2 wios=3\n"}}));
  CHECK(doc["blkio"] == json::parse(R"({
    "ioServiceBytesRecursive": [
      {"major": 259, "op": "Read", "value": 110},
      {"major": 259, "op": "Write", "value": 210},
      {"major": 8, "minor": 16, "op": "Write", "value": 300}
    ],
    "ioServicedRecursive": [
      {"major": 259, "op": "Read", "value": 2},
      {"major": 259, "op": "Write", "value": 3},
      {"major": 8, "minor": 16, "op": "Read", "value": 4}
    ]
  })"));

  SECTION("an empty io.stat (no I/O yet) gives an empty blkio") {
    CHECK(stats_document(reader({{"io.stat", ""}}))["blkio"] == json::object());
  }
}

TEST_CASE("stats_document: hugetlb", "[cgroup-stats]") {
  json doc = stats_document(reader({{"hugetlb.2MB.rsvd.current", "4194304\n"},
                                    {"hugetlb.2MB.current", "2097152\n"},
                                    {"hugetlb.2MB.events", "max 2\n"},
                                    {"hugetlb.1GB.current", "1073741824\n"}}),
                            {"2MB", "1GB", "64KB"});
  CHECK(doc["hugetlb"] == json::parse(R"({
    "2MB": {"usage": 4194304, "failcnt": 2},
    "1GB": {"usage": 1073741824, "failcnt": 0}
  })"));
  CHECK(stats_document(reader({}))["hugetlb"] == json::object());
}

TEST_CASE("oom_kill_count", "[cgroup-stats]") {
  CHECK(oom_kill_count(reader({{"memory.events", kMemoryEvents}})) == 1);
  CHECK(oom_kill_count(reader({{"memory.events", "low 0\nhigh 0\nmax 0\noom 0\n"}})) == 0);
  CHECK(oom_kill_count(reader({})) == 0);
}

TEST_CASE("run_report", "[cgroup-stats]") {
  SECTION("a full cgroup, killed") {
    json r = run_report({137, SIGKILL, 1.5}, reader(full_cgroup()));
    CHECK(r == json::parse(R"({
      "exit_code": 137,
      "signal": 9,
      "signal_name": "SIGKILL",
      "oom_killed": true,
      "oom_kill_count": 1,
      "memory_peak_bytes": 9437184,
      "cpu_usage_usec": 1234567,
      "cpu_user_usec": 1000000,
      "cpu_system_usec": 234567,
      "pids_peak": 5,
      "wall_time_seconds": 1.5
    })"));
  }
  SECTION("exited, older kernel: no peaks, no memory controller") {
    json r = run_report({3, 0, 0.25}, reader({{"cpu.stat", kCpuStat}}));
    CHECK(r == json::parse(R"({
      "exit_code": 3,
      "signal": 0,
      "signal_name": null,
      "oom_killed": false,
      "oom_kill_count": 0,
      "memory_peak_bytes": null,
      "cpu_usage_usec": 1234567,
      "cpu_user_usec": 1000000,
      "cpu_system_usec": 234567,
      "pids_peak": null,
      "wall_time_seconds": 0.25
    })"));
  }
  SECTION("no files at all") {
    json r = run_report({}, reader({}));
    CHECK(r["cpu_usage_usec"] == 0);
    CHECK(r["cpu_user_usec"] == 0);
    CHECK(r["cpu_system_usec"] == 0);
    CHECK(r["oom_killed"] == false);
    CHECK(r.size() == 11);
  }
  SECTION("the systemd driver's holder is not one of the container's tasks") {
    CHECK(run_report({0, 0, 0, 1}, reader(full_cgroup()))["pids_peak"] == 4);
    CHECK(run_report({0, 0, 0, 1}, reader({{"pids.peak", "0\n"}}))["pids_peak"] == 0);
  }
  SECTION("signal names") {
    CHECK(run_report({0, SIGTERM, 0}, reader({}))["signal_name"] == "SIGTERM");
    CHECK(run_report({0, SIGSEGV, 0}, reader({}))["signal_name"] == "SIGSEGV");
    CHECK(run_report({0, SIGRTMIN, 0}, reader({}))["signal_name"] == "SIGRTMIN");
    CHECK(run_report({0, SIGRTMIN + 2, 0}, reader({}))["signal_name"] == "SIGRTMIN+2");
  }
}
