#include "runtime/log.hpp"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "runtime/sys/fd.hpp"

namespace ocirun::log {
namespace {

struct Sink {
  UniqueFd file;
  Format format = Format::Text;
  bool debug = false;
  bool forwarding = false;  // in a cloned child: lines go to `forward` only
  std::function<void(std::string_view, std::string_view)> forward;
};

Sink& sink() {
  static Sink s;
  return s;
}

void emit(std::string_view level, std::string_view msg, bool to_stderr) {
  Sink& s = sink();
  if (s.forwarding) {
    if (s.forward) s.forward(level, msg);
    return;
  }
  if (to_stderr) {
    std::string line = "ocirun: ";
    if (level != "error") line.append(level).append(": ");
    line.append(msg).push_back('\n');
    (void)!::write(STDERR_FILENO, line.data(), line.size());
  }
  if (s.file) {
    std::string line = format_line(s.format, level, msg, now_rfc3339());
    (void)!::write(s.file.get(), line.data(), line.size());
  }
}

}  // namespace

void configure(const std::string& path, Format format, bool debug) {
  Sink& s = sink();
  s.format = format;
  s.debug = debug;
  if (!path.empty()) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) s.file.reset(fd);
  }
}

void forward(std::function<void(std::string_view, std::string_view)> fn) {
  Sink& s = sink();
  s.forwarding = true;
  s.forward = std::move(fn);
}

void relay(std::string_view forwarded) {
  auto nl = forwarded.find('\n');
  if (nl == std::string_view::npos) return;
  std::string_view level = forwarded.substr(0, nl), msg = forwarded.substr(nl + 1);
  if (level == "debug")
    debug(msg);
  else
    warn(msg);
}

void error(std::string_view msg) {
  emit("error", msg, true);
}
void warn(std::string_view msg) {
  emit("warning", msg, true);
}
void debug(std::string_view msg) {
  if (sink().debug) emit("debug", msg, !sink().file);
}

std::string format_line(Format format, std::string_view level, std::string_view msg,
                        std::string_view time) {
  if (format == Format::Json) {
    nlohmann::json j = {{"level", level}, {"msg", msg}, {"time", time}};
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  // logfmt-style, as runc's text logs: msg quoted with JSON string escaping.
  nlohmann::json quoted = std::string(msg);
  std::string line = "time=\"";
  line.append(time).append("\" level=").append(level).append(" msg=");
  line += quoted.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  line.push_back('\n');
  return line;
}

std::string now_rfc3339() {
  struct timespec ts {};
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm {};
  gmtime_r(&ts.tv_sec, &tm);
  // Not strftime: it reads the time zone (/etc/localtime) on every create.
  char buf[64];
  snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
  return buf;
}

}  // namespace ocirun::log
