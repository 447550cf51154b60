// Fuzz inputs that stand for a list of words (an argv, mount options): the
// input split on NUL bytes, as the kernel hands argv over. "a\0b" is
// {"a", "b"}; an empty input is no word; "a\0" is {"a", ""}.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ocirun::fuzz {

inline std::vector<std::string> split_words(const uint8_t* data, size_t size) {
  std::vector<std::string> out;
  if (size == 0) return out;
  const char* text = reinterpret_cast<const char*>(data);
  size_t start = 0;
  for (size_t i = 0; i <= size; ++i) {
    if (i == size || text[i] == '\0') {
      out.emplace_back(text + start, i - start);
      start = i + 1;
    }
  }
  return out;
}

}  // namespace ocirun::fuzz
