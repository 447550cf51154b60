// Diagnostics: errors and warnings as one line on stderr ("ocirun: ..."), and,
// with --log, as lines in the log file: text `time="..." level=error msg="..."`
// or JSON `{"level":"error","msg":"...","time":"<RFC 3339>"}` as engines parse them.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace ocirun::log {

enum class Format { Text, Json };

void configure(const std::string& path, Format format, bool debug);
// In a process the runtime cloned, whose fds (the --log file's among them)
// were closed: warnings and debug lines go to `fn` (over the sync socket to
// the parent, which logs them with relay()) instead of stderr, which is the
// container's, and the --log file. An empty `fn` drops them (the socket is
// gone). `fn` must not throw.
void forward(std::function<void(std::string_view level, std::string_view msg)> fn);
// In the parent: logs a line a child forwarded ("level\nmessage").
void relay(std::string_view forwarded);
void error(std::string_view msg);
void warn(std::string_view msg);
void debug(std::string_view msg);

// One log line in the given format (pure; exposed for tests).
std::string format_line(Format format, std::string_view level, std::string_view msg,
                        std::string_view time);
// The current time as RFC 3339 with nanoseconds, UTC.
std::string now_rfc3339();

}  // namespace ocirun::log
