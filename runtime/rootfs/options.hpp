// Mount option words ("ro", "nosuid", "rbind", "rprivate", ...) turned into
// mount(2) flags. Words that are not flags are filesystem data ("mode=755").
#pragma once

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
  std::string data;               // the other words, comma-joined
};

MountOptions parse_mount_options(const std::vector<std::string>& words);

// Every option word parse_mount_options recognises, for `ocirun features`.
std::span<const std::string_view> mount_option_words();

}  // namespace ocirun::rootfs
