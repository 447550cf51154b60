#include "runtime/process/hooks.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "runtime/log.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/syscalls.hpp"

namespace ocirun::process {
namespace {

// The hook's child: the state on stdin, nothing else of ours, then exec.
// Only system calls: nothing can throw into the runtime's code in the child.
[[noreturn]] void exec_hook(const char* path, char** argv, char** envp, int state) noexcept {
  ::dup2(state, STDIN_FILENO);  // dup2 clears O_CLOEXEC on fd 0
  ::syscall(SYS_close_range, 3, ~0U, 0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(path, argv, envp);
  ::_exit(127);
}

}  // namespace

std::vector<std::string> hook_argv(const spec::Hook& hook) {
  if (hook.args.empty()) return {hook.path};
  return hook.args;
}

void run_hook(std::string_view kind, const spec::Hook& hook, const std::string& state_json) {
  with_context(std::string(kind) + " hook " + hook.path, [&] {
    std::vector<std::string> argv_s = hook_argv(hook);
    std::vector<std::string> env_s = hook.env;
    auto argv = sys::c_strings(argv_s);
    auto envp = sys::c_strings(env_s);
    int in[2];
    if (::pipe2(in, O_CLOEXEC) < 0) throw_errno("pipe");
    UniqueFd read_end(in[0]), write_end(in[1]);
    pid_t pid = ::fork();
    if (pid < 0) throw_errno("fork");
    if (pid == 0) exec_hook(hook.path.c_str(), argv.data(), envp.data(), read_end.get());
    read_end.reset();
    UniqueFd pfd = sys::pidfd_open(pid);
    int pidfd = pfd.get();
    // The hook may not read its stdin: a full pipe or its exit must not stop us.
    struct sigaction ign {
    }, old{};
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old);
    try {
      sys::write_all(write_end.get(), state_json.data(), state_json.size(), "write state");
    } catch (const Error&) {
    }
    sigaction(SIGPIPE, &old, nullptr);
    write_end.reset();
    // In 64 bits, in slices poll(2) takes: a timeout of more than 24 days
    // would overflow an int of milliseconds.
    using Clock = std::chrono::steady_clock;
    auto deadline = hook.timeout ? Clock::now() + std::chrono::seconds(*hook.timeout)
                                 : Clock::time_point::max();
    struct pollfd p {
      pidfd, POLLIN, 0
    };
    int rc;
    do {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
      int slice = hook.timeout ? static_cast<int>(std::clamp<long long>(left, 0, 1 << 30)) : -1;
      rc = pidfd >= 0 ? ::poll(&p, 1, slice) : 1;
      if (rc == 0 && Clock::now() < deadline) rc = -1, errno = EINTR;  // a slice, not the end
    } while (rc < 0 && errno == EINTR);
    if (rc == 0) {
      ::kill(pid, SIGKILL);
      sys::reap(pid);
      throw Error("timed out after " + std::to_string(*hook.timeout) + "s", ETIMEDOUT);
    }
    int status = sys::reap(pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && ::access(hook.path.c_str(), X_OK) < 0)
      throw_errno("exec");
    throw Error(sys::describe_wait_status(status));
  });
}

void run_hooks(std::string_view kind, const std::vector<spec::Hook>& hooks,
               const std::string& state_json, bool fatal) {
  for (const auto& h : hooks) {
    try {
      run_hook(kind, h, state_json);
    } catch (const Error& e) {
      if (fatal) throw;
      log::warn(e.what());
    }
  }
}

}  // namespace ocirun::process
