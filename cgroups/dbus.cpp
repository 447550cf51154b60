#include "cgroups/dbus.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/log.hpp"
#include "runtime/sys/error.hpp"

namespace ocirun::cgroups::dbus {
namespace {

constexpr const char* kPrivateSocket = "/run/systemd/private";
constexpr const char* kSystemBus = "/run/dbus/system_bus_socket";
constexpr const char* kSystemd = "org.freedesktop.systemd1";
constexpr size_t kMaxSignals = 256;

UniqueFd connect_unix(const char* path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("socket");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
  while (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
    if (errno != EINTR) throw_errno(std::string(path) + ": connect");
  return fd;
}

std::string hex(std::string_view s) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

}  // namespace

Connection Connection::to_systemd() {
  std::string why;
  for (const char* path : {kPrivateSocket, kSystemBus}) {
    try {
      return Connection(connect_unix(path), path == kSystemBus);
    } catch (const Error& e) {
      if (!why.empty()) why += "; ";
      why += e.what();
    }
  }
  throw Error("systemd is not reachable (" + why + ")", EHOSTUNREACH);
}

Connection::Connection(UniqueFd fd, bool bus, int timeout_ms)
    : fd_(std::move(fd)), bus_(bus), timeout_ms_(timeout_ms) {
  authenticate();
  if (bus_) call("/org/freedesktop/DBus", "org.freedesktop.DBus", "Hello");
}

void Connection::write_all(const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::send(fd_.get(), data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("D-Bus: send");
    }
    done += static_cast<size_t>(n);
  }
}

// Reads until `in_` holds at least `want` bytes.
void Connection::fill(size_t want) {
  while (in_.size() < want) {
    pollfd p{fd_.get(), POLLIN, 0};
    int r = ::poll(&p, 1, timeout_ms_);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw_errno("D-Bus: poll");
    if (r == 0)
      throw Error(
          "D-Bus: systemd did not answer within " + std::to_string(timeout_ms_ / 1000) + " s",
          ETIMEDOUT);
    char buf[4096];
    ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("D-Bus: recv");
    if (n == 0) throw Error("D-Bus: systemd closed the connection", ECONNRESET);
    in_.append(buf, static_cast<size_t>(n));
  }
}

void Connection::authenticate() {
  // A NUL byte, AUTH EXTERNAL with our uid in hex of its decimal text, and
  // BEGIN at once, as sd-bus's clients send them (no round trip for BEGIN);
  // the peer answers "OK <guid>".
  write_all(std::string(1, '\0') + "AUTH EXTERNAL " + hex(std::to_string(::geteuid())) +
            "\r\nBEGIN\r\n");
  size_t eol;
  while ((eol = in_.find("\r\n")) == std::string::npos) fill(in_.size() + 1);
  std::string line = in_.substr(0, eol);
  in_.erase(0, eol + 2);
  if (!line.starts_with("OK ")) throw Error("D-Bus: authentication refused: " + line, EACCES);
}

void Connection::watch_jobs() {
  if (!bus_ || watching_) return;
  Writer rule;
  rule.string(std::string("type='signal',sender='") + kSystemd +
              "',path='/org/freedesktop/systemd1',interface='org.freedesktop.systemd1.Manager',"
              "member='JobRemoved'");
  call("/org/freedesktop/DBus", "org.freedesktop.DBus", "AddMatch", "s", rule.bytes());
  call("/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "Subscribe");
  watching_ = true;
}

Message Connection::receive() {
  fill(16);
  std::optional<size_t> size;
  while (!(size = message_size(in_))) fill(in_.size() + 1);
  fill(*size);
  Message m = decode(std::string_view(in_).substr(0, *size));
  in_.erase(0, *size);
  log::debug("D-Bus: received type " + std::to_string(int(m.type)) + " " + m.member + " serial " +
             std::to_string(m.serial) + " reply to " + std::to_string(m.reply_serial.value_or(0)) +
             (m.error_name.empty() ? "" : " error " + m.error_name));
  return m;
}

Message Connection::call(const std::string& path, const std::string& interface,
                         const std::string& member, const std::string& signature,
                         const std::string& body) {
  Message r = exchange(path, interface, member, signature, body);
  if (r.type == MessageType::Error) throw_reply(r);
  return r;
}

Message Connection::exchange(const std::string& path, const std::string& interface,
                             const std::string& member, const std::string& signature,
                             const std::string& body) {
  Message m;
  m.type = MessageType::MethodCall;
  m.serial = ++serial_;
  m.path = path;
  m.interface = interface;
  m.member = member;
  m.signature = signature;
  m.body = body;
  if (bus_)
    m.destination =
        interface.starts_with("org.freedesktop.DBus") ? "org.freedesktop.DBus" : kSystemd;
  log::debug("D-Bus: calling " + member + " serial " + std::to_string(m.serial));
  write_all(encode(m));
  for (;;) {
    Message r = receive();
    if (r.type == MessageType::Signal) {
      // systemd's private socket gets every signal: a busy systemd's must
      // not pile up while a call waits (the newest are kept).
      if (signals_.size() == kMaxSignals) signals_.pop_front();
      signals_.push_back(std::move(r));
      continue;
    }
    if (r.reply_serial == m.serial) return r;  // else not ours (a bus may send others)
  }
}

Message Connection::wait_signal(const std::function<bool(const Message&)>& match) {
  while (!signals_.empty()) {
    Message s = std::move(signals_.front());
    signals_.pop_front();
    if (match(s)) return s;
  }
  for (;;) {
    Message r = receive();
    if (r.type == MessageType::Signal && match(r)) return r;
  }
}

}  // namespace ocirun::cgroups::dbus
