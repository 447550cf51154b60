#include "seccomp/notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "runtime/spec/tables.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/fd.hpp"
#include "runtime/sys/syscalls.hpp"

namespace ocirun::seccomp {

nlohmann::json process_state(pid_t pid, const std::string& metadata, const nlohmann::json& state) {
  return {{"ociVersion", std::string(spec::kOciVersion)},
          {"fds", {"seccompFd"}},
          {"pid", pid},
          {"metadata", metadata},
          {"state", state}};
}

void send_to_listener(const std::string& listener_path, int notify_fd, const std::string& state) {
  with_context("linux.seccomp.listenerPath " + listener_path, [&] {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (listener_path.size() >= sizeof addr.sun_path) throw Error("path too long", ENAMETOOLONG);
    std::memcpy(addr.sun_path, listener_path.c_str(), listener_path.size() + 1);
    UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!sock) throw_errno("socket");
    if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
      throw_errno("connect");
    sys::send_with_fd(sock.get(), state.data(), state.size(), notify_fd, "sending the notify fd");
  });
}

}  // namespace ocirun::seccomp
