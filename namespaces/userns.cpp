// Effects of the namespace plan: id maps written by the parent, setns by the child.
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>

#include "namespaces/plan.hpp"
#include "runtime/spec/tables.hpp"
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

void join_namespaces(const Plan& plan) {
  for (const auto& j : plan.joins) {
    const auto& info = spec::namespace_info(j.type);
    std::string what = std::string(info.name) + " namespace " + j.path;
    with_context("joining " + what, [&] {
      UniqueFd fd = sys::open(j.path, O_RDONLY);
      int type = ::ioctl(fd.get(), NS_GET_NSTYPE);
      if (type < 0) {
        if (errno == ENOTTY) throw Error("not a namespace file", ENOTTY);
        throw_errno("ioctl NS_GET_NSTYPE");
      }
      if (type != info.clone_flag)
        throw Error("it is not a " + std::string(info.name) + " namespace", EINVAL);
      sys::setns(fd.get(), info.clone_flag, info.name);
      // Our ids are the host's, unmapped there: become that namespace's root,
      // or files we create would have no owner (EOVERFLOW).
      if (j.type == spec::NsType::User) become_root();
    });
  }
}

}  // namespace ocirun::ns
