#include "runtime/rootfs/options.hpp"

#include <sys/mount.h>

#include <array>

namespace ocirun::rootfs {
namespace {

enum class Kind { Set, Clear, Propagation, Bind, RBind };

struct Word {
  std::string_view word;
  Kind kind;
  unsigned long flag;
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
        out.flags |= found->flag;
        break;
      case Kind::Clear:
        out.flags &= ~found->flag;
        break;
      case Kind::Propagation:
        out.propagation = found->flag;
        break;
      case Kind::Bind:
        out.bind = true;
        break;
      case Kind::RBind:
        out.bind = out.recursive = true;
        break;
    }
  }
  return out;
}

std::span<const std::string_view> mount_option_words() {
  return kWordNames;
}

}  // namespace ocirun::rootfs
