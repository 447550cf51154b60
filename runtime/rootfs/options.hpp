// Mount option words ("ro", "nosuid", "rbind", "rprivate", ...) turned into
// mount(2) flags. Words that are not flags are filesystem data ("mode=755").
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ocirun::rootfs {

struct MountOptions {
  unsigned long flags = 0;        // MS_* flags to set (MS_RDONLY, MS_NOSUID, ...)
  unsigned long propagation = 0;  // MS_PRIVATE/MS_SHARED/MS_SLAVE/MS_UNBINDABLE [| MS_REC], or 0
  bool bind = false;              // "bind" or "rbind"
  bool recursive = false;         // "rbind"
  // "rro", "rnosuid", "rrw", ...: MOUNT_ATTR_* set and cleared with mount_setattr(2)
  // AT_RECURSIVE on the whole tree once mounted. An atime word clears the whole
  // MOUNT_ATTR__ATIME field and sets its choice (the kernel asks for that).
  uint64_t attr_set = 0;
  uint64_t attr_clr = 0;
  bool tmpcopyup = false;        // tmpfs: filled with what the directory it covers held
  bool idmap = false;            // "idmap" or "ridmap": an idmapped bind mount
  bool idmap_recursive = false;  // "ridmap"
  std::string data;              // the other words, comma-joined
};

MountOptions parse_mount_options(const std::vector<std::string>& words);

// Every option word parse_mount_options recognises, for `ocirun features`.
std::span<const std::string_view> mount_option_words();

}  // namespace ocirun::rootfs
