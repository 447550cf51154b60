// libFuzzer target: config.json text loaded (spec::parse_json), then the root
// filesystem plan made from it (rootfs::plan) for each combination of the
// inputs create derives from the config and its flags (--no-pivot, user and
// network namespaces of the container's own or joined). Both report bad
// configs as ocirun::Error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "runtime/rootfs/plan.hpp"
#include "runtime/spec/loader.hpp"
#include "runtime/sys/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ocirun;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  spec::Config config;
  try {
    config = spec::parse_json(text, "config.json");
  } catch (const Error&) {
    return 0;
  }
  for (unsigned bits = 0; bits < 16; ++bits) {
    rootfs::PlanInput in;
    in.bundle = "/run/bundle";
    in.rootfs = "/run/bundle/rootfs";
    in.no_pivot = bits & 1;
    in.user_namespace = bits & 2;
    in.new_user_namespace = in.user_namespace && (bits & 4);
    in.network_namespace = bits & 8;
    try {
      rootfs::Plan plan = rootfs::plan(config, in);
      (void)plan;
    } catch (const Error&) {
    }
  }
  return 0;
}
