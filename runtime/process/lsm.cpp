// process.apparmorProfile and process.selinuxLabel: the security labels the
// process takes at exec, through /proc/thread-self/attr. A label for an LSM the
// host does not run is refused before anything is created.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/process/process.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/procfs.hpp"
#include "runtime/sys/syscalls.hpp"

namespace ocirun::process {
namespace {

// Without exceptions: a missing file is the common case here, and a throw
// would page in the unwinder for every container.
bool file_starts_with(const char* path, char c) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  UniqueFd owned(fd);
  char first = 0;
  return ::read(fd, &first, 1) == 1 && first == c;
}

// Writes `value` to the first of `files` (below /proc) that exists, through
// a verified procfs: a fake attr file in the image cannot take the label.
void write_attr(std::initializer_list<const char*> files, const std::string& value,
                const std::string& what) {
  with_context(what, [&] {
    sys::ProcFs proc = sys::ProcFs::open();
    for (const char* f : files) {
      UniqueFd fd;
      try {
        fd = proc.open_file(f, O_WRONLY);
      } catch (const Error& e) {
        if (e.code() == ENOENT && f != *(files.end() - 1)) continue;
        throw;
      }
      sys::write_all(fd.get(), value.data(), value.size(), std::string("writing /proc/") + f);
      return;
    }
  });
}

}  // namespace

LsmSupport host_lsm_support() {
  LsmSupport s;
  s.apparmor = file_starts_with("/sys/module/apparmor/parameters/enabled", 'Y');
  s.selinux = ::access("/sys/fs/selinux/enforce", F_OK) == 0;
  return s;
}

std::string lsm_refusal(const spec::Process& p, const LsmSupport& host) {
  if (!p.apparmor_profile.empty() && !kLabelsImplemented.apparmor)
    return "process.apparmorProfile: AppArmor profiles are not implemented by ocirun";
  if (!p.selinux_label.empty() && !kLabelsImplemented.selinux)
    return "process.selinuxLabel: SELinux labels are not implemented by ocirun";
  if (!p.apparmor_profile.empty() && !host.apparmor)
    return "process.apparmorProfile \"" + p.apparmor_profile +
           "\": AppArmor is not enabled on this host";
  if (!p.selinux_label.empty() && !host.selinux)
    return "process.selinuxLabel \"" + p.selinux_label + "\": SELinux is not enabled on this host";
  return "";
}

void check_exec_labels(const spec::Process& p) {
  // The host is probed only for a process that has a label: not on every run.
  if (p.apparmor_profile.empty() && p.selinux_label.empty()) return;
  if (std::string why = lsm_refusal(p, host_lsm_support()); !why.empty()) throw Error(why, EINVAL);
}

void apply_exec_labels(const spec::Process& p) {
  if (!p.apparmor_profile.empty())
    write_attr({"thread-self/attr/apparmor/exec", "thread-self/attr/exec"},
               "exec " + p.apparmor_profile,
               "setting process.apparmorProfile \"" + p.apparmor_profile + "\"");
  if (!p.selinux_label.empty())
    write_attr({"thread-self/attr/exec"}, p.selinux_label,
               "setting process.selinuxLabel \"" + p.selinux_label + "\"");
}

}  // namespace ocirun::process
