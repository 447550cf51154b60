#include <sys/resource.h>

#include "runtime/process/process.hpp"
#include "runtime/spec/tables.hpp"
#include "runtime/sys/error.hpp"

namespace ocirun::process {

void apply_rlimits(const std::vector<spec::Rlimit>& rlimits) {
  for (const auto& r : rlimits) {
    auto resource = spec::rlimit_from_name(r.type);
    if (!resource) throw Error("process.rlimits: unknown rlimit \"" + r.type + "\"");
    struct rlimit lim {
      static_cast<rlim_t>(r.soft), static_cast<rlim_t>(r.hard)
    };
    if (::setrlimit(*resource, &lim) < 0)
      throw_errno("setting " + r.type + " to soft " + std::to_string(r.soft) + " hard " +
                  std::to_string(r.hard));
  }
}

}  // namespace ocirun::process
