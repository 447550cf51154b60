#include "runtime/launch/sync.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/log.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/syscalls.hpp"

namespace ocirun::launch {
namespace {

constexpr size_t kHeader = sizeof(uint32_t) + sizeof(int32_t);
constexpr size_t kMaxText = 4096;

}  // namespace

SyncPair make_sync_pair() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) throw_errno("socketpair");
  return {UniqueFd(sv[0]), UniqueFd(sv[1])};
}

void send(int fd, MsgType type, int err, const std::string& text, int pass_fd) {
  char buf[kHeader + kMaxText];
  uint32_t t = static_cast<uint32_t>(type);
  int32_t e = err;
  std::memcpy(buf, &t, sizeof t);
  std::memcpy(buf + sizeof t, &e, sizeof e);
  size_t n = std::min(text.size(), kMaxText);
  std::memcpy(buf + kHeader, text.data(), n);
  sys::send_with_fd(fd, buf, kHeader + n, pass_fd, "sync: send");
}

std::optional<Message> receive(int fd) {
  char buf[kHeader + kMaxText];
  Message m;
  size_t n = sys::receive_with_fd(fd, buf, sizeof buf, &m.fd, "sync: receive");
  if (n == 0) return std::nullopt;
  if (n < kHeader) throw Error("sync: short message");
  uint32_t t;
  std::memcpy(&t, buf, sizeof t);
  std::memcpy(&m.err, buf + sizeof t, sizeof m.err);
  m.type = static_cast<MsgType>(t);
  m.text.assign(buf + kHeader, n - kHeader);
  return m;
}

void fail(int fd, int err, const std::string& text) {
  try {
    send(fd, MsgType::Error, err, text);
  } catch (...) {
  }
  ::_exit(1);
}

std::string current_error(int* err, std::string_view where) {
  *err = 0;
  try {
    throw;
  } catch (const Error& e) {
    *err = e.code();
    return e.what();
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return std::string(where) + ": unknown error";
  }
}

void forward_log(int fd) {
  if (fd < 0) {
    log::forward(nullptr);
    return;
  }
  log::forward([fd](std::string_view level, std::string_view msg) {
    try {
      send(fd, MsgType::Log, 0, std::string(level) + "\n" + std::string(msg));
    } catch (...) {
    }
  });
}

void fail_current(int fd, std::string_view where) noexcept {
  int err = 0;
  std::string text;
  try {
    text = current_error(&err, where);
  } catch (...) {
  }
  fail(fd, err, text);
}

}  // namespace ocirun::launch
