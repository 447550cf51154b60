// linux.resources → cgroup v2 writes. The runtime-spec describes resources in
// cgroup v1 terms; this file translates them the way runc (opencontainers/
// cgroups fs2) and crun do, with these house rules:
//
//   - A zero that engines send for "not set" leaves the file alone: memory
//     limit/reservation/swap 0, cpu shares/quota/period 0, blockIO weight 0,
//     a weightDevice weight 0, leafWeight 0, kernel/kernelTCP 0, network
//     classID 0, realtime 0. Fields whose 0 is a real setting are written:
//     cpu.burst 0, cpu.idle 0 and pids.limit 0 (see plan_pids).
//   - -1 means "no limit" ("max") wherever v2 has a max; any other negative
//     value is an error naming the field.
//   - What v2 has no file for is a warning, not an error, unless honouring the
//     config silently wrongly would matter (realtime cpu fields: error).
//
// Writes come out in a fixed order: memory, pids, cpu, cpuset, io, hugetlb,
// rdma, then `unified` last so that it overrides the typed fields.
#include "cgroups/resources.hpp"

#include <cctype>
#include <cmath>
#include <string_view>
#include <utility>

#include "runtime/spec/json_reader.hpp"
#include "runtime/sys/error.hpp"

namespace ocirun::cgroups {
namespace {

using json = nlohmann::json;

// ---------------------------------------------------------------------------
// Field names, spelt as the loader spells them: linux.resources.memory.limit,
// linux.resources.blockIO.weightDevice[0], linux.resources.unified["io.max"].

std::string member(const std::string& base, std::string_view key) {
  return spec::field_member(base, key);
}

std::string element(const std::string& base, size_t i) {
  return spec::field_element(base, i);
}

[[noreturn]] void fail(const std::string& field, std::string_view what) {
  spec::fail(spec::Path(field), what);
}

// ---------------------------------------------------------------------------
// Typed reads, through the loader's reader (runtime/spec/json_reader.hpp).
// The loader has checked the shapes; these re-check cheaply so that a caller
// passing unchecked JSON (update) gets a message, not a crash. JSON null
// counts as absent, as in the loader.

using spec::find;

template <class T>
std::optional<T> get_integer(const json& obj, std::string_view key, const std::string& base) {
  const json* v = find(obj, key);
  if (!v) return std::nullopt;
  return spec::as_integer<T>(*v, spec::Path(member(base, key)));
}

std::optional<int64_t> get_i64(const json& obj, std::string_view key, const std::string& base) {
  return get_integer<int64_t>(obj, key, base);
}

std::optional<uint64_t> get_u64(const json& obj, std::string_view key, const std::string& base) {
  return get_integer<uint64_t>(obj, key, base);
}

std::optional<bool> get_bool(const json& obj, std::string_view key, const std::string& base) {
  const json* v = find(obj, key);
  if (!v) return std::nullopt;
  return spec::as_bool(*v, spec::Path(member(base, key)));
}

std::optional<std::string> get_string(const json& obj, std::string_view key,
                                      const std::string& base) {
  const json* v = find(obj, key);
  if (!v) return std::nullopt;
  return spec::as_string(*v, spec::Path(member(base, key)));
}

const json* get_object(const json& obj, std::string_view key, const std::string& base) {
  const json* v = find(obj, key);
  if (v) spec::as_object(*v, spec::Path(member(base, key)));
  return v;
}

const json* get_array(const json& obj, std::string_view key, const std::string& base) {
  const json* v = find(obj, key);
  if (v) spec::as_array(*v, spec::Path(member(base, key)));
  return v;
}

// -1 or a value >= 0; anything below -1 names the field.
void check_limit(std::optional<int64_t> v, const std::string& field) {
  if (v && *v < -1) {
    std::string what = std::to_string(*v);
    what += " is negative (the only negative value allowed is -1, meaning no limit)";
    fail(field, what);
  }
}

// The value of a file with a "max" keyword: -1 → "max".
// A value that leaves the file as a new cgroup has it (Write::is_default).
bool is_default_value(const Write& w) {
  if (!w.fallback_file.empty()) return false;
  if (w.file == "memory.max" || w.file == "memory.swap.max" || w.file == "pids.max")
    return w.value == "max";
  if (w.file == "cpu.weight") return w.value == "100";
  return false;
}

std::string max_or(int64_t v) {
  return v == -1 ? std::string("max") : std::to_string(v);
}

// ---------------------------------------------------------------------------

class Planner {
 public:
  explicit Planner(const Current& current) : current_(current) {}

  ResourcePlan plan(const json& resources) {
    const std::string base = "linux.resources";
    if (resources.is_null()) return std::move(plan_);
    spec::as_object(resources, spec::Path(base));
    if (const json* m = get_object(resources, "memory", base)) memory(*m, member(base, "memory"));
    if (const json* p = get_object(resources, "pids", base)) pids(*p, member(base, "pids"));
    if (const json* c = get_object(resources, "cpu", base)) cpu(*c, member(base, "cpu"));
    if (const json* b = get_object(resources, "blockIO", base))
      block_io(*b, member(base, "blockIO"));
    if (const json* h = get_array(resources, "hugepageLimits", base))
      hugepages(*h, member(base, "hugepageLimits"));
    if (const json* r = get_object(resources, "rdma", base)) rdma(*r, member(base, "rdma"));
    if (const json* n = get_object(resources, "network", base))
      network(*n, member(base, "network"));
    // "devices" is cgroups/devices.cpp's (an eBPF program, no file).
    if (const json* u = get_object(resources, "unified", base))
      unified(*u, member(base, "unified"));
    for (Write& w : plan_.writes) {
      w.is_default = is_default_value(w);
      w.optional = w.optional || w.is_default;
      if (std::string c = controller_of(w.file); !c.empty() && !w.is_default)
        plan_.controllers.insert(c);
    }
    return std::move(plan_);
  }

 private:
  Write& add(std::string file, std::string value, std::string field) {
    plan_.writes.push_back(Write{std::move(file), std::move(value), std::move(field)});
    return plan_.writes.back();
  }
  void warn(const std::string& field, std::string_view what) {
    std::string w = field;
    w += ": ";
    w += what;
    plan_.warnings.push_back(std::move(w));
  }

  // memory.max ← limit, memory.swap.max ← swap − limit, memory.low ← reservation.
  //
  // Order. In v2 the memory and swap limits are separate counters, so unlike
  // v1 (memsw ≥ limit, EINVAL in the wrong order) no order is refused by the
  // kernel. memory.max goes first: lowering it makes the kernel reclaim at
  // once, and that reclaim may still push pages to swap under the old swap
  // allowance; lowering memory.swap.max afterwards never forces pages back in.
  // memory.low (a protection, not bounded by memory.max) comes last.
  void memory(const json& m, const std::string& base) {
    const std::string limit_field = member(base, "limit");
    const std::string swap_field = member(base, "swap");
    const std::string reservation_field = member(base, "reservation");
    auto limit = get_i64(m, "limit", base);
    auto swap = get_i64(m, "swap", base);
    auto reservation = get_i64(m, "reservation", base);
    check_limit(limit, limit_field);
    check_limit(swap, swap_field);
    check_limit(reservation, reservation_field);

    // limit 0: unset (what engines send for "no --memory").
    const int64_t lim = limit.value_or(0);
    if (lim != 0) add("memory.max", max_or(lim), limit_field);

    // swap is v1's memory+swap limit; v2's memory.swap.max is swap alone.
    const int64_t sw = swap.value_or(0);
    if (lim == -1 && sw == 0) {
      // runc: an unlimited memory limit without a swap limit means both are
      // unlimited (v1's memsw could never be below memory).
      add("memory.swap.max", "max", limit_field).optional = true;
    } else if (sw == -1) {
      add("memory.swap.max", "max", swap_field).optional = true;
    } else if (sw > 0) {
      std::string value = swap_only(sw, lim, swap_field);
      // Without swap accounting the file is missing; "max" and "0" then hold
      // anyway (runc ignores ENOENT for exactly these).
      bool no_op_without_swap = value == "0";
      add("memory.swap.max", std::move(value), swap_field).optional = no_op_without_swap;
    }  // swap 0: unset.

    // reservation 0: unset.
    if (reservation.value_or(0) != 0) add("memory.low", max_or(*reservation), reservation_field);

    // Fields v2 has no file for.
    if (get_i64(m, "kernel", base).value_or(0) != 0)
      warn(member(base, "kernel"),
           "ignored: cgroup v2 has no separate kernel memory limit (memory.max counts it)");
    if (get_i64(m, "kernelTCP", base).value_or(0) != 0)
      warn(member(base, "kernelTCP"),
           "ignored: cgroup v2 has no separate TCP buffer limit (memory.max counts it)");
    // Any swappiness is a real v1 setting (0 included), so only absence is silent.
    if (get_u64(m, "swappiness", base))
      warn(member(base, "swappiness"), "ignored: cgroup v2 has no per-cgroup swappiness");
    if (get_bool(m, "disableOOMKiller", base).value_or(false))
      warn(member(base, "disableOOMKiller"), "not supported in cgroup v2");
    if (!get_bool(m, "useHierarchy", base).value_or(true))
      warn(member(base, "useHierarchy"), "ignored: cgroup v2 is always hierarchical");
    if (get_bool(m, "checkBeforeUpdate", base).value_or(false)) plan_.check_before_update = true;
  }

  // memory.swap.max for a positive memory+swap limit `sw`, against the limit
  // given with it (lim, 0 if none) or the cgroup's current memory.max.
  std::string swap_only(int64_t sw, int64_t lim, const std::string& swap_field) {
    if (lim == -1) return std::to_string(sw);  // memory unlimited: swap as is (runc)
    int64_t memory = lim;
    std::string what = "memory.limit ";
    if (lim == 0) {
      if (!current_.memory_max) {
        fail(swap_field,
             "needs memory.limit to be converted to memory.swap.max (swap counts memory plus "
             "swap) and the cgroup's memory.max is unknown or max");
      }
      memory = *current_.memory_max;
      what = "the current memory.max ";
    }
    if (sw < memory) {
      std::string msg = std::to_string(sw);
      msg += " is below ";
      msg += what;
      msg += std::to_string(memory);
      msg += " (swap counts memory plus swap)";
      fail(swap_field, msg);
    }
    return std::to_string(sw - memory);  // swap == limit: "0", no swap
  }

  // pids.max ← limit. -1 is "max". 0 is a real limit, as the runtime-spec asks
  // and runc does since 1.4.0, written as "1" like runc: the container's init
  // is cloned straight into the cgroup (CLONE_INTO_CGROUP), which a pids.max
  // of 0 would refuse, and systemd cannot express 0 either.
  void pids(const json& p, const std::string& base) {
    const std::string field = member(base, "limit");
    auto limit = get_i64(p, "limit", base);
    if (!limit) return;
    check_limit(limit, field);
    add("pids.max", *limit == 0 ? std::string("1") : max_or(*limit), field);
  }

  void cpu(const json& c, const std::string& base) {
    if (get_u64(c, "realtimePeriod", base).value_or(0) != 0)
      fail(member(base, "realtimePeriod"), "not supported on cgroup v2");
    if (get_i64(c, "realtimeRuntime", base).value_or(0) != 0)
      fail(member(base, "realtimeRuntime"), "not supported on cgroup v2");

    const std::string shares_field = member(base, "shares");
    const std::string quota_field = member(base, "quota");
    const std::string period_field = member(base, "period");
    const std::string burst_field = member(base, "burst");
    const std::string idle_field = member(base, "idle");
    auto shares = get_u64(c, "shares", base);
    auto quota = get_i64(c, "quota", base);
    auto period = get_u64(c, "period", base);
    auto burst = get_u64(c, "burst", base);
    auto idle = get_i64(c, "idle", base);
    check_limit(quota, quota_field);
    if (idle && *idle != 0 && *idle != 1) {
      std::string what = "must be 0 or 1, got ";
      what += std::to_string(*idle);
      fail(idle_field, what);
    }
    const int64_t q = quota.value_or(0);
    if (burst && q > 0 && *burst > static_cast<uint64_t>(q)) {
      // The runtime-spec allows the error; the kernel would refuse it (EINVAL).
      std::string what = std::to_string(*burst);
      what += " exceeds cpu.quota ";
      what += std::to_string(q);
      fail(burst_field, what);
    }

    // cpu.weight is refused (EINVAL) while cpu.idle is 1, and kept for when
    // it goes back to 0: so leave idle first, enter idle last.
    if (idle && *idle == 0) add("cpu.idle", "0", idle_field);
    // shares 0: unset.
    if (shares.value_or(0) != 0)
      add("cpu.weight", std::to_string(cpu_weight_from_shares(*shares)), shares_field);
    if (idle && *idle == 1) add("cpu.idle", "1", idle_field);

    // cpu.max is "<quota|max> <period>" and needs both; quota and period 0 are
    // unset. A period alone is written with quota "max" and a quota alone with
    // the kernel's default period, 100000 (runc, crun).
    const uint64_t p = period.value_or(0);
    if (q != 0 || p != 0) {
      std::string value = q > 0 ? std::to_string(q) : std::string("max");
      value += ' ';
      value += std::to_string(p != 0 ? p : 100000);
      // The kernel wants burst <= quota at every step: with both given, drop
      // the burst to 0 (always valid), set cpu.max, then the new burst (checked
      // above against the new quota). This replaces runc's retry on EINVAL.
      const bool reset_burst = burst && q > 0;
      if (reset_burst) add("cpu.max.burst", "0", burst_field);
      add("cpu.max", std::move(value), q != 0 ? quota_field : period_field);
      if (burst && !(reset_burst && *burst == 0))
        add("cpu.max.burst", std::to_string(*burst), burst_field);
    } else if (burst) {
      add("cpu.max.burst", std::to_string(*burst), burst_field);  // 0 too: "no burst"
    }

    // "" leaves the cpuset as inherited (runc, crun write only non-empty sets).
    if (auto cpus = get_string(c, "cpus", base); cpus && !cpus->empty())
      add("cpuset.cpus", *cpus, member(base, "cpus"));
    if (auto mems = get_string(c, "mems", base); mems && !mems->empty())
      add("cpuset.mems", *mems, member(base, "mems"));
  }

  // "MAJ:MIN", both non-negative.
  std::string device(const json& d, const std::string& base) {
    auto major = get_i64(d, "major", base);
    auto minor = get_i64(d, "minor", base);
    if (!major) fail(member(base, "major"), "is required");
    if (!minor) fail(member(base, "minor"), "is required");
    if (*major < 0) fail(member(base, "major"), "must not be negative");
    if (*minor < 0) fail(member(base, "minor"), "must not be negative");
    std::string out = std::to_string(*major);
    out += ':';
    out += std::to_string(*minor);
    return out;
  }

  // v1's blkio weight, [10, 1000]; 0 is unset and handled by the caller.
  static void check_weight(uint64_t w, const std::string& field) {
    if (w < 10 || w > 1000) {
      std::string what = std::to_string(w);
      what += " is outside the blkio weight range [10, 1000]";
      fail(field, what);
    }
  }
  // [10, 1000] → io.weight's [1, 10000], linearly (runc, crun).
  static std::string io_weight(uint64_t w) { return std::to_string(1 + (w - 10) * 9999 / 990); }

  // The weight goes to io.bfq.weight as is when the BFQ scheduler is there,
  // else to io.weight converted (runc's order; crun does the same for the
  // cgroup-wide weight). Throttles go to io.max, one device line per write.
  void block_io(const json& b, const std::string& base) {
    const std::string weight_field = member(base, "weight");
    if (auto weight = get_u64(b, "weight", base); weight.value_or(0) != 0) {
      check_weight(*weight, weight_field);
      Write& w = add("io.bfq.weight", std::to_string(*weight), weight_field);
      w.fallback_file = "io.weight";
      w.fallback_value = io_weight(*weight);
    }
    if (get_u64(b, "leafWeight", base).value_or(0) != 0)
      warn(member(base, "leafWeight"), "ignored: cgroup v2 has no leaf weight");

    if (const json* list = get_array(b, "weightDevice", base)) {
      const std::string list_field = member(base, "weightDevice");
      for (size_t i = 0; i < list->size(); ++i) {
        const json& d = (*list)[i];
        const std::string field = element(list_field, i);
        spec::as_object(d, spec::Path(field));
        const std::string dev = device(d, field);
        // A per-device weight 0 is unset, as the cgroup-wide one.
        if (auto weight = get_u64(d, "weight", field); weight.value_or(0) != 0) {
          const std::string wf = member(field, "weight");
          check_weight(*weight, wf);
          Write& w = add("io.bfq.weight", dev + ' ' + std::to_string(*weight), wf);
          w.fallback_file = "io.weight";
          w.fallback_value = dev + ' ' + io_weight(*weight);
        }
        if (get_u64(d, "leafWeight", field).value_or(0) != 0)
          warn(member(field, "leafWeight"), "ignored: cgroup v2 has no leaf weight");
      }
    }

    static constexpr std::pair<std::string_view, std::string_view> kThrottles[] = {
        {"throttleReadBpsDevice", "rbps"},
        {"throttleWriteBpsDevice", "wbps"},
        {"throttleReadIOPSDevice", "riops"},
        {"throttleWriteIOPSDevice", "wiops"}};
    for (const auto& [key, name] : kThrottles) {
      const json* list = get_array(b, key, base);
      if (!list) continue;
      const std::string list_field = member(base, key);
      for (size_t i = 0; i < list->size(); ++i) {
        const json& d = (*list)[i];
        const std::string field = element(list_field, i);
        spec::as_object(d, spec::Path(field));
        std::string value = device(d, field);
        value += ' ';
        value += name;
        value += '=';
        // v1 removed a throttle with rate 0; v2's word for it is "max".
        const uint64_t rate = get_u64(d, "rate", field).value_or(0);
        value += rate == 0 ? std::string("max") : std::to_string(rate);
        add("io.max", std::move(value), field);
      }
    }
  }

  // hugetlb.<size>.max ← limit, and the same into hugetlb.<size>.rsvd.max
  // (kernel 5.7+, optional) so that reservations are bounded too, as runc does:
  // without it a mapping can reserve pages it later faults on with SIGBUS.
  void hugepages(const json& list, const std::string& base) {
    for (size_t i = 0; i < list.size(); ++i) {
      const json& h = list[i];
      const std::string field = element(base, i);
      spec::as_object(h, spec::Path(field));
      auto size = get_string(h, "pageSize", field);
      auto limit = get_u64(h, "limit", field);
      if (!size) fail(member(field, "pageSize"), "is required");
      if (!limit) fail(member(field, "limit"), "is required");
      bool plain = !size->empty();
      for (char c : *size) plain = plain && std::isalnum(static_cast<unsigned char>(c));
      if (!plain) fail(member(field, "pageSize"), "must be a page size like \"2MB\"");
      const std::string limit_field = member(field, "limit");
      std::string file = "hugetlb.";
      file += *size;
      add(file + ".max", std::to_string(*limit), limit_field);
      add(file + ".rsvd.max", std::to_string(*limit), limit_field).optional = true;
    }
  }

  // rdma.max ← "<device> hca_handle=<n|max> hca_object=<n|max>", one per device.
  void rdma(const json& r, const std::string& base) {
    for (const auto& [name, limits] : r.items()) {
      const std::string field = member(base, name);
      bool plain = !name.empty();
      for (char c : name)
        plain = plain && !std::isspace(static_cast<unsigned char>(c)) && c != '=' && c != '\0';
      if (!plain) fail(field, "must be a device name (no spaces)");
      spec::as_object(limits, spec::Path(field));
      auto handles = get_u64(limits, "hcaHandles", field);
      auto objects = get_u64(limits, "hcaObjects", field);
      std::string value = name;
      value += " hca_handle=";
      value += handles ? std::to_string(*handles) : std::string("max");
      value += " hca_object=";
      value += objects ? std::to_string(*objects) : std::string("max");
      add("rdma.max", std::move(value), field);
    }
  }

  void network(const json& n, const std::string& base) {
    const bool class_id = get_u64(n, "classID", base).value_or(0) != 0;
    const json* priorities = get_array(n, "priorities", base);
    if (class_id || (priorities && !priorities->empty()))
      warn(base, "ignored: cgroup v2 has no net_cls or net_prio controller");
  }

  // Each key is a file of the container's cgroup, "<controller>.<name>", and
  // its value is written as is, one write per line (io.max and the like take a
  // single line per write(2); crun splits the same way; empty lines are
  // dropped). The controller is needed even if nothing is written.
  void unified(const json& u, const std::string& base) {
    for (const auto& [key, value] : u.items()) {
      const std::string field = member(base, key);
      const size_t dot = key.find('.');
      const bool file_name = key != "." && key != ".." &&
                             key.find_first_of(std::string_view("/\0", 2)) == std::string::npos &&
                             dot != std::string::npos && dot != 0 && dot + 1 < key.size();
      if (!file_name)
        fail(field, "must be the name of a file of the cgroup, \"<controller>.<name>\"");
      spec::as_string(value, spec::Path(field));
      if (std::string c = controller_of(key); !c.empty()) plan_.controllers.insert(c);
      const std::string& text = value.get_ref<const std::string&>();
      size_t start = 0;
      while (start <= text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        if (end > start) add(key, text.substr(start, end - start), field);
        start = end + 1;
      }
    }
  }

  const Current& current_;
  ResourcePlan plan_;
};

}  // namespace

ResourcePlan plan_resources(const nlohmann::json& resources, const Current& current) {
  return Planner(current).plan(resources);
}

std::string controller_of(const std::string& file) {
  const size_t dot = file.find('.');
  if (dot == std::string::npos || dot == 0) return {};
  std::string controller = file.substr(0, dot);
  if (controller == "cgroup") return {};  // core files: cgroup.freeze, cgroup.max.depth, ...
  return controller;
}

uint64_t cpu_weight_from_shares(uint64_t shares) {
  // Clamp to v1's range; its ends map to v2's ends exactly.
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  // log10(weight) is a quadratic in log2(shares) through (1, 0), (10, 2) and
  // (18, 4): shares 2 → 1, 1024 → 100, 262144 → 10000. Rounded up, as runc
  // and crun do, so that every shares above 2 gets a weight above 1. The one
  // exact integer inside the range (1024 → 10^2.0) is computed exactly.
  const double l = std::log2(static_cast<double>(shares));
  const double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
  return static_cast<uint64_t>(std::ceil(std::pow(10.0, exponent)));
}

}  // namespace ocirun::cgroups
