// Carries out the rootfs plan inside the container's new mount namespace.
// Before the pivot every path inside the rootfs is resolved with openat2
// RESOLVE_IN_ROOT and mounted through its fd, so a symlink in the image cannot
// send a mount outside the rootfs.
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/rootfs/plan.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/syscalls.hpp"

namespace ocirun::rootfs {
namespace {

std::pair<std::string, std::string> split_parent(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return {"/", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

// Opens `path` inside the root (O_PATH), creating what is missing: directories,
// and the last component as an empty file when `file` is set.
UniqueFd ensure_path(int root, const std::string& path, bool file) {
  if (auto fd = sys::try_open_in_root(root, path, O_PATH)) return std::move(*fd);
  std::string cur;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string::npos) next = path.size();
    std::string comp = path.substr(pos, next - pos);
    pos = next + 1;
    if (comp.empty() || comp == ".") continue;
    std::string parent_path = cur.empty() ? "/" : cur;
    cur += "/" + comp;
    if (sys::try_open_in_root(root, cur, O_PATH)) continue;
    UniqueFd parent = sys::open_in_root(root, parent_path, O_PATH | O_DIRECTORY);
    bool last = pos >= path.size();
    if (last && file) {
      int fd =
          ::openat(parent.get(), comp.c_str(), O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd < 0) throw_errno("create " + cur);
      ::close(fd);
    } else if (::mkdirat(parent.get(), comp.c_str(), 0755) < 0 && errno != EEXIST) {
      throw_errno("mkdir " + cur);
    }
  }
  return sys::open_in_root(root, path, O_PATH);
}

void mount_at(const std::string& source, int target, const std::string& fstype, unsigned long flags,
              const std::string& data, const std::string& shown) {
  try {
    sys::mount(source, sys::fd_path(target), fstype, flags, data);
  } catch (Error& e) {
    throw Error("mount " + (source.empty() ? fstype : source) + " on " + shown + ": " +
                    std::strerror(e.code()),
                e.code());
  }
}

// A bind remount with new flags. In a user namespace the kernel refuses to drop
// flags it locked (nosuid, nodev, noexec, atime flags of the source): keep them.
void remount_bind(const std::string& path, unsigned long flags, const std::string& shown) {
  unsigned long base = MS_REMOUNT | MS_BIND;
  if (::mount(nullptr, path.c_str(), nullptr, base | flags, nullptr) == 0) return;
  if (errno == EPERM) {
    struct statvfs sv;
    if (::statvfs(path.c_str(), &sv) == 0) {
      unsigned long locked =
          sv.f_flag & (ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_NOATIME | ST_NODIRATIME | ST_RELATIME);
      if (::mount(nullptr, path.c_str(), nullptr, base | flags | locked, nullptr) == 0) return;
    }
  }
  throw_errno("remount " + shown);
}

void mount_one(int root, const MountOp& op) {
  with_context(op.field, [&] {
    bool file = false;
    if (op.bind) {
      struct stat st;
      if (::stat(op.source.c_str(), &st) < 0) throw_errno("source " + op.source);
      file = !S_ISDIR(st.st_mode);
    }
    UniqueFd target = ensure_path(root, op.destination, file);
    if (op.bind) {
      mount_at(op.source, target.get(), "", MS_BIND | (op.recursive ? MS_REC : 0), "",
               op.destination);
      unsigned long flags = op.flags & ~MS_REMOUNT;
      if (flags != 0) {
        UniqueFd top = sys::open_in_root(root, op.destination, O_PATH);
        remount_bind(sys::fd_path(top.get()), flags, op.destination);
      }
    } else {
      mount_at(op.source, target.get(), op.fstype, op.flags, op.data, op.destination);
    }
    if (op.propagation) {
      UniqueFd top = sys::open_in_root(root, op.destination, O_PATH);
      mount_at("", top.get(), "", op.propagation, "", op.destination);
    }
  });
}

void make_device(int root, const DeviceOp& d, bool bind) {
  with_context("creating device " + d.path, [&] {
    auto [dir, name] = split_parent(d.path);
    UniqueFd parent = ensure_path(root, dir, false);
    if (bind) {
      UniqueFd target = ensure_path(root, d.path, true);
      mount_at(d.path, target.get(), "", MS_BIND, "", d.path);
      return;
    }
    mode_t type = d.type == 'b' ? S_IFBLK : d.type == 'p' ? S_IFIFO : S_IFCHR;
    dev_t dev = makedev(d.major, d.minor);
    if (::mknodat(parent.get(), name.c_str(), type | d.mode, dev) < 0) {
      if (errno != EEXIST) throw_errno("mknod");
      // The image has one already: replace it with what the config asks for.
      if (::unlinkat(parent.get(), name.c_str(), 0) < 0) throw_errno("unlink");
      if (::mknodat(parent.get(), name.c_str(), type | d.mode, dev) < 0) throw_errno("mknod");
    }
    if (::fchownat(parent.get(), name.c_str(), d.uid, d.gid, AT_SYMLINK_NOFOLLOW) < 0)
      throw_errno("chown");
  });
}

void make_symlink(int root, const SymlinkOp& s) {
  auto [dir, name] = split_parent(s.link);
  UniqueFd parent = ensure_path(root, dir, false);
  if (::symlinkat(s.target.c_str(), parent.get(), name.c_str()) < 0 && errno != EEXIST)
    throw_errno("symlink " + s.link);
}

void pivot(const Plan& p) {
  if (!p.pivot) {
    if (::chdir(p.rootfs.c_str()) < 0) throw_errno("chdir " + p.rootfs);
    sys::mount(p.rootfs, "/", "", MS_MOVE, "");
    if (::chroot(".") < 0) throw_errno("chroot " + p.rootfs);
    if (::chdir("/") < 0) throw_errno("chdir /");
    return;
  }
  UniqueFd old_root = sys::open("/", O_DIRECTORY | O_RDONLY);
  UniqueFd new_root = sys::open(p.rootfs, O_DIRECTORY | O_RDONLY);
  if (::fchdir(new_root.get()) < 0) throw_errno("chdir " + p.rootfs);
  sys::pivot_root(".", ".");
  // The old root now sits on top of the new one: detach it without letting the
  // unmount propagate anywhere.
  if (::fchdir(old_root.get()) < 0) throw_errno("chdir to old root");
  sys::mount("", ".", "", MS_SLAVE | MS_REC, "");
  if (::umount2(".", MNT_DETACH) < 0) throw_errno("unmount old root");
  if (::chdir("/") < 0) throw_errno("chdir /");
}

}  // namespace

void apply(const Plan& p, const std::function<void()>& before_finish,
           const std::function<void()>& before_pivot) {
  mode_t old_umask = ::umask(0);
  with_context("preparing the root filesystem", [&] {
    sys::mount("", "/", "", p.root_propagation, "");
    sys::mount(p.rootfs, p.rootfs, "", MS_BIND | MS_REC, "");
  });
  {
    UniqueFd root = sys::open(p.rootfs, O_PATH | O_DIRECTORY);
    for (const auto& op : p.mounts) mount_one(root.get(), op);
    for (const auto& d : p.devices) make_device(root.get(), d, p.bind_devices);
    for (const auto& s : p.symlinks) make_symlink(root.get(), s);
  }
  if (before_pivot) before_pivot();
  with_context("pivoting into " + p.rootfs, [&] { pivot(p); });
  if (before_finish) before_finish();
  finish(p);
  ::umask(old_umask);
}

void finish(const Plan& p) {
  if (p.rootfs_propagation_after) sys::mount("", "/", "", p.rootfs_propagation_after, "");
  for (const auto& path : p.masked_paths) {
    with_context("masking " + path, [&] {
      struct stat st;
      if (::lstat(path.c_str(), &st) < 0) {
        if (errno == ENOENT) return;
        throw_errno("stat");
      }
      if (S_ISDIR(st.st_mode))
        sys::mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0");
      else
        sys::mount("/dev/null", path, "", MS_BIND, "");
    });
  }
  for (const auto& path : p.readonly_paths) {
    with_context("making " + path + " read-only", [&] {
      if (::access(path.c_str(), F_OK) < 0) {
        if (errno == ENOENT) return;
        throw_errno("stat");
      }
      sys::mount(path, path, "", MS_BIND | MS_REC, "");
      remount_bind(path, MS_RDONLY | MS_REC, path);
    });
  }
  if (p.readonly_root)
    with_context("making the root read-only", [&] { remount_bind("/", MS_RDONLY, "/"); });
}

}  // namespace ocirun::rootfs
