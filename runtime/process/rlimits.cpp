#include <sys/resource.h>

#include <cerrno>

#include "runtime/process/process.hpp"
#include "runtime/spec/tables.hpp"
#include "runtime/sys/error.hpp"

namespace ocirun::process {

void apply_rlimits(const std::vector<spec::Rlimit>& rlimits) {
  for (size_t i = 0; i < rlimits.size(); ++i) {
    const spec::Rlimit& r = rlimits[i];
    std::string field = "process.rlimits[" + std::to_string(i) + "]";
    auto resource = spec::rlimit_from_name(r.type);
    if (!resource) throw Error(field + ": unknown rlimit \"" + r.type + "\"");
    struct rlimit lim {
      static_cast<rlim_t>(r.soft), static_cast<rlim_t>(r.hard)
    };
    if (::setrlimit(*resource, &lim) == 0) continue;
    int err = errno;
    std::string what = field + ": setting " + r.type + " to soft " + std::to_string(r.soft) +
                       " hard " + std::to_string(r.hard);
    // Raising a hard limit takes CAP_SYS_RESOURCE of the host's: not rootless.
    struct rlimit now {};
    if (err == EPERM && ::getrlimit(*resource, &now) == 0 && lim.rlim_max > now.rlim_max)
      what += ": above the hard limit " + std::to_string(now.rlim_max) +
              ", which only CAP_SYS_RESOURCE may raise (a rootless caller cannot)";
    errno = err;
    throw_errno(what);
  }
}

}  // namespace ocirun::process
