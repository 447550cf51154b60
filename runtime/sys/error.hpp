// The error type every layer throws: a message built as a chain of contexts,
// "creating cgroup /sys/fs/cgroup/x: mkdir: Permission denied", plus the errno
// at its root (0 when the cause is not a system call).
#pragma once

#include <string>
#include <string_view>

namespace ocirun {

class Error : public std::exception {
 public:
  explicit Error(std::string message, int err = 0) : message_(std::move(message)), errno_(err) {}

  const char* what() const noexcept override { return message_.c_str(); }
  int code() const noexcept { return errno_; }

  // Prepends "context: " to the message; returns *this so it can be rethrown.
  Error& context(std::string_view ctx) {
    message_.insert(0, std::string(ctx) + ": ");
    return *this;
  }

 private:
  std::string message_;
  int errno_;
};

// Throws Error("<what>: <strerror(err)>", err).
[[noreturn]] void throw_errno(std::string_view what, int err);
// Same with the current errno.
[[noreturn]] void throw_errno(std::string_view what);

// Runs f(); an Error escaping from it gets ctx prepended.
template <class F>
auto with_context(std::string_view ctx, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (Error& e) {
    e.context(ctx);
    throw;
  }
}

}  // namespace ocirun
