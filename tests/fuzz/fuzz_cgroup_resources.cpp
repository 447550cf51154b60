// libFuzzer target: a LinuxResources document (linux.resources, or `update
// --resources`) validated as the loader validates it (spec::check_resources),
// then planned as the cgroup manager plans it: the v2 file writes
// (cgroups::plan_resources) and the device program (cgroups::device_rules,
// device_program). Bad documents are ocirun::Error. The device program is
// then run for a few accesses in the planner's own BPF interpreter
// (program_allows): an error there means a malformed program, a finding.
//
// An optional first line "#<bytes>" gives memory.max as `update` reads it
// from the cgroup (Current::memory_max); the rest is the JSON document.
#include <linux/bpf.h>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "cgroups/devices.hpp"
#include "cgroups/resources.hpp"
#include "runtime/spec/loader.hpp"
#include "runtime/sys/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ocirun;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  cgroups::Current current;
  if (text.starts_with('#')) {
    size_t eol = text.find('\n');
    std::string_view number = text.substr(1, eol == std::string_view::npos ? eol : eol - 1);
    int64_t max = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), max);
    if (ec == std::errc() && end == number.data() + number.size()) current.memory_max = max;
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
  }
  std::vector<bpf_insn> program;
  try {
    nlohmann::json doc = spec::json_document(text, "--resources");
    spec::check_resources(doc, "linux.resources");
    cgroups::ResourcePlan plan = cgroups::plan_resources(doc, current);
    (void)plan;
    const nlohmann::json& devices =
        doc.is_object() && doc.contains("devices") && !doc["devices"].is_null()
            ? doc["devices"]
            : nlohmann::json::array();
    program = cgroups::device_program(cgroups::device_rules(devices, {}));
  } catch (const Error&) {
    return 0;
  }
  try {
    for (int type : {int{BPF_DEVCG_DEV_CHAR}, int{BPF_DEVCG_DEV_BLOCK}})
      for (int access : {int{BPF_DEVCG_ACC_READ}, BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD})
        for (uint32_t major : {0u, 1u, 5u, 0xffffffffu})
          (void)cgroups::program_allows(program, type, major, 3, access);
  } catch (const Error& e) {
    std::fprintf(stderr, "malformed device program: %s\n", e.what());
    std::abort();
  }
  return 0;
}
