#include "runtime/cli/update_flags.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "runtime/spec/loader.hpp"
#include "runtime/sys/error.hpp"

namespace ocirun::cli {
namespace {

Error bad(const std::string& flag, const std::string& value, const char* want) {
  std::string m = "flag --" + flag;
  m += ": expects ";
  m += want;
  m += ", got \"";
  m += value;
  m += "\"";
  return Error(m, EINVAL);
}

int64_t parse_int(const std::string& flag, const std::string& value) {
  char* end;
  errno = 0;
  long long n = std::strtoll(value.c_str(), &end, 10);
  if (value.empty() || *end || errno) throw bad(flag, value, "an integer");
  return n;
}

uint64_t parse_uint(const std::string& flag, const std::string& value) {
  int64_t n = parse_int(flag, value);
  if (n < 0) throw bad(flag, value, "a non-negative integer");
  return static_cast<uint64_t>(n);
}

}  // namespace

int64_t parse_bytes(const std::string& flag, const std::string& value) {
  if (value == "-1") return -1;
  char* end;
  double n = std::strtod(value.c_str(), &end);
  std::string unit(end);
  for (auto& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (unit.ends_with("ib"))
    unit.resize(unit.size() - 2);
  else if (unit.ends_with('b'))
    unit.pop_back();
  static constexpr std::string_view kUnits = "kmgtp";
  double mult = 1;
  if (unit.size() == 1 && kUnits.find(unit[0]) != std::string_view::npos)
    mult = std::pow(1024.0, static_cast<double>(kUnits.find(unit[0]) + 1));
  else if (!unit.empty())
    throw bad(flag, value, "a size such as 1024, 512m or 1g");
  // 2^63 and above do not fit in int64_t (converting them is undefined).
  if (end == value.c_str() || n < 0 || !std::isfinite(n) || n * mult >= 9223372036854775808.0)
    throw bad(flag, value, "a size such as 1024, 512m or 1g");
  return static_cast<int64_t>(n * mult);
}

unsigned parse_duration_ms(const std::string& flag, const std::string& value) {
  static constexpr std::pair<std::string_view, double> kUnits[] = {
      {"ns", 1e-6}, {"us", 1e-3}, {"µs", 1e-3}, {"ms", 1}, {"s", 1e3}, {"m", 6e4}, {"h", 3.6e6}};
  double total = 0;
  const char* p = value.c_str();
  if (!*p) throw bad(flag, value, "a duration such as 5s or 500ms");
  while (*p) {
    char* end;
    double n = std::strtod(p, &end);
    if (end == p || n < 0) throw bad(flag, value, "a duration such as 5s or 500ms");
    std::string_view rest(end);
    bool found = false;
    for (const auto& [name, ms] : kUnits) {
      // longest names first where they share a prefix: "ms" before "m"
      if (rest.starts_with(name) && !(name == "m" && rest.starts_with("ms"))) {
        total += n * ms;
        p = end + name.size();
        found = true;
        break;
      }
    }
    if (!found) throw bad(flag, value, "a duration such as 5s or 500ms");
  }
  // written so that NaN ("nans") is refused too
  if (!(total >= 1 && total <= 1e9)) throw bad(flag, value, "a duration from 1ms");
  return static_cast<unsigned>(total);
}

nlohmann::json update_resources(const Invocation& inv, const std::string& resources_text) {
  nlohmann::json r = nlohmann::json::object();
  if (!resources_text.empty()) {
    // The loader's reader: nesting and numbers bounded, errors naming the flag.
    r = spec::json_document(resources_text, "--resources");
    if (!r.is_object()) throw Error("--resources: expects a LinuxResources JSON object", EINVAL);
  }
  auto has = [&](const char* f) { return inv.flags.count(f) > 0; };
  auto v = [&](const char* f) { return inv.value(f); };
  // The controller's object that a flag writes into; --resources may have
  // given it any JSON at all.
  auto in = [&](const char* controller) -> nlohmann::json& {
    nlohmann::json& c = r[controller];
    if (c.is_null()) c = nlohmann::json::object();
    if (!c.is_object())
      throw Error(std::string("--resources: ") + controller + ": must be an object, got " +
                      c.dump().substr(0, 64),
                  EINVAL);
    return c;
  };
  if (has("memory")) in("memory")["limit"] = parse_bytes("memory", v("memory"));
  if (has("memory-swap")) in("memory")["swap"] = parse_bytes("memory-swap", v("memory-swap"));
  if (has("memory-reservation"))
    in("memory")["reservation"] = parse_bytes("memory-reservation", v("memory-reservation"));
  if (has("kernel-memory"))
    in("memory")["kernel"] = parse_bytes("kernel-memory", v("kernel-memory"));
  if (has("kernel-memory-tcp"))
    in("memory")["kernelTCP"] = parse_bytes("kernel-memory-tcp", v("kernel-memory-tcp"));
  for (const char* f : {"cpu-shares", "cpu-share"})
    if (has(f)) in("cpu")["shares"] = parse_uint(f, v(f));
  if (has("cpu-quota")) in("cpu")["quota"] = parse_int("cpu-quota", v("cpu-quota"));
  if (has("cpu-period")) in("cpu")["period"] = parse_uint("cpu-period", v("cpu-period"));
  if (has("cpu-rt-period"))
    in("cpu")["realtimePeriod"] = parse_uint("cpu-rt-period", v("cpu-rt-period"));
  if (has("cpu-rt-runtime"))
    in("cpu")["realtimeRuntime"] = parse_int("cpu-rt-runtime", v("cpu-rt-runtime"));
  if (has("cpuset-cpus")) in("cpu")["cpus"] = v("cpuset-cpus");
  if (has("cpuset-mems")) in("cpu")["mems"] = v("cpuset-mems");
  if (has("pids-limit")) in("pids")["limit"] = parse_int("pids-limit", v("pids-limit"));
  if (has("blkio-weight")) {
    uint64_t w = parse_uint("blkio-weight", v("blkio-weight"));
    if (w != 0 && (w < 10 || w > 1000)) throw bad("blkio-weight", v("blkio-weight"), "10 to 1000");
    in("blockIO")["weight"] = w;
  }
  return r;
}

}  // namespace ocirun::cli
