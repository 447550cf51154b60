// seccomp-agent: the other end of linux.seccomp.listenerPath, for the integration tests.
//   seccomp-agent SOCKET [--state-out FILE] [--mkdir-errno N | --mkdir-return N] [--once]
// Listens on the unix socket SOCKET and prints "ready" once it does. For each
// connection it takes the container process state (JSON) with the seccomp
// notify fd (SCM_RIGHTS), writes the JSON to FILE, then answers the container's
// notifications: mkdir and mkdirat fail with errno N (--mkdir-errno) or return
// N without doing anything (--mkdir-return); every other call, and mkdir when
// neither is given, goes on to the kernel. Serves until SIGTERM/SIGINT, or with
// --once until the first container's processes are all gone.
#include <fcntl.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/sys/error.hpp"
#include "runtime/sys/syscalls.hpp"

using namespace ocirun;

namespace {

constexpr size_t kMaxState = 64 * 1024;

enum class MkdirAnswer { kContinue, kErrno, kReturn };

struct Options {
  std::string socket;
  std::string state_out;
  MkdirAnswer mkdir = MkdirAnswer::kContinue;
  long long mkdir_value = 0;
  bool once = false;
};

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: seccomp-agent SOCKET [--state-out FILE] "
               "[--mkdir-errno N | --mkdir-return N] [--once]\n");
  std::exit(2);
}

long long parse_number(const char* s) {
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0') usage();
  return n;
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    bool has_value = i + 1 < argc;
    if (arg == "--state-out" && has_value) {
      o.state_out = argv[++i];
    } else if ((arg == "--mkdir-errno" || arg == "--mkdir-return") && has_value) {
      if (o.mkdir != MkdirAnswer::kContinue) usage();
      o.mkdir = arg == "--mkdir-errno" ? MkdirAnswer::kErrno : MkdirAnswer::kReturn;
      o.mkdir_value = parse_number(argv[++i]);
      if (o.mkdir == MkdirAnswer::kErrno && (o.mkdir_value <= 0 || o.mkdir_value >= 4096)) usage();
    } else if (arg == "--once") {
      o.once = true;
    } else if (arg.starts_with("-") || !o.socket.empty()) {
      usage();
    } else {
      o.socket = arg;
    }
  }
  if (o.socket.empty()) usage();
  return o;
}

UniqueFd listen_on(const std::string& path) {
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) throw Error(path + ": socket path too long");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("socket");
  if (::unlink(path.c_str()) < 0 && errno != ENOENT) throw_errno("unlink " + path);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
    throw_errno("bind " + path);
  if (::listen(fd.get(), 16) < 0) throw_errno("listen");
  return fd;
}

// Reads the container process state from one connection, with the notify fd
// that comes with it. The runtime sends it as one message, but a stream socket
// may hand it over in pieces: read until the JSON is complete.
std::string receive_state(int conn, UniqueFd* notify_fd) {
  struct timeval timeout {
    10, 0
  };
  if (::setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) < 0)
    throw_errno("setsockopt SO_RCVTIMEO");
  std::string state;
  char buf[4096];
  while (!nlohmann::json::accept(state)) {
    UniqueFd fd;
    size_t n = sys::receive_with_fd(conn, buf, sizeof buf, &fd, "recvmsg");
    if (fd && !*notify_fd) *notify_fd = std::move(fd);
    if (n == 0) throw Error("connection closed before a complete state JSON: '" + state + "'");
    state.append(buf, n);
    if (state.size() > kMaxState) throw Error("state JSON larger than 64 KiB");
  }
  if (!*notify_fd) throw Error("no fd came with the state");
  auto doc = nlohmann::json::parse(state);
  auto fds = doc.find("fds");
  if (fds == doc.end() || !fds->is_array() || fds->empty() || (*fds)[0] != "seccompFd")
    throw Error("state JSON without \"fds\": [\"seccompFd\"]: " + state);
  return state;
}

void write_state(const std::string& path, const std::string& state) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  UniqueFd dirfd = sys::open(dir, O_RDONLY | O_DIRECTORY);
  sys::write_file_atomic(dirfd.get(), name, state);
}

bool is_mkdir(uint32_t arch, int nr) {
  for (const char* name : {"mkdir", "mkdirat"}) {
    int want = seccomp_syscall_resolve_name_arch(arch, name);
    if (want != __NR_SCMP_ERROR && want == nr) return true;
  }
  return false;
}

// One pending notification on `fd`, answered as the options say.
void answer(int fd, const Options& opt, seccomp_notif* req, seccomp_notif_resp* resp) {
  std::memset(req, 0, sizeof *req);  // the kernel wants it zeroed
  if (::ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
    // ENOENT: the caller died (or was interrupted) before we picked it up.
    if (errno == ENOENT || errno == EINTR) return;
    throw_errno("SECCOMP_IOCTL_NOTIF_RECV");
  }
  std::memset(resp, 0, sizeof *resp);
  resp->id = req->id;
  if (opt.mkdir != MkdirAnswer::kContinue && is_mkdir(req->data.arch, req->data.nr)) {
    if (opt.mkdir == MkdirAnswer::kErrno)
      resp->error = static_cast<int32_t>(-opt.mkdir_value);
    else
      resp->val = opt.mkdir_value;
  } else {
    resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
  }
  if (seccomp_notify_id_valid(fd, req->id) != 0) return;  // the caller is gone
  if (::ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
    throw_errno("SECCOMP_IOCTL_NOTIF_SEND");
}

struct Notifier {
  UniqueFd fd;
  bool first;  // from the first connection: --once ends with it
};

int run(const Options& opt) {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  if (::sigprocmask(SIG_BLOCK, &mask, nullptr) < 0) throw_errno("sigprocmask");
  UniqueFd sigfd(::signalfd(-1, &mask, SFD_CLOEXEC));
  if (!sigfd) throw_errno("signalfd");

  seccomp_notif* req = nullptr;
  seccomp_notif_resp* resp = nullptr;
  if (int rc = seccomp_notify_alloc(&req, &resp); rc < 0) throw_errno("seccomp_notify_alloc", -rc);
  struct Buffers {
    seccomp_notif* req;
    seccomp_notif_resp* resp;
    ~Buffers() { seccomp_notify_free(req, resp); }
  } buffers{req, resp};

  UniqueFd listener = listen_on(opt.socket);
  std::printf("ready\n");
  std::fflush(stdout);

  std::vector<Notifier> notifiers;
  bool accepted = false;
  for (;;) {
    std::vector<pollfd> fds = {{sigfd.get(), POLLIN, 0}, {listener.get(), POLLIN, 0}};
    for (const Notifier& n : notifiers) fds.push_back({n.fd.get(), POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw_errno("poll");
    }
    if (fds[0].revents & POLLIN) return 0;
    for (size_t i = notifiers.size(); i-- > 0;) {
      short ev = fds[i + 2].revents;
      if (ev & POLLIN) answer(notifiers[i].fd.get(), opt, req, resp);
      if (ev & (POLLHUP | POLLERR | POLLNVAL)) {
        // No process is left under the filter: nothing more can come.
        if (notifiers[i].first && opt.once) return 0;
        notifiers.erase(notifiers.begin() + static_cast<std::ptrdiff_t>(i));
      }
    }
    if (fds[1].revents & POLLIN) {
      UniqueFd conn(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!conn) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        throw_errno("accept");
      }
      UniqueFd notify_fd;
      std::string state = with_context("receiving the container state",
                                       [&] { return receive_state(conn.get(), &notify_fd); });
      if (!opt.state_out.empty())
        with_context("writing " + opt.state_out, [&] { write_state(opt.state_out, state); });
      notifiers.push_back({std::move(notify_fd), !accepted});
      accepted = true;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options opt = parse_options(argc, argv);
  int rc;
  try {
    rc = run(opt);
  } catch (const Error& e) {
    std::fprintf(stderr, "seccomp-agent: %s\n", e.what());
    rc = 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "seccomp-agent: %s\n", e.what());
    rc = 1;
  }
  ::unlink(opt.socket.c_str());
  return rc;
}
