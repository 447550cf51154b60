// Namespaces given by path: opened and checked by the runtime before anything
// is cloned, entered by the child that makes (or is) the init.
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "namespaces/plan.hpp"
#include "namespaces/types.hpp"
#include "runtime/spec/tables.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/syscalls.hpp"

namespace ocirun::ns {
namespace {

std::string kind_of(int clone_flag) {
  for (const auto& info : namespace_table())
    if (info.clone_flag == clone_flag) return std::string(info.name) + " namespace";
  return "namespace of type " + std::to_string(clone_flag);
}

std::string what(const Join& j) {
  return j.field + ": " + std::string(namespace_info(j.type).name) + " namespace " + j.path;
}

// The rootfs is set up in a mount namespace joined by path: its propagation
// changed, the root pivoted for every process whose root is the namespace's.
// In the runtime's own namespace, those would be the host's.
void refuse_own_mount_namespace(int fd) {
  struct stat theirs, mine;
  if (::fstat(fd, &theirs) < 0) throw_errno("fstat");
  if (::stat("/proc/self/ns/mnt", &mine) < 0) throw_errno("stat /proc/self/ns/mnt");
  if (theirs.st_ino == mine.st_ino && theirs.st_dev == mine.st_dev)
    throw Error(
        "it is the runtime's own mount namespace: the container's root would be set up over "
        "the host's",
        EINVAL);
}

}  // namespace

std::vector<UniqueFd> open_joins(const Plan& plan) {
  std::vector<UniqueFd> fds;
  fds.reserve(plan.joins.size());
  for (const auto& j : plan.joins) {
    with_context(what(j), [&] {
      // O_NONBLOCK: a path that names a fifo must not hang the runtime.
      UniqueFd fd(::open(j.path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
      if (!fd) throw_errno("open");
      int type = ::ioctl(fd.get(), NS_GET_NSTYPE);
      if (type < 0) {
        if (errno == ENOTTY || errno == EINVAL) throw Error("it is not a namespace file", EINVAL);
        throw_errno("ioctl NS_GET_NSTYPE");
      }
      int want = namespace_info(j.type).clone_flag;
      if (type != want)
        throw Error("it is a " + kind_of(type) + ", not a " + kind_of(want), EINVAL);
      if (j.type == spec::NsType::Mount) refuse_own_mount_namespace(fd.get());
      fds.push_back(std::move(fd));
    });
  }
  return fds;
}

void join_namespaces(const Plan& plan, const std::vector<int>& fds) {
  for (size_t i = 0; i < plan.joins.size() && i < fds.size(); ++i) {
    const Join& j = plan.joins[i];
    const auto& info = namespace_info(j.type);
    with_context("joining " + what(j), [&] { sys::setns(fds[i], info.clone_flag, info.name); });
    ::close(fds[i]);
    // Our ids are the host's, unmapped there: become that namespace's root,
    // or files we create would have no owner (EOVERFLOW).
    if (j.type == spec::NsType::User) become_root();
  }
}

}  // namespace ocirun::ns
