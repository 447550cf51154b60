// User namespaces: id maps written by the parent, root inside it for the
// child, and the throw-away ones an idmapped mount takes its maps from.
#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "namespaces/plan.hpp"
#include "namespaces/subid.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/syscalls.hpp"
#include "runtime/sys/text.hpp"

namespace ocirun::ns {

namespace {

// Runs newuidmap or newgidmap for `pid`; its complaint goes into the error.
void run_map_helper(const char* helper, pid_t pid, const std::vector<spec::IdMapping>& maps,
                    const std::string& field) {
  std::vector<std::string> args{helper, std::to_string(pid)};
  for (auto& a : helper_args(maps)) args.push_back(std::move(a));
  auto argv = sys::c_strings(args);  // before the fork: the child only makes system calls
  int p[2];
  if (::pipe2(p, O_CLOEXEC) < 0) throw_errno("pipe");
  UniqueFd rd(p[0]), wr(p[1]);
  pid_t child = ::fork();
  if (child < 0) throw_errno("fork");
  if (child == 0) {
    ::dup2(wr.get(), STDOUT_FILENO);
    ::dup2(wr.get(), STDERR_FILENO);
    ::execvp(helper, argv.data());
    ::_exit(errno == ENOENT ? 127 : 126);
  }
  wr.reset();
  std::string said;
  try {
    said = sys::read_fd(rd.get(), helper);
  } catch (const Error&) {
  }
  int status = sys::reap(child);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  while (!said.empty() && said.back() == '\n') said.pop_back();
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    said = "not found (Debian's package uidmap), and a map other than the caller's own id needs it";
  throw Error(
      field + ": " + helper + " " + (said.empty() ? sys::describe_wait_status(status) : said),
      EPERM);
}

}  // namespace

MapWriters map_writers(const Plan& plan) {
  MapWriters w;
  if (!plan.new_user) return w;
  uid_t euid = ::geteuid();
  bool privileged = euid == 0;
  std::string user, subuid, subgid;
  if (!privileged) {
    auto read = [](const char* path) {
      try {
        return sys::read_file(path);
      } catch (const Error&) {
        return std::string();
      }
    };
    user = sys::passwd_name(read("/etc/passwd"), euid);
    subuid = read("/etc/subuid");
    subgid = read("/etc/subgid");
  }
  w.uid_helper = map_writer(plan.uid_mappings, "linux.uidMappings", privileged, euid,
                            subid_ranges(subuid, user, euid), "/etc/subuid") == MapWriter::Helper;
  w.gid_helper = map_writer(plan.gid_mappings, "linux.gidMappings", privileged, ::getegid(),
                            subid_ranges(subgid, user, euid), "/etc/subgid") == MapWriter::Helper;
  return w;
}

void write_id_maps(pid_t pid, const Plan& plan, const MapWriters& writers) {
  if (!plan.new_user) return;
  std::string base = "/proc/" + std::to_string(pid) + "/";
  with_context("writing user namespace id maps", [&] {
    if (writers.uid_helper)
      run_map_helper("newuidmap", pid, plan.uid_mappings, "linux.uidMappings");
    else
      sys::write_file(base + "uid_map", id_map_text(plan.uid_mappings));
    if (writers.gid_helper) {
      run_map_helper("newgidmap", pid, plan.gid_mappings, "linux.gidMappings");
    } else {
      // Without CAP_SETGID in the parent namespace the kernel only takes a
      // gid map once setgroups is denied.
      if (::geteuid() != 0) sys::write_file(base + "setgroups", "deny");
      sys::write_file(base + "gid_map", id_map_text(plan.gid_mappings));
    }
  });
}

void become_root() {
  (void)!::setresgid(0, 0, 0);
  (void)!::setresuid(0, 0, 0);
  // A change of ids resets dumpability to fs.suid_dumpable, which a host may
  // set to 1: the runtime's process stays out of the container's reach.
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

// A child made with CLONE_NEWUSER waits while its maps are written and its
// namespace opened, then exits. The child names itself through /proc/self (its
// pid in the procfs we see, whatever pid namespace we are in).
UniqueFd make_userns(const std::vector<spec::IdMapping>& uids,
                     const std::vector<spec::IdMapping>& gids) {
  int to_parent[2], to_child[2];
  if (::pipe2(to_parent, O_CLOEXEC) < 0) throw_errno("pipe");
  UniqueFd parent_rd(to_parent[0]), child_wr(to_parent[1]);
  if (::pipe2(to_child, O_CLOEXEC) < 0) throw_errno("pipe");
  UniqueFd child_rd(to_child[0]), parent_wr(to_child[1]);
  pid_t pid = sys::clone_process(CLONE_NEWUSER);
  if (pid == 0) {
    parent_rd.reset();
    parent_wr.reset();  // or the read below never sees EOF
    char buf[32];
    ssize_t n = ::readlink("/proc/self", buf, sizeof buf);
    if (n > 0 && ::write(child_wr.get(), buf, static_cast<size_t>(n)) == n) {
      child_wr.reset();
      char c;
      while (::read(child_rd.get(), &c, 1) < 0 && errno == EINTR) {
      }
    }
    ::_exit(0);
  }
  child_wr.reset();
  child_rd.reset();
  auto reap = [&] {
    parent_wr.reset();
    sys::reap(pid);
  };
  try {
    char buf[32];
    ssize_t n;
    do n = ::read(parent_rd.get(), buf, sizeof buf);
    while (n < 0 && errno == EINTR);
    if (n <= 0) throw Error("the id-mapping helper process ended early");
    std::string dir = "/proc/" + std::string(buf, static_cast<size_t>(n));
    sys::write_file(dir + "/uid_map", id_map_text(uids));
    sys::write_file(dir + "/gid_map", id_map_text(gids));
    UniqueFd userns = sys::open(dir + "/ns/user", O_RDONLY);
    reap();
    return userns;
  } catch (...) {
    reap();
    throw;
  }
}

}  // namespace ocirun::ns
