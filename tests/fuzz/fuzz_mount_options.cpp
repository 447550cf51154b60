// libFuzzer target: a config mount's options (the input split on NUL bytes,
// one word each) through rootfs::parse_mount_options. It throws nothing: any
// exception or sanitizer report is a finding.
#include <cstddef>
#include <cstdint>

#include "runtime/rootfs/options.hpp"
#include "tests/fuzz/words.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ocirun::rootfs::MountOptions o =
      ocirun::rootfs::parse_mount_options(ocirun::fuzz::split_words(data, size));
  (void)o;
  return 0;
}
