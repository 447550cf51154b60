// The bundle's config document: found in the bundle (config.json, else
// config.yaml or config.yml), read, and parsed as JSON or YAML (yaml.cpp),
// with bounds on what the reader will take; then handed to the loader.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/spec/loader.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/fd.hpp"

namespace ocirun::spec {
namespace {

using json = nlohmann::json;

// Reads a whole file into `out`; false if it does not exist.
bool read_file(const std::string& path, std::string& out) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return false;
    throw_errno(path);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) == 0 && st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
  char buf[16384];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno(path);
    }
    if (n == 0) return true;
    out.append(buf, static_cast<size_t>(n));
  }
}

std::string join(const std::string& dir, std::string_view file) {
  if (dir.empty()) return std::string(file);
  std::string out = dir;
  if (!out.ends_with('/')) out += '/';
  out += file;
  return out;
}

}  // namespace

json json_document(std::string_view text, std::string_view name) {
  // No config nests deeper than a few levels; a document nested thousands
  // deep would overflow the stack of the recursive code that reads it.
  constexpr int kMaxDepth = 128;
  auto depth_limit = [&](int depth, json::parse_event_t, json&) {
    if (depth > kMaxDepth)
      throw Error(std::string(name) + ": invalid JSON: nested deeper than " +
                  std::to_string(kMaxDepth) + " levels");
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), depth_limit);
  } catch (const json::out_of_range&) {
    // a number too large for a double ("1e999")
    throw Error(std::string(name) + ": invalid JSON: a number out of range");
  } catch (const json::parse_error& e) {
    // e.what(): "[json.exception.parse_error.101] parse error at line 1, ..."
    std::string_view msg = e.what();
    if (msg.starts_with('[')) {
      size_t end = msg.find("] ");
      if (end != std::string_view::npos) msg.remove_prefix(end + 2);
    }
    throw Error(std::string(name) + ": invalid JSON: " + std::string(msg));
  }
}

Config parse_json(std::string_view text, std::string_view name) {
  return from_json(json_document(text, name), name);
}

Config parse_yaml(std::string_view text, std::string_view name) {
  return from_json(yaml_document(text, name), name);
}

json load_bundle_document(const std::string& bundle_dir, std::string* name) {
  struct Candidate {
    std::string_view file;
    json (*parse)(std::string_view text, std::string_view name);
  };
  static constexpr Candidate kCandidates[] = {{"config.json", json_document},
                                              {"config.yaml", yaml_document},
                                              {"config.yml", yaml_document}};
  for (const Candidate& c : kCandidates) {
    std::string text;
    if (read_file(join(bundle_dir, c.file), text)) {
      if (name) *name = c.file;
      return c.parse(text, c.file);
    }
  }
  throw_errno(join(bundle_dir, kCandidates[0].file), ENOENT);
}

Config load_bundle(const std::string& bundle_dir) {
  std::string name;
  json doc = load_bundle_document(bundle_dir, &name);
  return from_json(doc, name);
}

}  // namespace ocirun::spec
