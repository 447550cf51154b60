// Diagnostics: errors and warnings as one line on stderr ("ocirun: ..."), and,
// with --log, as lines in the log file: text `time="..." level=error msg="..."`
// or JSON `{"level":"error","msg":"...","time":"<RFC 3339>"}` as engines parse them.
#pragma once

#include <string>
#include <string_view>

namespace ocirun::log {

enum class Format { Text, Json };

void configure(const std::string& path, Format format, bool debug);
void error(std::string_view msg);
void warn(std::string_view msg);
void debug(std::string_view msg);

// One log line in the given format (pure; exposed for tests).
std::string format_line(Format format, std::string_view level, std::string_view msg,
                        std::string_view time);
// The current time as RFC 3339 with nanoseconds, UTC.
std::string now_rfc3339();

}  // namespace ocirun::log
