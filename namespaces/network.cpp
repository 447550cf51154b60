// A new network namespace starts with its loopback down: the init brings it
// up, as runc and crun do, so that a server on 127.0.0.1 is reachable from
// the container and from those that join its network namespace.
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstring>

#include "namespaces/plan.hpp"
#include "runtime/sys/error.hpp"

namespace ocirun::ns {

void bring_up_loopback() {
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) throw_errno("bringing up the loopback interface: socket");
  struct ifreq req {};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &req) < 0)
    throw_errno("bringing up the loopback interface: SIOCGIFFLAGS lo");
  if (req.ifr_flags & IFF_UP) return;
  req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &req) < 0)
    throw_errno("bringing up the loopback interface: SIOCSIFFLAGS lo");
}

}  // namespace ocirun::ns
