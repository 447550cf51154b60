#include "runtime/rootfs/options.hpp"

#include <sys/mount.h>

#include <array>

namespace ocirun::rootfs {
namespace {

enum class Kind {
  Set,
  Clear,
  Ignore,  // "defaults"
  Propagation,
  Bind,
  RBind,
  RecSet,    // MOUNT_ATTR_* for the whole tree
  RecClear,  // ... cleared
  RecAtime,  // a choice of the MOUNT_ATTR__ATIME field for the whole tree
  TmpCopyUp,
  IdMap,
  RIdMap,
};

struct Word {
  std::string_view word;
  Kind kind;
  uint64_t flag;
};

constexpr std::array kWords{
    Word{"ro", Kind::Set, MS_RDONLY},
    Word{"rw", Kind::Clear, MS_RDONLY},
    Word{"nosuid", Kind::Set, MS_NOSUID},
    Word{"suid", Kind::Clear, MS_NOSUID},
    Word{"nodev", Kind::Set, MS_NODEV},
    Word{"dev", Kind::Clear, MS_NODEV},
    Word{"noexec", Kind::Set, MS_NOEXEC},
    Word{"exec", Kind::Clear, MS_NOEXEC},
    Word{"sync", Kind::Set, MS_SYNCHRONOUS},
    Word{"async", Kind::Clear, MS_SYNCHRONOUS},
    Word{"dirsync", Kind::Set, MS_DIRSYNC},
    Word{"remount", Kind::Set, MS_REMOUNT},
    Word{"mand", Kind::Set, MS_MANDLOCK},
    Word{"nomand", Kind::Clear, MS_MANDLOCK},
    Word{"atime", Kind::Clear, MS_NOATIME},
    Word{"noatime", Kind::Set, MS_NOATIME},
    Word{"diratime", Kind::Clear, MS_NODIRATIME},
    Word{"nodiratime", Kind::Set, MS_NODIRATIME},
    Word{"relatime", Kind::Set, MS_RELATIME},
    Word{"norelatime", Kind::Clear, MS_RELATIME},
    Word{"strictatime", Kind::Set, MS_STRICTATIME},
    Word{"nostrictatime", Kind::Clear, MS_STRICTATIME},
    Word{"nosymfollow", Kind::Set, MS_NOSYMFOLLOW},
    Word{"symfollow", Kind::Clear, MS_NOSYMFOLLOW},
    Word{"acl", Kind::Set, MS_POSIXACL},
    Word{"noacl", Kind::Clear, MS_POSIXACL},
    Word{"iversion", Kind::Set, MS_I_VERSION},
    Word{"noiversion", Kind::Clear, MS_I_VERSION},
    Word{"lazytime", Kind::Set, MS_LAZYTIME},
    Word{"nolazytime", Kind::Clear, MS_LAZYTIME},
    Word{"silent", Kind::Set, MS_SILENT},
    Word{"loud", Kind::Clear, MS_SILENT},
    Word{"defaults", Kind::Ignore, 0},
    Word{"bind", Kind::Bind, 0},
    Word{"rbind", Kind::RBind, 0},
    Word{"private", Kind::Propagation, MS_PRIVATE},
    Word{"rprivate", Kind::Propagation, MS_PRIVATE | MS_REC},
    Word{"shared", Kind::Propagation, MS_SHARED},
    Word{"rshared", Kind::Propagation, MS_SHARED | MS_REC},
    Word{"slave", Kind::Propagation, MS_SLAVE},
    Word{"rslave", Kind::Propagation, MS_SLAVE | MS_REC},
    Word{"unbindable", Kind::Propagation, MS_UNBINDABLE},
    Word{"runbindable", Kind::Propagation, MS_UNBINDABLE | MS_REC},
    // Recursive attributes (runc 1.1+): mount_setattr(2) with AT_RECURSIVE.
    Word{"rro", Kind::RecSet, MOUNT_ATTR_RDONLY},
    Word{"rrw", Kind::RecClear, MOUNT_ATTR_RDONLY},
    Word{"rnosuid", Kind::RecSet, MOUNT_ATTR_NOSUID},
    Word{"rsuid", Kind::RecClear, MOUNT_ATTR_NOSUID},
    Word{"rnodev", Kind::RecSet, MOUNT_ATTR_NODEV},
    Word{"rdev", Kind::RecClear, MOUNT_ATTR_NODEV},
    Word{"rnoexec", Kind::RecSet, MOUNT_ATTR_NOEXEC},
    Word{"rexec", Kind::RecClear, MOUNT_ATTR_NOEXEC},
    Word{"rnodiratime", Kind::RecSet, MOUNT_ATTR_NODIRATIME},
    Word{"rdiratime", Kind::RecClear, MOUNT_ATTR_NODIRATIME},
    Word{"rnosymfollow", Kind::RecSet, MOUNT_ATTR_NOSYMFOLLOW},
    Word{"rsymfollow", Kind::RecClear, MOUNT_ATTR_NOSYMFOLLOW},
    Word{"rnoatime", Kind::RecAtime, MOUNT_ATTR_NOATIME},
    Word{"ratime", Kind::RecAtime, MOUNT_ATTR_RELATIME},  // the kernel's default atime
    Word{"rrelatime", Kind::RecAtime, MOUNT_ATTR_RELATIME},
    Word{"rnorelatime", Kind::RecAtime, MOUNT_ATTR_STRICTATIME},
    Word{"rstrictatime", Kind::RecAtime, MOUNT_ATTR_STRICTATIME},
    Word{"rnostrictatime", Kind::RecAtime, MOUNT_ATTR_RELATIME},
    // Runtime extensions.
    Word{"tmpcopyup", Kind::TmpCopyUp, 0},
    Word{"idmap", Kind::IdMap, 0},
    Word{"ridmap", Kind::RIdMap, 0},
};

constexpr auto kWordNames = [] {
  std::array<std::string_view, kWords.size()> names{};
  for (size_t i = 0; i < kWords.size(); ++i) names[i] = kWords[i].word;
  return names;
}();

}  // namespace

MountOptions parse_mount_options(const std::vector<std::string>& words) {
  MountOptions out;
  for (const auto& w : words) {
    const Word* found = nullptr;
    for (const auto& k : kWords)
      if (k.word == w) found = &k;
    if (!found) {
      if (!out.data.empty()) out.data += ',';
      out.data += w;
      continue;
    }
    switch (found->kind) {
      case Kind::Set:
        out.flags |= static_cast<unsigned long>(found->flag);
        break;
      case Kind::Clear:
        out.flags &= ~static_cast<unsigned long>(found->flag);
        break;
      case Kind::Propagation:
        out.propagation = static_cast<unsigned long>(found->flag);
        break;
      case Kind::Bind:
        out.bind = true;
        break;
      case Kind::RBind:
        out.bind = out.recursive = true;
        break;
      case Kind::Ignore:
        break;
      case Kind::RecSet:
        out.attr_set |= found->flag;
        out.attr_clr &= ~found->flag;
        break;
      case Kind::RecClear:
        out.attr_clr |= found->flag;
        out.attr_set &= ~found->flag;
        break;
      case Kind::RecAtime:
        out.attr_clr |= MOUNT_ATTR__ATIME;
        out.attr_set = (out.attr_set & ~uint64_t{MOUNT_ATTR__ATIME}) | found->flag;
        break;
      case Kind::TmpCopyUp:
        out.tmpcopyup = true;
        break;
      case Kind::IdMap:
        out.idmap = true;
        break;
      case Kind::RIdMap:
        out.idmap = out.idmap_recursive = true;
        break;
    }
  }
  return out;
}

std::span<const std::string_view> mount_option_words() {
  return kWordNames;
}

}  // namespace ocirun::rootfs
