// The container's init, from clone to exec. Runs in the new namespaces; every
// error goes back to the parent over the sync socket with its context.
#include <fcntl.h>
#include <link.h>
#include <linux/close_range.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "runtime/launch/launch.hpp"
#include "runtime/launch/sync.hpp"
#include "runtime/process/attributes.hpp"
#include "runtime/process/hooks.hpp"
#include "runtime/process/process.hpp"
#include "runtime/process/terminal.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/procfs.hpp"
#include "runtime/sys/syscalls.hpp"

namespace ocirun::launch {
namespace {

void reset_signals() {
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &dfl, nullptr);
}

void set_death_signal() {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) throw_errno("prctl PR_SET_PDEATHSIG");
}

// Blocks for the parent's next message; a parent that went away ends the init.
Message wait_for(int sync_fd, MsgType want) {
  auto m = receive(sync_fd);
  if (!m || m->type != want) ::_exit(1);
  return std::move(*m);
}

// Before the pivot, in the container's namespaces: the parent runs the prestart
// and createRuntime hooks, then the createContainer hooks run here (their paths
// still resolve in the runtime's filesystem).
void create_hooks(const spec::Hooks& hooks, int sync_fd) {
  if (hooks.prestart.empty() && hooks.create_runtime.empty() && hooks.create_container.empty())
    return;
  send(sync_fd, MsgType::RuntimeHooks);
  Message m = wait_for(sync_fd, MsgType::HooksDone);
  process::run_hooks("createContainer", hooks.create_container, m.text, true);
}

void join_session_keyring(const std::string& id) {
  // A keyring of its own, so containers do not share the host's session keys.
  if (::syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, id.c_str()) < 0 && errno != ENOSYS &&
      errno != EACCES && errno != EPERM && errno != EDQUOT)
    throw_errno("joining a new session keyring");
}

std::vector<std::string> exec_env(const spec::Process& p, int preserve) {
  std::vector<std::string> env = p.env;
  if (preserve > 0) {
    bool has = false;
    for (const auto& e : env) has |= e.rfind("LISTEN_FDS=", 0) == 0;
    if (!has) env.push_back("LISTEN_FDS=" + std::to_string(preserve));
  }
  return env;
}

Confinement setup(const InitConfig& cfg, int sync_fd, unsigned long unshare_later,
                  UniqueFd& fd_dir) {
  const spec::Config& config = *cfg.config;
  const spec::Process& proc = *config.process;
  std::map<std::string, UniqueFd> sources;  // bind sources the runtime opened for us
  if (cfg.namespaces->new_user) {
    for (;;) {
      auto m = receive(sync_fd);
      if (!m) ::_exit(1);
      if (m->type == MsgType::MapsWritten) break;
      if (m->type != MsgType::MountFd) ::_exit(1);
      sources[m->text] = std::move(m->fd);
    }
  }
  // Before the ids change: /proc/self/timens_offsets is still ours to open.
  process::enter_time_namespace(config);
  if (cfg.namespaces->new_user) ns::become_root();
  // Now in its cgroup, and root of its user namespace: the cgroup namespace
  // gets the container's cgroup as its root.
  if (unshare_later && ::unshare(static_cast<int>(unshare_later)) < 0)
    throw_errno("unshare the cgroup namespace");
  if (!cfg.joined_by_intermediate) ns::join_namespaces(*cfg.namespaces, cfg.ns_fds);
  if (cfg.namespaces->clone_flags & CLONE_NEWNET) ns::bring_up_loopback();
  if (!cfg.no_new_keyring) join_session_keyring(cfg.id);
  if (!config.hostname.empty() && ::sethostname(config.hostname.data(), config.hostname.size()) < 0)
    throw_errno("sethostname " + config.hostname);
  if (!config.domainname.empty() &&
      ::setdomainname(config.domainname.data(), config.domainname.size()) < 0)
    throw_errno("setdomainname " + config.domainname);
  // In a new user namespace ocirun wrote it (init_spawn.cpp).
  if (!cfg.namespaces->new_user) process::apply_oom_score_adj(proc);
  rootfs::apply(
      *cfg.rootfs, [&] { process::apply_sysctls(config.linux_->sysctl); },
      [&] { create_hooks(config.hooks, sync_fd); }, &sources);
  sources.clear();                    // trees of host directories: none may be open at chdir
  process::apply_attributes(config);  // before the capabilities go: CAP_SYS_NICE, CAP_SYS_ADMIN
  if (proc.terminal) {
    process::Pty pty = process::open_pty(proc.console_size);
    send(sync_fd, MsgType::Console, 0, pty.slave_path, pty.master.get());
    process::attach_pty(pty, proc.user.uid);
    process::bind_console(pty);
  }
  rootfs::seal_dev(*cfg.rootfs);
  if (cfg.mode == StartMode::Fifo)
    fd_dir = sys::ProcFs::open().open_file("self/fd", O_PATH | O_DIRECTORY);
  return finish_setup(proc, cfg.seccomp, sync_fd, cfg.preserve_fds, [&] {
    if (!cfg.joined_by_intermediate) set_death_signal();  // changing credentials cleared it
  });
}

// create: blocks until `ocirun start` opens the exec fifo for reading, runs
// the startContainer hooks, and tells `start` "0" for started, or "E" and
// why the hooks failed. The fifo is reopened for writing from our O_PATH fd
// through `fd_dir`, our fd directory in a verified procfs (no path in the
// container is trusted), opened while we could still make a procfs of our own.
// A created container's init may wait for `start` for as long as the engine
// likes: it gives back the pages of the runtime's code and read-only data
// meanwhile. The segments that were never writable hold only clean file
// pages, which MADV_DONTNEED drops from the page tables; the page cache
// serves them again when the init runs on. Its PSS goes from the code it ran
// (about 1.3 MiB) to what the wait itself touches: the madvise calls and the
// blocking open are made from one small function, so that only its page and
// the syscall wrapper's come back before the wait.
struct CodeRange {
  uintptr_t start = 0;
  size_t length = 0;
};
std::array<CodeRange, 8> g_code;  // filled by find_code, before the open

int find_code(struct dl_phdr_info* info, size_t, void*) {
  const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  size_t n = 0;
  for (int i = 0; i < info->dlpi_phnum && n < g_code.size(); ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_W)) continue;
    uintptr_t start = (info->dlpi_addr + ph.p_vaddr) & ~(page - 1);
    g_code[n++] = {start, info->dlpi_addr + ph.p_vaddr + ph.p_memsz - start};
  }
  return 1;  // the program itself only: it is the first object
}

[[gnu::noinline]] int shed_code_then_open(int dir, const char* name, int flags) {
  for (const CodeRange& r : g_code)
    if (r.length) ::syscall(SYS_madvise, r.start, r.length, MADV_DONTNEED);
  return static_cast<int>(::syscall(SYS_openat, dir, name, flags));
}

void wait_for_start_fifo(const InitConfig& cfg, const UniqueFd& fd_dir, const std::string& state) {
  UniqueFd held(cfg.exec_fifo_fd);
  // The open blocks until `start`: the code pages go right before it.
  ::dl_iterate_phdr(find_code, nullptr);
  UniqueFd fifo = with_context("opening the exec fifo", [&] {
    return sys::reopen_fd(fd_dir.get(), held.get(), O_WRONLY, shed_code_then_open);
  });
  held.reset();
  try {
    process::run_hooks("startContainer", cfg.config->hooks.start_container, state, true);
  } catch (const Error& e) {
    std::string msg = std::string("E") + e.what();
    (void)!::write(fifo.get(), msg.data(), msg.size());
    ::_exit(1);
  }
  if (::write(fifo.get(), "0", 1) != 1) ::_exit(1);
}

}  // namespace

void init_main(const InitConfig& cfg, int sync_fd, unsigned long unshare_later) noexcept {
  std::string executable;
  Confinement last;
  UniqueFd fd_dir;  // create: our procfs fd directory, to reopen the exec fifo
  try {
    reset_signals();
    // A session of its own, always: without one a process could push input
    // into the caller's terminal (TIOCSTI).
    if (::setsid() < 0) throw_errno("setsid");
    // Through an intermediate that exits at once, a death signal would fire
    // now: such an init learns of its runtime's death by EOF on the socket.
    if (!cfg.joined_by_intermediate) set_death_signal();
    std::vector<int> keep = cfg.ns_fds;  // closed as they are entered
    keep.push_back(sync_fd);
    keep.push_back(cfg.exec_fifo_fd);
    close_inherited_fds(cfg.preserve_fds, std::move(keep));
    forward_log(sync_fd);  // the --log file was among the fds just closed
    last = setup(cfg, sync_fd, unshare_later, fd_dir);
    executable =
        process::find_executable(cfg.config->process->args.at(0), cfg.config->process->env);
    // From here on the init listens on the sync socket, where a parent that dies
    // shows as EOF. A death signal still armed would also fire when the parent
    // exits normally right after kContinue: disarm it first.
    prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
    send(sync_fd, MsgType::Ready);
  } catch (...) {
    fail_current(sync_fd, "container init");
  }
  std::string err_text;
  int err = 0;
  try {
    std::string start_state = wait_for(sync_fd, MsgType::Continue).text;
    if (cfg.mode == StartMode::Fifo) {
      forward_log(-1);
      ::close(sync_fd);
      wait_for_start_fifo(cfg, fd_dir, start_state);
      fd_dir.reset();
    } else {
      wait_for(sync_fd, MsgType::Start);
      process::run_hooks("startContainer", cfg.config->hooks.start_container, start_state, true);
    }
    spec::Process proc = *cfg.config->process;
    std::vector<std::string> env = exec_env(proc, cfg.preserve_fds);
    auto argv = sys::c_strings(proc.args);
    auto envp = sys::c_strings(env);
    confine(last);
    ::execve(executable.c_str(), argv.data(), envp.data());
    err = errno;
    err_text = "exec: \"" + proc.args[0] + "\": " + std::strerror(err);
  } catch (...) {
    err_text = current_error(&err, "container init");
  }
  if (cfg.mode == StartMode::Socket) {
    try {
      send(sync_fd, MsgType::Error, err, err_text);
    } catch (...) {
    }
  } else {
    std::string msg = "ocirun: " + err_text + "\n";
    (void)!::write(STDERR_FILENO, msg.data(), msg.size());
  }
  ::_exit(err == ENOENT ? 127 : err == 0 ? 1 : 126);
}

}  // namespace ocirun::launch
