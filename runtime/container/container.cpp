#include "runtime/container/container.hpp"
#include "runtime/container/record.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "cgroups/holder.hpp"
#include "cgroups/manager.hpp"
#include "namespaces/plan.hpp"
#include "runtime/launch/launch.hpp"
#include "runtime/log.hpp"
#include "runtime/process/hooks.hpp"
#include "runtime/process/process.hpp"
#include "runtime/process/terminal.hpp"
#include "runtime/rootfs/plan.hpp"
#include "runtime/spec/loader.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/syscalls.hpp"
#include "seccomp/filter.hpp"
#include "seccomp/notify.hpp"

namespace ocirun::container {
namespace {

using state::Status;
using Clock = std::chrono::steady_clock;

// Everything decided before anything is created: a bad bundle fails here and
// leaves nothing behind.
struct Prepared {
  std::string bundle;
  spec::Config config;
  ns::Plan namespaces;
  std::vector<UniqueFd> ns_fds;  // the namespaces joined by path, opened and checked
  rootfs::Plan rootfs;
  std::optional<seccomp::RuleSet> seccomp_rules;
  std::optional<seccomp::Filter> seccomp_filter;  // built here, loaded by the init
};

std::string absolute(const std::string& path, const std::string& what) {
  char buf[PATH_MAX];
  if (!::realpath(path.c_str(), buf)) throw_errno(what + " " + path);
  return buf;
}

Prepared prepare(const CreateOptions& opts, bool foreground) {
  Prepared p;
  p.bundle = absolute(opts.bundle, "bundle");
  p.config = spec::load_bundle(p.bundle);
  if (!p.config.process) throw Error("process: a container needs a process to run");
  if (p.config.process->terminal && opts.console_socket.empty() && !foreground)
    throw Error("process.terminal is true: --console-socket is required");
  if (!p.config.process->terminal && !opts.console_socket.empty())
    throw Error("--console-socket: given, but process.terminal is false");
  // Relayed to the caller's terminal: the pty starts at its size.
  if (foreground && p.config.process->terminal && opts.console_socket.empty() &&
      !p.config.process->console_size)
    p.config.process->console_size = process::window_size(STDIN_FILENO);
  process::check_exec_labels(*p.config.process);
  if (p.config.linux_ && !p.config.linux_->unimplemented.empty())
    throw Error("linux." + p.config.linux_->unimplemented.front() +
                    ": not implemented by ocirun (features reports it disabled)",
                EOPNOTSUPP);
  const std::string& root = p.config.root.path;
  std::string rootfs = root.starts_with("/") ? root : p.bundle + "/" + root;
  struct stat st;
  if (::stat(rootfs.c_str(), &st) < 0) throw_errno("root.path: " + rootfs);
  if (!S_ISDIR(st.st_mode)) throw Error("root.path: " + rootfs + ": not a directory", ENOTDIR);
  rootfs = absolute(rootfs, "root.path:");
  p.namespaces = ns::plan(p.config);
  p.ns_fds = ns::open_joins(p.namespaces);
  rootfs::PlanInput in;
  in.bundle = p.bundle;
  in.rootfs = rootfs;
  in.no_pivot = opts.no_pivot;
  in.rootless = opts.rootless;
  in.user_namespace = spec::find_namespace(p.config, spec::NsType::User) != nullptr;
  in.new_user_namespace = p.namespaces.new_user;
  // A network namespace given by path belongs to another user namespace than
  // a new one: its sysfs cannot be mounted there.
  const spec::Namespace* net = spec::find_namespace(p.config, spec::NsType::Network);
  in.network_namespace = net && (net->path.empty() || !in.new_user_namespace);
  p.rootfs = rootfs::plan(p.config, in);
  if (p.config.linux_ && p.config.linux_->seccomp.is_object()) {
    p.seccomp_rules = seccomp::plan(p.config.linux_->seccomp);
    std::vector<std::string> skipped;
    p.seccomp_filter = seccomp::build(*p.seccomp_rules, &skipped);
    for (const auto& name : skipped)
      log::debug("linux.seccomp: syscall \"" + name + "\" is unknown here; its rule is skipped");
  }
  return p;
}

std::string owner_name() {
  uid_t uid = ::geteuid();
  std::string name;
  try {
    name = sys::passwd_name(sys::read_file("/etc/passwd"), uid);
  } catch (const Error&) {
  }
  return name.empty() ? std::to_string(uid) : name;
}

void signal_container(const state::Record& r, int pidfd, int sig, bool all) {
  if (all && !r.cgroup.empty()) {
    cgroups::Cgroup::open(r.cgroup).signal_all(sig);
    return;
  }
  if (all && r.own_pid_namespace && sig != SIGKILL) {
    for (pid_t pid : ns::pid_namespace_members(r.pid)) ::kill(pid, sig);
    return;
  }
  // SIGKILL to the init of a pid namespace takes every process in it along.
  if (::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) < 0 && errno != ESRCH)
    throw_errno("sending signal " + std::to_string(sig) + " to " + std::to_string(r.pid));
}

// Waits for the process behind pidfd to exit.
void wait_exit(int pidfd, const std::string& id) {
  struct pollfd pfd {
    pidfd, POLLIN, 0
  };
  int rc;
  do {
    rc = ::poll(&pfd, 1, 10000);
  } while (rc < 0 && errno == EINTR);
  if (rc == 0) throw Error("container \"" + id + "\": init did not exit within 10s of SIGKILL");
}

// Undoes a create that failed half-way: kills the init, removes the cgroup and
// the state.
class Rollback {
 public:
  explicit Rollback(state::ContainerDir& dir) : dir_(dir) {}
  ~Rollback() {
    if (!armed_) return;
    sys::kill_and_reap(pid_);
    try {
      if (!cgroup_.empty()) {
        auto cg = cgroups::Cgroup::open(cgroup_, unit_);
        shared_ ? cg.release() : cg.remove();
      }
      dir_.remove();
    } catch (const Error& e) {
      log::warn(std::string("cleaning up after a failed create: ") + e.what());
    }
  }
  void set_pid(pid_t pid) { pid_ = pid; }
  // Once it is made (a failing Cgroup::create cleans up after itself).
  void set_cgroup(const std::string& dir, bool shared, const std::string& unit) {
    cgroup_ = dir;
    shared_ = shared;
    unit_ = unit;
  }
  void dismiss() { armed_ = false; }

 private:
  state::ContainerDir& dir_;
  pid_t pid_ = -1;
  std::string cgroup_;
  bool shared_ = false;
  std::string unit_;
  bool armed_ = true;
};

struct Created {
  state::ContainerDir dir;
  state::Record record;
  UniqueFd console;        // the pty's master, for `run` in the foreground to relay
  cgroups::Holder holder;  // hold_unit: keeps the unit's cgroup for the report
};

// hold_unit: the systemd driver's cgroup is kept after the container exits
// (cgroups::Holder), for `run --stats-file`.
Created do_create(const state::Store& store, const std::string& id, const CreateOptions& opts,
                  launch::StartMode mode, bool foreground, bool hold_unit = false) {
  state::validate_id(id);
  Prepared p = prepare(opts, foreground);
  state::ContainerDir dir = store.create(id);
  Rollback rollback(dir);
  state::Record rec;
  rec.id = id;
  rec.bundle = p.bundle;
  rec.rootfs = p.rootfs.rootfs;
  rec.created = log::now_rfc3339();
  rec.owner = owner_name();
  rec.own_pid_namespace = p.namespaces.own_pid;
  rec.annotations = p.config.annotations;
  rec.hooks.start_container = p.config.hooks.start_container;
  rec.hooks.poststart = p.config.hooks.poststart;
  rec.hooks.poststop = p.config.hooks.poststop;
  // The cgroup's path is recorded before it is made: a create killed at any
  // moment leaves a record `delete` finds it by.
  auto cgroup = cgroups::Cgroup::create(p.config, id, opts.cgroups, [&](const std::string& path) {
    rec.cgroup = path;
    dir.keep_cgroup(path);
    dir.write(rec);
  });
  if (cgroup) {
    rec.cgroup_shared = cgroup->shared();
    rec.cgroup_unit = cgroup->unit();
    if (!rec.cgroup_unit.empty()) dir.write(rec);  // the unit is started with the init
    rollback.set_cgroup(cgroup->dir(), cgroup->shared(), cgroup->unit());
  }
  // The init gets an O_PATH fd of the exec fifo, never one of the state dir
  // (a directory fd is a way out of the container's root).
  UniqueFd exec_fifo;
  if (mode == launch::StartMode::Fifo) {
    dir.make_fifo();
    exec_fifo = sys::openat(dir.fd(), state::kExecFifo, O_PATH | O_NOFOLLOW);
  }

  launch::InitConfig ic;
  ic.id = id;
  ic.config = &p.config;
  ic.namespaces = &p.namespaces;
  for (const auto& fd : p.ns_fds) ic.ns_fds.push_back(fd.get());
  ic.rootfs = &p.rootfs;
  ic.exec_fifo_fd = exec_fifo.get();
  ic.mode = mode;
  ic.preserve_fds = opts.preserve_fds;
  ic.no_new_keyring = opts.no_new_keyring;
  ic.cgroup_fd = cgroup ? cgroup->fd() : -1;
  ic.seccomp = p.seccomp_filter ? &*p.seccomp_filter : nullptr;
  auto on_cloned = [&](pid_t pid) {
    rollback.set_pid(pid);
    rec.pid = pid;
    if (auto st = sys::proc_stat(pid)) rec.start_time = st->start_time;
    dir.keep_init(pid, rec.start_time);
    dir.write(rec);  // from here on, `delete --force` can find the init
  };
  // A failing prestart or createRuntime hook fails the create (and rolls it back).
  auto runtime_hooks = [&] {
    std::string creating = state::hook_state(rec, Status::Creating);
    process::run_hooks("prestart", p.config.hooks.prestart, creating, true);
    process::run_hooks("createRuntime", p.config.hooks.create_runtime, creating, true);
    return creating;
  };
  launch::SpawnHooks hooks;
  hooks.on_cloned = on_cloned;
  hooks.runtime_hooks = runtime_hooks;
  if (cgroup) {
    hooks.move_to_cgroup = [&](pid_t pid) {
      try {
        cgroup->add(pid);
      } catch (...) {
        // A unit systemd would not make (one of that name exists: another
        // container's) is not ours to stop, nor its cgroup ours to remove.
        if (!cgroup->unit().empty() && !cgroup->unit_made()) rollback.set_cgroup("", false, "");
        throw;
      }
    };
  }
  hooks.seccomp_listener = [&](pid_t pid, int fd) {
    auto doc = seccomp::process_state(pid, p.seccomp_rules->listener_metadata,
                                      state::state_document(rec, Status::Creating));
    seccomp::send_to_listener(p.seccomp_rules->listener_path, fd, doc.dump());
  };
  launch::Child child = launch::spawn_init(ic, hooks);
  if (child.console && !opts.console_socket.empty()) {
    process::send_to_console_socket(opts.console_socket, child.console.get(), child.console_path);
    child.console.reset();
  }
  rec.phase = "created";
  dir.write(rec);
  write_pid_file(opts.pid_file, child.pid);
  // In before the container can exit: systemd would remove the empty unit.
  cgroups::Holder holder;
  if (hold_unit && cgroup && !cgroup->unit().empty()) holder = cgroups::Holder::start(cgroup->fd());
  launch::release(child, mode, state::hook_state(rec, Status::Created));
  rollback.dismiss();
  return {std::move(dir), std::move(rec), std::move(child.console), std::move(holder)};
}

// `run --stats-file`: the report of a finished run, read from its cgroup
// before the cgroup is removed.
void write_stats_file(const std::string& path, const cgroups::RunReport& report,
                      const std::string& cgroup) {
  cgroups::FileReader none = [](const std::string&) { return std::optional<std::string>(); };
  auto doc =
      cgroups::run_report(report, cgroup.empty() ? none : cgroups::Cgroup::open(cgroup).reader());
  sys::write_file_at_path(path, doc.dump(2) + "\n", 0644, "--stats-file");
}

// Removes a stopped container's state, then runs its poststop hooks (failures
// are warnings, as the spec says).
void destroy(state::ContainerDir& dir, const state::Record& rec) {
  if (!rec.cgroup.empty()) {
    auto cg = cgroups::Cgroup::open(rec.cgroup, rec.cgroup_unit);
    rec.cgroup_shared ? cg.release() : cg.remove();
  }
  dir.remove();
  process::run_hooks("poststop", rec.hooks.poststop, state::hook_state(rec, Status::Stopped),
                     false);
}

const std::array<std::pair<std::string_view, int>, 31> kSignals{{
    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},
    {"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"PWR", SIGPWR},
}};

}  // namespace

int parse_signal(const std::string& name) {
  if (!name.empty() && std::isdigit(static_cast<unsigned char>(name[0]))) {
    char* end;
    long n = std::strtol(name.c_str(), &end, 10);
    // 0: no signal, the liveness probe (kill(2)'s meaning, and runc's).
    if (*end == 0 && n >= 0 && n < NSIG) return static_cast<int>(n);
    throw Error("unknown signal \"" + name + "\"");
  }
  std::string_view n = name;
  if (n.starts_with("SIG")) n.remove_prefix(3);
  for (const auto& [sig_name, sig] : kSignals)
    if (sig_name == n) return sig;
  if (n == "SYS") return SIGSYS;
  if (n.starts_with("RTMIN") || n.starts_with("RTMAX")) {
    bool min = n.starts_with("RTMIN");
    std::string_view off = n.substr(5);
    int k = 0;
    if (!off.empty()) {
      char* end;
      std::string o(off);
      k = static_cast<int>(std::strtol(o.c_str(), &end, 10));
      if (*end || (min && k < 0) || (!min && k > 0)) throw Error("unknown signal \"" + name + "\"");
    }
    int sig = (min ? SIGRTMIN : SIGRTMAX) + k;
    if (sig >= SIGRTMIN && sig <= SIGRTMAX) return sig;
  }
  throw Error("unknown signal \"" + name + "\"");
}

void create(const state::Store& store, const std::string& id, const CreateOptions& opts) {
  do_create(store, id, opts, launch::StartMode::Fifo, false);
}

void start(const state::Store& store, const std::string& id) {
  state::ContainerDir dir = store.open(id);
  auto rec = try_read(dir);
  Status st = rec ? status_of(dir, *rec) : Status::Creating;
  switch (st) {
    case Status::Created:
      break;
    case Status::Running:
    case Status::Paused:
      throw Error("cannot start container \"" + id + "\": it is already running");
    case Status::Stopped:
      throw Error("cannot start container \"" + id + "\": it has stopped");
    case Status::Creating:
      throw Error("cannot start container \"" + id + "\": it is still being created");
  }
  auto pidfd = open_init(*rec);
  if (!pidfd) throw Error("cannot start container \"" + id + "\": it has stopped");
  UniqueFd fifo = sys::openat(dir.fd(), state::kExecFifo, O_RDONLY | O_NONBLOCK);
  // The init opens the fifo for writing once we hold it for reading, runs the
  // startContainer hooks, writes "0" and execs, or writes "E<why>" and exits.
  std::array<struct pollfd, 2> fds{{{fifo.get(), POLLIN, 0}, {pidfd->get(), POLLIN, 0}}};
  std::string reply;
  for (;;) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw_errno("waiting for the container to start");
    }
    if (fds[0].revents & (POLLIN | POLLHUP)) {
      char buf[4096];
      ssize_t n = ::read(fifo.get(), buf, sizeof buf);
      if (n > 0) reply.append(buf, static_cast<size_t>(n));
      if (reply == "0") break;
      if (n == 0 && !reply.empty()) break;  // the init closed its end: the whole error is in
    }
    if ((fds[1].revents & POLLIN) && reply.empty())
      throw Error("cannot start container \"" + id + "\": its init exited before start");
  }
  dir.remove_fifo();
  if (reply != "0") {
    throw Error("starting container \"" + id + "\": " + reply.substr(1));
  }
  process::run_hooks("poststart", rec->hooks.poststart, state::hook_state(*rec, Status::Running),
                     false);
}

int run(const state::Store& store, const std::string& id, const RunOptions& opts) {
  auto started = Clock::now();
  if (opts.detach && !opts.stats_file.empty())
    throw Error("--stats-file: the report is written when the container exits; not with --detach");
  // Signals to forward, and SIGCHLD, are taken through a signalfd; blocked
  // before the clone so none is lost (the init unblocks them for itself).
  constexpr std::array kForwarded{SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
  sigset_t mask;
  sigemptyset(&mask);
  for (int s : kForwarded) sigaddset(&mask, s);
  sigaddset(&mask, SIGCHLD);
  if (!opts.detach) sigprocmask(SIG_BLOCK, &mask, nullptr);

  Created c =
      do_create(store, id, opts, launch::StartMode::Socket, !opts.detach, !opts.stats_file.empty());
  ::flock(c.dir.fd(), LOCK_UN);
  process::run_hooks("poststart", c.record.hooks.poststart,
                     state::hook_state(c.record, Status::Running), false);
  if (opts.detach) return 0;

  int status = wait_in_foreground(c.record.pid, mask, c.console.get());
  int code = sys::exit_code(status);
  if (!opts.stats_file.empty()) {
    cgroups::RunReport report;
    report.exit_code = code;
    report.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    report.wall_seconds = std::chrono::duration<double>(Clock::now() - started).count();
    report.holders = c.holder.active() ? 1 : 0;
    write_stats_file(opts.stats_file, report, c.record.cgroup);
    c.holder.release();
  }
  if (!opts.keep) {
    try {
      state::ContainerDir dir = store.open(id);
      destroy(dir, c.record);
    } catch (const Error& e) {
      if (e.code() != ENOENT) throw;  // deleted meanwhile by someone else
    }
  }
  return code;
}

void kill(const state::Store& store, const std::string& id, int sig, bool all) {
  state::ContainerDir dir = store.open(id);
  auto rec = try_read(dir);
  Status st = rec ? status_of(dir, *rec) : Status::Stopped;
  // "container not running": containerd's shim takes a kill error with these
  // words as "process already finished" (runc's wording).
  const std::string stopped = "cannot signal " + quoted(id) + ": container not running";
  if (st == Status::Stopped) {
    // --all reaches what an init that exited left in its cgroup (in a pid
    // namespace joined by path nothing else ends them): containerd's shim
    // asks for this when such a container's init exits, as of runc.
    if (all && rec && !rec->cgroup.empty() && ::access(rec->cgroup.c_str(), F_OK) == 0) {
      cgroups::Cgroup::open(rec->cgroup).signal_all(sig);
      return;
    }
    throw Error(stopped, ESRCH);
  }
  auto pidfd = open_init(*rec);
  if (!pidfd) throw Error(stopped, ESRCH);
  signal_container(*rec, pidfd->get(), sig, all);
}

void remove(const state::Store& store, const std::string& id, bool force) {
  store.sweep_unnamed(id);
  std::optional<state::ContainerDir> opened;
  try {
    opened.emplace(store.open(id));
  } catch (const Error& e) {
    if (force && e.code() == ENOENT) return;  // as runc: nothing to delete is no error
    throw;
  }
  state::ContainerDir& dir = *opened;
  std::optional<state::Record> rec;
  try {
    rec = try_read(dir);
  } catch (const Error& e) {
    if (!force || e.code() != EBADMSG) throw;
    // A damaged state.json: the container is found by what was kept apart
    // (its cgroup, its init), killed and removed; its poststop hooks are lost.
    log::warn(std::string(e.what()) + "; removing the container from what is left");
    rec = dir.salvage();
  }
  if (!rec) {  // what a create killed before its first record left behind
    dir.remove();
    return;
  }
  if (rec->pid == 0) {  // a create killed before its init existed (we hold its lock)
    destroy(dir, *rec);
    return;
  }
  Status st = status_of(dir, *rec);
  if ((st == Status::Running || st == Status::Creating || st == Status::Paused) && !force)
    throw Error("cannot delete container \"" + id +
                "\" that is not stopped: " + std::string(state::status_name(st)));
  if (st != Status::Stopped) {
    if (auto pidfd = open_init(*rec)) {
      // In a shared cgroup, as runc: the init's death takes a pid namespace
      // of its own along; the others' processes stay.
      signal_container(*rec, pidfd->get(), SIGKILL,
                       !(rec->cgroup_shared && rec->own_pid_namespace));
      wait_exit(pidfd->get(), id);
    }
  }
  destroy(dir, *rec);
}

nlohmann::json state(const state::Store& store, const std::string& id) {
  state::ContainerDir dir = store.open(id, false);
  auto rec = try_read(dir);
  if (!rec) {
    state::Record r;
    r.id = id;
    return state::state_document(r, Status::Creating);
  }
  return state::state_document(*rec, status_of(dir, *rec));
}

std::vector<nlohmann::json> list(const state::Store& store) {
  std::vector<nlohmann::json> out;
  for (const auto& id : store.ids()) {
    try {
      out.push_back(state(store, id));
    } catch (const Error&) {
      // Removed while we looked, or unreadable: not listed.
    }
  }
  return out;
}

}  // namespace ocirun::container
