#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/log.hpp"
#include "runtime/process/process.hpp"
#include "runtime/spec/tables.hpp"
#include "runtime/sys/error.hpp"

namespace ocirun::process {
namespace {

uint64_t mask_of(const std::vector<std::string>& names) {
  uint64_t m = 0;
  for (const auto& n : names)
    if (auto c = spec::capability_from_name(n)) m |= uint64_t{1} << *c;
  return m;
}

// Every capability the kernel knows (up to cap_last_cap), whatever our table says.
uint64_t current_bounding_set() {
  uint64_t m = 0;
  for (int c = 0; c < 64; ++c) {
    int r = prctl(PR_CAPBSET_READ, c, 0, 0, 0);
    if (r < 0) break;  // EINVAL: past the last capability this kernel has
    if (r == 1) m |= uint64_t{1} << c;
  }
  return m;
}

// Drops from the bounding set every capability the kernel has that `keep` lacks.
void drop_bounding(uint64_t keep) {
  for (int c = 0; c < 64; ++c) {
    if (keep & (uint64_t{1} << c)) continue;
    if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
      if (errno == EINVAL) return;  // past cap_last_cap
      throw_errno("dropping capability " + std::to_string(c) + " from the bounding set");
    }
  }
}

}  // namespace

CapSets cap_sets(const spec::Capabilities& caps) {
  return {mask_of(caps.bounding), mask_of(caps.effective), mask_of(caps.inheritable),
          mask_of(caps.permitted), mask_of(caps.ambient)};
}

std::vector<std::string> restrict_caps(CapSets& s, uint64_t available) {
  std::vector<std::string> removed;
  uint64_t all = s.bounding | s.effective | s.inheritable | s.permitted | s.ambient;
  for (const auto& c : spec::capability_table()) {
    uint64_t bit = uint64_t{1} << c.number;
    if ((all & bit) && !(available & bit)) removed.emplace_back(c.name);
  }
  for (uint64_t* set : {&s.bounding, &s.effective, &s.inheritable, &s.permitted, &s.ambient})
    *set &= available;
  return removed;
}

void set_capabilities(const CapSets& s) {
  // capset(2) itself, no library: it may be the only call left between a
  // seccomp filter and execve (runtime/launch/finish.cpp).
  struct __user_cap_header_struct header {
    _LINUX_CAPABILITY_VERSION_3, 0
  };
  struct __user_cap_data_struct data[2]{};
  for (int i = 0; i < 2; ++i) {
    data[i].effective = static_cast<uint32_t>(s.effective >> (32 * i));
    data[i].permitted = static_cast<uint32_t>(s.permitted >> (32 * i));
    data[i].inheritable = static_cast<uint32_t>(s.inheritable >> (32 * i));
  }
  if (::syscall(SYS_capset, &header, data) < 0) throw_errno("capset");
}

CapSets apply_user_and_capabilities(const spec::User& user,
                                    const std::optional<spec::Capabilities>& caps,
                                    uint64_t also_keep) {
  // An absent process.capabilities grants nothing (as runc): never the
  // runtime's own sets.
  CapSets sets = caps ? cap_sets(*caps) : CapSets{};
  for (const auto& name : restrict_caps(sets, current_bounding_set()))
    log::warn("capability " + name + " is not available to the runtime; not granted");
  with_context("dropping the capability bounding set", [&] { drop_bounding(sets.bounding); });
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) throw_errno("prctl PR_SET_KEEPCAPS");
  with_context("setting user " + std::to_string(user.uid) + ":" + std::to_string(user.gid), [&] {
    std::vector<gid_t> groups(user.additional_gids.begin(), user.additional_gids.end());
    // In a user namespace whose setgroups is denied, only an empty list is moot.
    if (::setgroups(groups.size(), groups.data()) < 0 && !(errno == EPERM && groups.empty()))
      throw_errno("setgroups");
    if (::setresgid(user.gid, user.gid, user.gid) < 0) throw_errno("setgid");
    if (::setresuid(user.uid, user.uid, user.uid) < 0) throw_errno("setuid");
  });
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) throw_errno("prctl PR_SET_KEEPCAPS");
  with_context("setting capabilities", [&] {
    CapSets held = sets;
    held.effective |= also_keep;
    held.permitted |= also_keep;
    set_capabilities(held);
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
      throw_errno("clearing ambient capabilities");
    // The kernel takes an ambient capability only if it is permitted and
    // inheritable. runc tries the others in vain without a word; we say it with --debug.
    for (const auto& c : spec::capability_table()) {
      uint64_t bit = uint64_t{1} << c.number;
      if (!(sets.ambient & bit)) continue;
      if (!(sets.permitted & sets.inheritable & bit)) {
        log::debug("ambient capability " + std::string(c.name) +
                   " not raised: it is not both permitted and inheritable");
        continue;
      }
      if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c.number, 0, 0) < 0)
        throw_errno("raising ambient capability " + std::string(c.name));
    }
  });
  return sets;
}

}  // namespace ocirun::process
