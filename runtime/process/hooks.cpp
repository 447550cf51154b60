#include "runtime/process/hooks.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/log.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/syscalls.hpp"

namespace ocirun::process {
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
    if (pid == 0) {
      ::dup2(read_end.get(), STDIN_FILENO);  // dup2 clears O_CLOEXEC on fd 0
      ::syscall(SYS_close_range, 3, ~0U, 0);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      ::execve(hook.path.c_str(), argv.data(), envp.data());
      ::_exit(127);
    }
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
    int timeout_ms = hook.timeout ? *hook.timeout * 1000 : -1;
    struct pollfd p {
      pidfd, POLLIN, 0
    };
    int rc;
    do {
      rc = pidfd >= 0 ? ::poll(&p, 1, timeout_ms) : 1;
    } while (rc < 0 && errno == EINTR);
    if (rc == 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      throw Error("timed out after " + std::to_string(*hook.timeout) + "s", ETIMEDOUT);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
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
