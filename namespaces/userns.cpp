// The user namespace: id maps written by the parent, root inside it for the child.
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>

#include "namespaces/plan.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/syscalls.hpp"

namespace ocirun::ns {

void write_id_maps(pid_t pid, const Plan& plan) {
  if (!plan.new_user) return;
  std::string base = "/proc/" + std::to_string(pid) + "/";
  with_context("writing user namespace id maps", [&] {
    // Without CAP_SETGID in the parent namespace the kernel only takes a gid map
    // once setgroups is denied.
    if (::geteuid() != 0) sys::write_file(base + "setgroups", "deny");
    sys::write_file(base + "uid_map", id_map_text(plan.uid_mappings));
    sys::write_file(base + "gid_map", id_map_text(plan.gid_mappings));
  });
}

void become_root() {
  (void)!::setresgid(0, 0, 0);
  (void)!::setresuid(0, 0, 0);
  // A change of ids resets dumpability to fs.suid_dumpable, which a host may
  // set to 1: the runtime's process stays out of the container's reach.
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

}  // namespace ocirun::ns
