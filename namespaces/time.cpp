// A time namespace with clock offsets (linux.timeOffsets).
#include <sched.h>

#include <string>

#include "namespaces/plan.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/procfs.hpp"

// Older C library headers may lack the time namespace flag (Linux 5.6).
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace ocirun::ns {

std::string timens_offsets_text(const spec::TimeOffsets& offsets) {
  std::string out;
  for (auto [name, offset] :
       {std::pair{"monotonic", &offsets.monotonic}, std::pair{"boottime", &offsets.boottime}})
    if (*offset)
      out += std::string(name) + " " + std::to_string((*offset)->secs) + " " +
             std::to_string((*offset)->nanosecs) + "\n";
  return out;
}

// With offsets to set, the init is cloned without a time namespace of its own
// (namespaces/plan.cpp): a namespace's clocks are fixed once a process is in it.
// One created by unshare is entered by the caller only at execve (its children
// at once), so its offsets can still be written until then.
void enter_time_namespace(const spec::TimeOffsets& offsets) {
  std::string text = timens_offsets_text(offsets);
  if (text.empty()) return;
  if (::unshare(CLONE_NEWTIME) < 0) throw_errno("unshare CLONE_NEWTIME");
  sys::ProcFs::open().write("self/timens_offsets", text);
}

}  // namespace ocirun::ns
