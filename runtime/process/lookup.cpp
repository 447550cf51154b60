#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/process/process.hpp"
#include "runtime/sys/error.hpp"

namespace ocirun::process {
namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

bool is_executable_file(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

}  // namespace

std::string search_path(const std::vector<std::string>& env) {
  for (const auto& e : env)
    if (e.rfind("PATH=", 0) == 0) return e.substr(5);
  return kDefaultPath;
}

std::vector<std::string> exec_candidates(const std::string& arg0, const std::string& path) {
  if (arg0.find('/') != std::string::npos) return {arg0};
  std::vector<std::string> out;
  size_t pos = 0;
  for (;;) {
    size_t colon = path.find(':', pos);
    std::string dir =
        path.substr(pos, colon == std::string::npos ? std::string::npos : colon - pos);
    if (dir.empty()) dir.push_back('.');  // an empty PATH entry means the working directory
    dir += '/';
    dir += arg0;
    out.push_back(std::move(dir));
    if (colon == std::string::npos) break;
    pos = colon + 1;
  }
  return out;
}

std::string find_executable(const std::string& arg0, const std::vector<std::string>& env) {
  auto candidates = exec_candidates(arg0, search_path(env));
  if (arg0.find('/') != std::string::npos) {
    struct stat st;
    if (::stat(arg0.c_str(), &st) < 0) {
      int err = errno;
      throw Error("exec: \"" + arg0 + "\": stat " + arg0 + ": " + std::strerror(err), err);
    }
    if (S_ISDIR(st.st_mode)) throw Error("exec: \"" + arg0 + "\": is a directory", EISDIR);
    if (!is_executable_file(arg0)) throw Error("exec: \"" + arg0 + "\": permission denied", EACCES);
    return arg0;
  }
  for (const auto& c : candidates)
    if (is_executable_file(c)) return c;
  throw Error("exec: \"" + arg0 + "\": executable file not found in $PATH", ENOENT);
}

}  // namespace ocirun::process
