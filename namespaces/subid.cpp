#include "namespaces/subid.hpp"

#include <cerrno>
#include <charconv>
#include <optional>

#include "runtime/sys/error.hpp"
#include "runtime/sys/text.hpp"

namespace ocirun::ns {
namespace {

std::optional<uint64_t> number(std::string_view s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

bool inside(const spec::IdMapping& m, const IdRange& r) {
  return m.host_id >= r.start && uint64_t{m.host_id} + m.size <= r.start + r.size;
}

std::string span(uint64_t start, uint64_t size) {
  return std::to_string(start) + "-" + std::to_string(start + size - 1);
}

}  // namespace

std::vector<IdRange> subid_ranges(std::string_view text, std::string_view user, uint32_t id) {
  std::vector<IdRange> out;
  const std::string id_text = std::to_string(id);
  sys::for_each_line(text, [&](std::string_view line) {
    auto f = sys::fields(line);
    if (f.size() != 3 || (f[0] != user && f[0] != id_text)) return;
    auto start = number(f[1]);
    auto count = number(f[2]);
    if (start && count && *count > 0) out.push_back({*start, *count});
  });
  return out;
}

MapWriter map_writer(const std::vector<spec::IdMapping>& maps, const std::string& field,
                     bool privileged, uint32_t own, const std::vector<IdRange>& allowed,
                     const std::string& file) {
  if (privileged) return MapWriter::Direct;
  // The kernel's own rule for an unprivileged writer: one line, its own id.
  if (maps.size() == 1 && maps[0].host_id == own && maps[0].size == 1) return MapWriter::Direct;
  for (size_t i = 0; i < maps.size(); ++i) {
    const spec::IdMapping& m = maps[i];
    if (m.size == 1 && m.host_id == own) continue;
    bool ok = false;
    for (const auto& r : allowed) ok |= inside(m, r);
    if (ok) continue;
    std::string ranges;
    for (const auto& r : allowed) ranges += (ranges.empty() ? "" : ", ") + span(r.start, r.size);
    throw Error(field + "[" + std::to_string(i) + "]: host ids " + span(m.host_id, m.size) +
                    " are neither the caller's own (" + std::to_string(own) + ") nor in its " +
                    file + " ranges (" + (ranges.empty() ? "none" : ranges) + ")",
                EPERM);
  }
  return MapWriter::Helper;
}

std::vector<std::string> helper_args(const std::vector<spec::IdMapping>& maps) {
  std::vector<std::string> out;
  for (const auto& m : maps) {
    out.push_back(std::to_string(m.container_id));
    out.push_back(std::to_string(m.host_id));
    out.push_back(std::to_string(m.size));
  }
  return out;
}

}  // namespace ocirun::ns
