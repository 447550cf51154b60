#include "cgroups/stats.hpp"

#include <algorithm>
#include <charconv>
#include <csignal>
#include <cstring>
#include <limits>
#include <utility>

#include "cgroups/path.hpp"

namespace ocirun::cgroups {

namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();  // Go's math.MaxUint64

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Whitespace-separated fields of one line, as views into it (io.stat's keep
// them past the line: they point into the file's text).
std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    size_t start = i;
    while (i < line.size() && !is_space(line[i])) ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

// A whole decimal unsigned 64-bit number, nothing else.
std::optional<uint64_t> to_uint(std::string_view s) {
  uint64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> to_double(std::string_view s) {
  double v = 0;
  if (s.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// A single-value file as runc's GetCgroupParamUint reads it: "max" → kMax.
// nullopt when absent or malformed.
std::optional<uint64_t> read_limit(const FileReader& read, const std::string& file) {
  auto text = read(file);
  if (!text) return std::nullopt;
  if (trim(*text) == "max") return kMax;
  return parse_single(*text);
}

std::map<std::string, uint64_t> read_keyed(const FileReader& read, const std::string& file) {
  auto text = read(file);
  if (!text) return {};
  return parse_flat_keyed(*text);
}

uint64_t value_of(const std::map<std::string, uint64_t>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

// Go's omitempty for a uint64 field.
void put_nonzero(nlohmann::json& obj, const char* key, uint64_t v) {
  if (v != 0) obj[key] = v;
}

// PSI file ("some avg10=0.00 avg60=0.00 avg300=0.00 total=0" / "full ...") →
// runc's PSIStats; nullopt when the file is absent.
std::optional<nlohmann::json> read_psi(const FileReader& read, const std::string& file) {
  auto text = read(file);
  if (!text) return std::nullopt;
  nlohmann::json psi = nlohmann::json::object();
  for_each_line(*text, [&](std::string_view line) {
    auto f = fields(line);
    if (f.empty() || (f[0] != "some" && f[0] != "full")) return;
    double avg10 = 0, avg60 = 0, avg300 = 0;
    uint64_t total = 0;
    for (size_t i = 1; i < f.size(); ++i) {
      size_t eq = f[i].find('=');
      if (eq == std::string_view::npos) continue;
      std::string_view key = f[i].substr(0, eq), val = f[i].substr(eq + 1);
      if (key == "total") {
        if (auto v = to_uint(val)) total = *v;
      } else if (auto v = to_double(val)) {
        if (key == "avg10") avg10 = *v;
        if (key == "avg60") avg60 = *v;
        if (key == "avg300") avg300 = *v;
      }
    }
    if (avg10 == 0 && avg60 == 0 && avg300 == 0 && total == 0) return;  // omitzero
    psi[std::string(f[0])] = {
        {"avg10", avg10}, {"avg60", avg60}, {"avg300", avg300}, {"total", total}};
  });
  return psi;
}

nlohmann::json cpu_section(const FileReader& read) {
  nlohmann::json cpu = nlohmann::json::object();
  auto st = read_keyed(read, "cpu.stat");
  uint64_t total = value_of(st, "usage_usec") * 1000;
  uint64_t user = value_of(st, "user_usec") * 1000;
  uint64_t kernel = value_of(st, "system_usec") * 1000;
  if (total != 0 || user != 0 || kernel != 0) {
    nlohmann::json usage = {{"kernel", kernel}, {"user", user}};
    put_nonzero(usage, "total", total);
    cpu["usage"] = std::move(usage);
  }
  nlohmann::json throttling = nlohmann::json::object();
  put_nonzero(throttling, "periods", value_of(st, "nr_periods"));
  put_nonzero(throttling, "throttledPeriods", value_of(st, "nr_throttled"));
  put_nonzero(throttling, "throttledTime", value_of(st, "throttled_usec") * 1000);
  if (!throttling.empty()) cpu["throttling"] = std::move(throttling);
  if (auto psi = read_psi(read, "cpu.pressure")) cpu["psi"] = std::move(*psi);
  return cpu;
}

nlohmann::json cpuset_section() {
  return {{"cpu_exclusive", 0},   {"mem_hardwall", 0},       {"mem_exclusive", 0},
          {"memory_migrate", 0},  {"memory_spread_page", 0}, {"memory_spread_slab", 0},
          {"memory_pressure", 0}, {"sched_load_balance", 0}, {"sched_relax_domain_level", 0}};
}

// runc's MemoryEntry; nullopt when all its fields are 0 (omitzero).
std::optional<nlohmann::json> memory_entry(uint64_t limit, uint64_t usage, uint64_t max) {
  if (limit == 0 && usage == 0 && max == 0) return std::nullopt;
  nlohmann::json e = {{"limit", limit}, {"failcnt", 0}};
  put_nonzero(e, "usage", usage);
  put_nonzero(e, "max", max);
  return e;
}

nlohmann::json memory_section(const FileReader& read) {
  nlohmann::json memory = nlohmann::json::object();
  if (auto stat = read("memory.stat")) {
    auto raw = parse_flat_keyed(*stat);
    put_nonzero(memory, "cache", value_of(raw, "file"));
    if (!raw.empty()) memory["raw"] = raw;

    auto current = read_limit(read, "memory.current");
    auto max = read_limit(read, "memory.max");
    if (current && max) {
      uint64_t peak = read_limit(read, "memory.peak").value_or(0);
      if (auto e = memory_entry(*max, *current, peak)) memory["usage"] = std::move(*e);

      // v2's swap files count swap alone; runc reports v1's memory+swap.
      uint64_t swap_usage = 0, swap_limit = 0;
      bool swap_ok = true;
      if (auto swap_current = read_limit(read, "memory.swap.current")) {
        auto swap_max = read_limit(read, "memory.swap.max");
        swap_ok = swap_max.has_value();
        swap_usage = *swap_current;
        swap_limit = swap_max.value_or(0);
      }
      if (swap_ok) {
        swap_usage += *current;
        if (swap_limit != kMax) swap_limit += *max;  // wraps as runc's Go does
        if (auto e = memory_entry(swap_limit, swap_usage, 0)) memory["swap"] = std::move(*e);
      }
    }
  }
  if (auto psi = read_psi(read, "memory.pressure")) memory["psi"] = std::move(*psi);
  return memory;
}

nlohmann::json pids_section(const FileReader& read) {
  nlohmann::json pids = nlohmann::json::object();
  uint64_t current = 0, limit = 0;
  if (auto c = read_limit(read, "pids.current")) {
    current = *c;
    limit = read_limit(read, "pids.max").value_or(0);
    if (limit == kMax) limit = 0;  // runc: no limit is 0
  } else if (auto procs = read("cgroup.procs")) {
    for (char ch : *procs) current += ch == '\n';
  }
  put_nonzero(pids, "current", current);
  put_nonzero(pids, "limit", limit);
  return pids;
}

nlohmann::json blkio_entry(uint64_t major, uint64_t minor, const char* op, uint64_t value) {
  nlohmann::json e = {{"op", op}};
  put_nonzero(e, "major", major);
  put_nonzero(e, "minor", minor);
  put_nonzero(e, "value", value);
  return e;
}

nlohmann::json blkio_section(const FileReader& read) {
  nlohmann::json blkio = nlohmann::json::object();
  // Device "MAJ:MIN" → its counters, devices in order of first appearance.
  std::vector<std::pair<std::pair<uint64_t, uint64_t>, std::vector<std::string_view>>> devices;
  auto text = read("io.stat");
  if (text) {
    for_each_line(*text, [&](std::string_view line) {
      auto f = fields(line);
      if (f.size() < 2) return;
      size_t colon = f[0].find(':');
      if (colon == std::string_view::npos) return;
      auto major = to_uint(f[0].substr(0, colon));
      auto minor = to_uint(f[0].substr(colon + 1));
      if (!major || !minor) return;
      std::pair<uint64_t, uint64_t> dev{*major, *minor};
      std::vector<std::string_view> items(f.begin() + 1, f.end());
      for (auto& d : devices) {
        if (d.first == dev) {
          d.second = std::move(items);  // a device given twice: its last line
          return;
        }
      }
      devices.emplace_back(dev, std::move(items));
    });
  }
  nlohmann::json bytes = nlohmann::json::array(), serviced = nlohmann::json::array();
  for (const auto& [dev, items] : devices) {
    for (std::string_view item : items) {
      size_t eq = item.find('=');
      if (eq == std::string_view::npos) continue;
      std::string_view key = item.substr(0, eq);
      auto value = to_uint(item.substr(eq + 1));
      if (!value) continue;
      nlohmann::json* table = nullptr;
      const char* op = nullptr;
      if (key == "rbytes") {
        table = &bytes, op = "Read";
      } else if (key == "wbytes") {
        table = &bytes, op = "Write";
      } else if (key == "rios") {
        table = &serviced, op = "Read";
      } else if (key == "wios") {
        table = &serviced, op = "Write";
      } else {
        continue;  // dbytes, dios, cost.*: not in runc's output
      }
      table->push_back(blkio_entry(dev.first, dev.second, op, *value));
    }
  }
  if (!bytes.empty()) blkio["ioServiceBytesRecursive"] = std::move(bytes);
  if (!serviced.empty()) blkio["ioServicedRecursive"] = std::move(serviced);
  if (auto psi = read_psi(read, "io.pressure")) blkio["psi"] = std::move(*psi);
  return blkio;
}

nlohmann::json hugetlb_section(const FileReader& read, const std::vector<std::string>& sizes) {
  nlohmann::json hugetlb = nlohmann::json::object();
  for (const auto& size : sizes) {
    std::string prefix = "hugetlb.";
    prefix += size;
    auto usage = read_limit(read, prefix + ".rsvd.current");
    if (!usage) usage = read_limit(read, prefix + ".current");
    if (!usage) continue;
    nlohmann::json entry = {{"failcnt", value_of(read_keyed(read, prefix + ".events"), "max")}};
    put_nonzero(entry, "usage", *usage);
    hugetlb[size] = std::move(entry);
  }
  return hugetlb;
}

std::string signal_name(int sig) {
  std::string name = "SIG";
  if (const char* abbrev = sigabbrev_np(sig)) {
    name += abbrev;
  } else if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
    name += "RTMIN";
    if (sig > SIGRTMIN) {
      name += '+';
      name += std::to_string(sig - SIGRTMIN);
    }
  } else {
    name += std::to_string(sig);
  }
  return name;
}

}  // namespace

std::map<std::string, uint64_t> parse_flat_keyed(std::string_view text) {
  std::map<std::string, uint64_t> out;
  for_each_line(text, [&](std::string_view line) {
    auto f = fields(line);
    if (f.size() != 2) return;
    if (auto v = to_uint(f[1])) out[std::string(f[0])] = *v;
  });
  return out;
}

std::optional<uint64_t> parse_single(std::string_view text) {
  return to_uint(trim(text));
}

std::vector<std::string> hugepage_size_names(const std::vector<std::string>& sysfs_entries) {
  std::vector<std::string> out;
  constexpr std::string_view prefix = "hugepages-", suffix = "kB";
  for (std::string_view e : sysfs_entries) {
    if (e.size() <= prefix.size() + suffix.size() || !e.starts_with(prefix) ||
        !e.ends_with(suffix)) {
      continue;
    }
    auto kb = to_uint(e.substr(prefix.size(), e.size() - prefix.size() - suffix.size()));
    if (!kb) continue;
    std::string name;
    if (*kb >= (uint64_t{1} << 20)) {
      name = std::to_string(*kb >> 20);
      name += "GB";
    } else if (*kb >= (uint64_t{1} << 10)) {
      name = std::to_string(*kb >> 10);
      name += "MB";
    } else {
      name = std::to_string(*kb);
      name += "KB";
    }
    out.push_back(std::move(name));
  }
  return out;
}

nlohmann::json stats_document(const FileReader& read,
                              const std::vector<std::string>& hugepage_sizes) {
  return {
      {"cpu", cpu_section(read)},
      {"cpuset", cpuset_section()},
      {"memory", memory_section(read)},
      {"pids", pids_section(read)},
      {"blkio", blkio_section(read)},
      {"hugetlb", hugetlb_section(read, hugepage_sizes)},
      {"intel_rdt", nlohmann::json::object()},
      {"network_interfaces", nullptr},
  };
}

uint64_t oom_kill_count(const FileReader& read) {
  return value_of(read_keyed(read, "memory.events"), "oom_kill");
}

nlohmann::json run_report(const RunReport& r, const FileReader& read) {
  uint64_t oom_kills = oom_kill_count(read);
  auto cpu = read_keyed(read, "cpu.stat");
  auto single_or_null = [&](const std::string& file) -> nlohmann::json {
    if (auto text = read(file)) {
      if (auto v = parse_single(*text)) return *v;
    }
    return nullptr;
  };
  nlohmann::json pids_peak = single_or_null("pids.peak");
  if (pids_peak.is_number_unsigned())
    pids_peak =
        pids_peak.get<uint64_t>() - std::min<uint64_t>(pids_peak.get<uint64_t>(), r.holders);
  return {
      {"exit_code", r.exit_code},
      {"signal", r.signal},
      {"signal_name",
       r.signal == 0 ? nlohmann::json(nullptr) : nlohmann::json(signal_name(r.signal))},
      {"oom_killed", oom_kills > 0},
      {"oom_kill_count", oom_kills},
      {"memory_peak_bytes", single_or_null("memory.peak")},
      {"cpu_usage_usec", value_of(cpu, "usage_usec")},
      {"cpu_user_usec", value_of(cpu, "user_usec")},
      {"cpu_system_usec", value_of(cpu, "system_usec")},
      {"pids_peak", pids_peak},
      {"wall_time_seconds", r.wall_seconds},
  };
}

}  // namespace ocirun::cgroups
