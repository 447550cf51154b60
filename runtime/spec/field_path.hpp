// Config field paths in messages, spelt as the loader spells them:
// linux.resources.memory.limit, linux.seccomp.syscalls[4],
// linux.resources.unified["io.max"].
#pragma once

#include <string>
#include <string_view>

namespace ocirun::spec {

// base + ".key", or base + "[\"key\"]" when key is not a plain identifier.
std::string field_member(const std::string& base, std::string_view key);
// base + "[i]"
std::string field_element(const std::string& base, size_t i);

}  // namespace ocirun::spec
