#include <grp.h>
#include <sys/capability.h>
#include <sys/prctl.h>
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

uint64_t current_bounding_set() {
  uint64_t m = 0;
  for (const auto& c : spec::capability_table())
    if (cap_get_bound(static_cast<cap_value_t>(c.number)) == 1) m |= uint64_t{1} << c.number;
  return m;
}

void set_process_caps(const CapSets& s) {
  cap_t caps = cap_init();
  if (!caps) throw_errno("cap_init");
  for (const auto& c : spec::capability_table()) {
    cap_value_t v = static_cast<cap_value_t>(c.number);
    uint64_t bit = uint64_t{1} << c.number;
    if (s.effective & bit) cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_SET);
    if (s.permitted & bit) cap_set_flag(caps, CAP_PERMITTED, 1, &v, CAP_SET);
    if (s.inheritable & bit) cap_set_flag(caps, CAP_INHERITABLE, 1, &v, CAP_SET);
  }
  int rc = cap_set_proc(caps);
  int err = errno;
  cap_free(caps);
  if (rc < 0) throw_errno("capset", err);
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

void apply_user_and_capabilities(const spec::User& user,
                                 const std::optional<spec::Capabilities>& caps) {
  CapSets sets;
  if (caps) {
    sets = cap_sets(*caps);
    for (const auto& name : restrict_caps(sets, current_bounding_set()))
      log::warn("capability " + name + " is not available to the runtime; not granted");
    with_context("dropping the capability bounding set", [&] {
      for (const auto& c : spec::capability_table()) {
        if (sets.bounding & (uint64_t{1} << c.number)) continue;
        if (cap_drop_bound(static_cast<cap_value_t>(c.number)) < 0 && errno != EINVAL)
          throw_errno("cap_drop_bound " + std::string(c.name));
      }
    });
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) throw_errno("prctl PR_SET_KEEPCAPS");
  }
  with_context("setting user " + std::to_string(user.uid) + ":" + std::to_string(user.gid), [&] {
    std::vector<gid_t> groups(user.additional_gids.begin(), user.additional_gids.end());
    // In a user namespace whose setgroups is denied, only an empty list is moot.
    if (::setgroups(groups.size(), groups.data()) < 0 && !(errno == EPERM && groups.empty()))
      throw_errno("setgroups");
    if (::setresgid(user.gid, user.gid, user.gid) < 0) throw_errno("setgid");
    if (::setresuid(user.uid, user.uid, user.uid) < 0) throw_errno("setuid");
  });
  if (!caps) return;
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) throw_errno("prctl PR_SET_KEEPCAPS");
  with_context("setting capabilities", [&] {
    set_process_caps(sets);
    if (cap_reset_ambient() < 0 && errno != EINVAL) throw_errno("clearing ambient capabilities");
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
      if (cap_set_ambient(static_cast<cap_value_t>(c.number), CAP_SET) < 0)
        throw_errno("raising ambient capability " + std::string(c.name));
    }
  });
}

}  // namespace ocirun::process
