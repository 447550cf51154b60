#include "runtime/launch/sync.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "runtime/sys/error.hpp"

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

void send(int fd, MsgType type, int err, const std::string& text) {
  char buf[kHeader + kMaxText];
  uint32_t t = static_cast<uint32_t>(type);
  int32_t e = err;
  std::memcpy(buf, &t, sizeof t);
  std::memcpy(buf + sizeof t, &e, sizeof e);
  size_t n = std::min(text.size(), kMaxText);
  std::memcpy(buf + kHeader, text.data(), n);
  ssize_t rc;
  do {
    rc = ::send(fd, buf, kHeader + n, MSG_NOSIGNAL);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) throw_errno("sync: send");
}

std::optional<Message> receive(int fd) {
  char buf[kHeader + kMaxText];
  ssize_t n;
  do {
    n = ::recv(fd, buf, sizeof buf, 0);
  } while (n < 0 && errno == EINTR);
  if (n == 0 || (n < 0 && errno == ECONNRESET)) return std::nullopt;
  if (n < 0) throw_errno("sync: receive");
  if (static_cast<size_t>(n) < kHeader) throw Error("sync: short message");
  Message m;
  uint32_t t;
  std::memcpy(&t, buf, sizeof t);
  std::memcpy(&m.err, buf + sizeof t, sizeof m.err);
  m.type = static_cast<MsgType>(t);
  m.text.assign(buf + kHeader, static_cast<size_t>(n) - kHeader);
  return m;
}

}  // namespace ocirun::launch
