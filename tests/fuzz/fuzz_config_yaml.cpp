// libFuzzer target: config.yaml text through the config loader (yaml-cpp,
// the YAML → JSON conversion of runtime/spec/yaml.cpp, then the JSON
// loader's validation and decoding), as `create` loads a bundle that has no
// config.json. Every bad document is reported as ocirun::Error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "runtime/spec/loader.hpp"
#include "runtime/sys/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    ocirun::spec::Config config = ocirun::spec::parse_yaml(text, "config.yaml");
    (void)config;
  } catch (const ocirun::Error&) {
  }
  return 0;
}
