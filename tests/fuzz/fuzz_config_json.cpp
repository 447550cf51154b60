// libFuzzer target: config.json text through the config loader (JSON parse,
// validation against the schema tables, decoding into spec::Config), as
// `create` and `run` load a bundle. The loader reports every bad document as
// ocirun::Error; anything else escaping it is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "runtime/spec/loader.hpp"
#include "runtime/sys/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    ocirun::spec::Config config = ocirun::spec::parse_json(text, "config.json");
    (void)config;
  } catch (const ocirun::Error&) {
  }
  return 0;
}
