// Reading a cgroup's statistics (pure parsers over the files' text), shaped as
// runc's `events` JSON ("stats" data), and the per-run report of
// `run --stats-file`.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace ocirun::cgroups {

// Reads one file of the cgroup by name ("memory.stat"); nullopt when absent.
using FileReader = std::function<std::optional<std::string>(const std::string& file)>;

// "key value\n" lines (memory.stat, cpu.stat, memory.events, ...). Blank
// lines and any whitespace around and between the two fields are tolerated.
// Skipped as malformed: a line with other than two fields, a value that is not
// a decimal unsigned 64-bit number (a sign, "max", an overflow, "1.5"). A key
// given twice keeps its last value.
std::map<std::string, uint64_t> parse_flat_keyed(std::string_view text);
// A single decimal number, surrounding whitespace tolerated. "max" → nullopt,
// and so is anything malformed (empty, negative, overflowing, trailing junk).
std::optional<uint64_t> parse_single(std::string_view text);

// runc's hugetlb page size names from the entries of /sys/kernel/mm/hugepages
// ("hugepages-2048kB" → "2MB", "hugepages-1048576kB" → "1GB", "hugepages-64kB"
// → "64KB"), in the order given; entries not of that form are skipped. These
// are the <size> of the cgroup's hugetlb.<size>.* files.
std::vector<std::string> hugepage_size_names(const std::vector<std::string>& sysfs_entries);

// runc's events `data` object for a "stats" event (`runc events --stats` on
// cgroup v2, runc >= 1.4: types/events.go's Stats, filled the way the fs2
// cgroup manager and runc's convertLibcontainerStats fill it), from the files
// `read` returns. The FileReader cannot list directories, so the hugetlb page
// sizes to report are passed in `hugepage_sizes` (names as
// hugepage_size_names gives them: "2MB", "1GB"); none → "hugetlb": {}.
//
// Shape (JSON keys as runc's; Go's omitempty/omitzero followed: a field marked
// so is left out when it is 0 / all its fields are; the others are always
// there, zero or not):
//   "cpu": {                                from cpu.stat
//     "usage": {"total"?: usage_usec*1000, "kernel": system_usec*1000,
//               "user": user_usec*1000}          (left out when all are 0)
//     "throttling": {"periods"?: nr_periods, "throttledPeriods"?: nr_throttled,
//                    "throttledTime"?: throttled_usec*1000}  (left out when all 0)
//     "psi"?: PSI of cpu.pressure (see below; only when the file is there) }
//   "cpuset": {"cpu_exclusive": 0, "mem_hardwall": 0, "mem_exclusive": 0,
//              "memory_migrate": 0, "memory_spread_page": 0,
//              "memory_spread_slab": 0, "memory_pressure": 0,
//              "sched_load_balance": 0, "sched_relax_domain_level": 0}
//              (runc's v2 manager fills none of it; always these zeros)
//   "memory": {
//     "cache"?: memory.stat's "file",
//     "usage": {"limit": memory.max, "usage"?: memory.current,
//               "max"?: memory.peak, "failcnt": 0},
//     "swap": {"limit": memory.swap.max + memory.max (memory.swap.max when that
//              is "max"; uint64 arithmetic, wraps as Go's does),
//              "usage"?: memory.swap.current + memory.current, "failcnt": 0},
//     "raw"?: every memory.stat key → value,
//     "psi"?: PSI of memory.pressure }
//     "max" limits are 18446744073709551615 (Go's math.MaxUint64). As runc:
//     no memory.stat → only "psi" may be there; no memory.current or
//     memory.max → no "usage" and no "swap"; no memory.swap.current → swap
//     usage/limit are memory's own. v2 has no failcnt (runc reports 0; the
//     "max" count of memory.events is not used), nor kernel/kernelTCP
//     entries (always left out).
//   "pids": {"current"?: pids.current (no pids.current: the number of lines of
//            cgroup.procs), "limit"?: pids.max ("max" → 0, i.e. left out)}
//   "blkio": {from io.stat, one entry per device and counter, devices in the
//     file's order (runc's order is random), a device given twice keeps its
//     last line:
//     "ioServiceBytesRecursive"?: [{"major"?, "minor"?, "op": "Read", "value"?:
//                                   rbytes}, {... "op": "Write", wbytes}, ...],
//     "ioServicedRecursive"?: [same with rios / wios],
//     "psi"?: PSI of io.pressure }
//     (entry fields are omitempty in runc: "minor" of 8:0 is left out, as is
//     a 0 "value"; dbytes/dios/cost.* are not reported, as runc's)
//   "hugetlb": {"<size>": {"usage"?: hugetlb.<size>.rsvd.current, else
//               hugetlb.<size>.current, "failcnt": hugetlb.<size>.events' max}}
//               (a size with neither file is left out; "max" never set on v2)
//   "intel_rdt": {}              (no Intel RDT support)
//   "network_interfaces": null   (runc reports veth interfaces only; none)
// PSI: {"some"?: {"avg10", "avg60", "avg300", "total"}, "full"?: {...}}, a
// line left out when all four are 0; the averages are numbers (0.12).
// Object keys come out sorted (nlohmann::json), not in Go's field order.
// Malformed lines and fields are skipped, never an error.
nlohmann::json stats_document(const FileReader& read,
                              const std::vector<std::string>& hugepage_sizes = {});

// memory.events' oom_kill counter (0 when absent).
uint64_t oom_kill_count(const FileReader& read);

// What `run --stats-file` writes after the container exits.
struct RunReport {
  int exit_code = 0;
  int signal = 0;  // terminating signal, 0 if it exited
  double wall_seconds = 0;
  int holders = 0;  // tasks of ocirun's in the cgroup (Holder): not in pids_peak
};
// One JSON object, every key always there:
//   "exit_code"         int: r.exit_code as given
//   "signal"            int: r.signal (0 if it exited)
//   "signal_name"       "SIGKILL", "SIGRTMIN+3", ... or null when signal is 0
//                       (a number the C library does not name: "SIG<n>")
//   "oom_killed"        bool: oom_kill_count > 0
//   "oom_kill_count"    uint: memory.events' oom_kill (0 when absent)
//   "memory_peak_bytes" uint: memory.peak, or null when absent (kernel < 5.19)
//   "cpu_usage_usec"    uint: cpu.stat usage_usec (0 when absent)
//   "cpu_user_usec"     uint: cpu.stat user_usec (0 when absent)
//   "cpu_system_usec"   uint: cpu.stat system_usec (0 when absent)
//   "pids_peak"         uint: pids.peak less r.holders, or null when absent
//                       (kernel < 6.1)
//   "wall_time_seconds" number: r.wall_seconds
nlohmann::json run_report(const RunReport& r, const FileReader& read);

}  // namespace ocirun::cgroups
