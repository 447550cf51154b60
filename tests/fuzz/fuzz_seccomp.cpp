// libFuzzer target: a linux.seccomp document (a profile such as Docker's
// default) planned (seccomp::plan: validation into a RuleSet) and built
// (seccomp::build: the libseccomp filter, the ENOSYS stub, the final BPF
// program), as `create` and `exec` do before the clone. `exec` plans the
// bundle's document as it finds it, unvalidated, so the input goes to plan()
// as it is. Bad profiles are ocirun::Error.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/spec/loader.hpp"
#include "runtime/sys/error.hpp"
#include "seccomp/filter.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ocirun;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    nlohmann::json doc = spec::json_document(text, "linux.seccomp");
    if (!doc.is_object()) return 0;  // what create and exec plan
    seccomp::RuleSet rules = seccomp::plan(doc);
    std::vector<std::string> skipped;
    seccomp::Filter filter = seccomp::build(rules, &skipped);
    (void)filter;
  } catch (const Error&) {
  }
  return 0;
}
