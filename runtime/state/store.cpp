#include "runtime/state/store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "runtime/sys/error.hpp"
#include "runtime/sys/syscalls.hpp"

namespace ocirun::state {
namespace {

void lock_dir(int fd, const std::string& path) {
  while (::flock(fd, LOCK_EX) < 0) {
    if (errno != EINTR) throw_errno("lock " + path);
  }
}

void mkdir_p(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) == 0 || errno == EEXIST) return;
  if (errno != ENOENT) throw_errno("mkdir " + path);
  auto slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) throw_errno("mkdir " + path);
  mkdir_p(path.substr(0, slash), 0755);
  if (::mkdir(path.c_str(), mode) < 0 && errno != EEXIST) throw_errno("mkdir " + path);
}

// The root holds every container's state: only its owner may change what is
// in it, or another user could plant or swap a container's directory.
void check_root(const std::string& root) {
  struct stat st;
  if (::lstat(root.c_str(), &st) < 0) {
    if (errno == ENOENT) return;  // nothing there yet: no container either
    throw_errno("--root " + root);
  }
  std::string what = "--root " + root + ": ";
  if (S_ISLNK(st.st_mode))
    throw Error(what + "a symlink; refusing to keep container state there", ELOOP);
  if (!S_ISDIR(st.st_mode)) throw Error(what + "not a directory", ENOTDIR);
  if (st.st_uid != ::geteuid())
    throw Error(what + "owned by uid " + std::to_string(st.st_uid) + ", not by the caller (uid " +
                    std::to_string(::geteuid()) + "); refusing to keep container state there",
                EPERM);
  if (st.st_mode & 022) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    throw Error(what + "writable by group or others (mode " + mode +
                    "); refusing to keep container state there",
                EPERM);
  }
}

std::string does_not_exist(const std::string& id) {
  return "container \"" + id + "\" does not exist";
}

}  // namespace

void ContainerDir::write(const Record& r) const {
  with_context("writing state of " + id_,
               [&] { sys::write_file_atomic(fd_.get(), kStateFile, record_to_json(r).dump()); });
}

Record ContainerDir::read() const {
  return with_context("reading state of " + id_, [&] {
    UniqueFd f = sys::openat(fd_.get(), kStateFile, O_RDONLY);
    std::string text = sys::read_file(sys::fd_path(f.get()));
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded())
      throw Error("state.json is damaged (not valid JSON); `delete --force` still removes it",
                  EBADMSG);
    try {
      return record_from_json(j);
    } catch (const Error& e) {
      throw Error(std::string(e.what()) + "; `delete --force` still removes it", EBADMSG);
    }
  });
}

void ContainerDir::keep_cgroup(const std::string& dir) const {
  ::unlinkat(fd_.get(), kCgroupLink, 0);
  if (::symlinkat(dir.c_str(), fd_.get(), kCgroupLink) < 0) throw_errno("keeping the cgroup");
}

void ContainerDir::keep_init(pid_t pid, unsigned long long start_time) const {
  std::string text = std::to_string(pid) + ":" + std::to_string(start_time);
  ::unlinkat(fd_.get(), kInitLink, 0);
  if (::symlinkat(text.c_str(), fd_.get(), kInitLink) < 0) throw_errno("keeping the init");
}

std::optional<Record> ContainerDir::salvage() const {
  auto link = [&](const char* name) -> std::optional<std::string> {
    char buf[4096];
    ssize_t n = ::readlinkat(fd_.get(), name, buf, sizeof buf);
    if (n <= 0 || static_cast<size_t>(n) >= sizeof buf) return std::nullopt;
    return std::string(buf, static_cast<size_t>(n));
  };
  auto cgroup = link(kCgroupLink);
  auto init = link(kInitLink);
  if (!cgroup && !init) return std::nullopt;
  Record r;
  r.id = id_;
  r.phase = "created";
  r.cgroup = cgroup.value_or("");
  if (init) {
    char* end = nullptr;
    r.pid = static_cast<pid_t>(std::strtol(init->c_str(), &end, 10));
    if (*end == ':') r.start_time = std::strtoull(end + 1, nullptr, 10);
  }
  return r;
}

bool ContainerDir::fifo_exists() const {
  struct stat st;
  return ::fstatat(fd_.get(), kExecFifo, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

void ContainerDir::make_fifo() const {
  // 0622: the container's process may run as any uid and must open it for writing.
  mode_t old = ::umask(0);
  int rc = ::mkfifoat(fd_.get(), kExecFifo, 0622);
  ::umask(old);
  if (rc < 0) throw_errno("mkfifo " + path_ + "/" + kExecFifo);
}

void ContainerDir::remove_fifo() const {
  ::unlinkat(fd_.get(), kExecFifo, 0);
}

Status ContainerDir::status(const Record& r, bool frozen) const {
  return derive_status(r, sys::proc_stat(r.pid), fifo_exists(), frozen);
}

void ContainerDir::remove() {
  if (DIR* d = ::fdopendir(::fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0))) {
    while (struct dirent* e = ::readdir(d)) {
      std::string_view n = e->d_name;
      if (n == "." || n == "..") continue;
      ::unlinkat(fd_.get(), e->d_name, 0);
    }
    ::closedir(d);
  }
  if (::rmdir(path_.c_str()) < 0 && errno != ENOENT) throw_errno("remove " + path_);
}

static std::string unnamed_prefix(const std::string& id) {
  return ".new-" + id + "-";
}

void Store::sweep_unnamed(const std::string& id) const {
  validate_id(id);
  DIR* d = ::opendir(root_.c_str());
  if (!d) return;
  std::string prefix = unnamed_prefix(id);
  while (struct dirent* e = ::readdir(d)) {
    if (std::string_view(e->d_name).substr(0, prefix.size()) != prefix) continue;
    std::string path = root_ + "/" + e->d_name;
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) continue;
    UniqueFd dir(fd);
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) ::rmdir(path.c_str());
  }
  ::closedir(d);
}

ContainerDir Store::create(const std::string& id) const {
  validate_id(id);
  check_root(root_);
  mkdir_p(root_, 0700);
  check_root(root_);
  sweep_unnamed(id);
  std::string path = root_ + "/" + id;
  const std::string exists = "container \"" + id + "\" already exists";
  // Build the directory under a private name, lock it, then give it its id.
  // A concurrent create of the same id may sweep it away between our mkdir
  // and our lock (it looks like one a killed create left): then try again,
  // so that every loser of the race learns that the container exists.
  for (int attempt = 0;; ++attempt) {
    if (::faccessat(AT_FDCWD, path.c_str(), F_OK, AT_SYMLINK_NOFOLLOW) == 0)
      throw Error(exists, EEXIST);
    // getrandom, not std::random_device (whose probe of the CPU costs a
    // cpuid exit on every create in a VM).
    uint32_t r = 0;
    if (::getrandom(&r, sizeof r, 0) != sizeof r) throw_errno("getrandom");
    std::string tmp = root_ + "/" + unnamed_prefix(id) + std::to_string(r);
    if (::mkdir(tmp.c_str(), 0711) < 0) throw_errno("mkdir " + tmp);
    int raw = ::open(tmp.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (raw < 0 && errno == ENOENT && attempt < 16) continue;  // swept
    if (raw < 0) throw_errno("open " + tmp);
    UniqueFd fd(raw);
    lock_dir(fd.get(), tmp);
    struct stat st;
    if (::fstat(fd.get(), &st) == 0 && st.st_nlink == 0 && attempt < 16) continue;  // swept
    if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) < 0) {
      int err = errno;
      ::rmdir(tmp.c_str());
      if (err == EEXIST) throw Error(exists, EEXIST);
      if (err == ENOENT && attempt < 16) continue;  // swept
      throw_errno("rename " + tmp, err);
    }
    return ContainerDir(id, path, std::move(fd));
  }
}

ContainerDir Store::open(const std::string& id, bool lock) const {
  validate_id(id);
  check_root(root_);
  std::string path = root_ + "/" + id;
  int raw = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (raw < 0) {
    if (errno == ENOENT || errno == ENOTDIR) throw Error(does_not_exist(id), ENOENT);
    throw_errno("open " + path);
  }
  UniqueFd fd(raw);
  if (lock) {
    lock_dir(fd.get(), path);
    // Removed by whoever held the lock before us?
    struct stat st;
    if (::fstat(fd.get(), &st) == 0 && st.st_nlink == 0) throw Error(does_not_exist(id), ENOENT);
  }
  return ContainerDir(id, path, std::move(fd));
}

std::vector<std::string> Store::ids() const {
  check_root(root_);
  std::vector<std::string> out;
  DIR* d = ::opendir(root_.c_str());
  if (!d) {
    if (errno == ENOENT) return out;
    throw_errno("open " + root_);
  }
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    if (!id_problem(e->d_name)) out.emplace_back(e->d_name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace ocirun::state
