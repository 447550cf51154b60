// Carries out the rootfs plan inside the container's new mount namespace.
// Before the pivot every path inside the rootfs is resolved with openat2
// RESOLVE_IN_ROOT and mounted through its fd, so a symlink in the image cannot
// send a mount outside the rootfs.
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>

#include "cgroups/path.hpp"
#include "namespaces/plan.hpp"
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

// `path` inside the root as a directory reached through no symlink at all.
UniqueFd real_directory(int root, const std::string& path, const std::string& fstype) {
  try {
    return sys::open_resolved(root, path, O_PATH | O_DIRECTORY,
                              RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
  } catch (const Error& e) {
    throw Error(path + ": " + fstype +
                    " must be mounted on a directory reached through no symlink (" +
                    std::strerror(e.code()) + ")",
                e.code());
  }
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

// A bind mount's flags (ro, nosuid, ...): a remount of what was just bound
// at op.destination.
void remount_bound(int root, const MountOp& op) {
  unsigned long flags = op.flags & ~MS_REMOUNT;
  if (flags == 0) return;
  UniqueFd top = sys::open_in_root(root, op.destination, O_PATH);
  remount_bind(sys::fd_path(top.get()), flags, op.destination);
}

// mount_setattr(2) on the mount `fd` names (and every mount below it when `recursive`).
void set_attrs(int fd, uint64_t set, uint64_t clr, bool recursive, int userns,
               const std::string& shown) {
  struct mount_attr attr {};
  attr.attr_set = set;
  attr.attr_clr = clr;
  attr.userns_fd = static_cast<uint64_t>(userns < 0 ? 0 : userns);
  unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
  if (::mount_setattr(fd, "", flags, &attr, sizeof attr) < 0) throw_errno("mount_setattr " + shown);
}

void move_mount_to(int tree, int target, const std::string& shown) {
  if (::move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    throw_errno("move_mount on " + shown);
}

// A bind mount's source as a detached tree (the whole tree with rbind).
UniqueFd bind_tree(const MountOp& op) {
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (op.recursive ? AT_RECURSIVE : 0);
  int tree_fd = ::open_tree(AT_FDCWD, op.source.c_str(), flags);
  if (tree_fd < 0) throw_errno("open_tree " + op.source);
  return UniqueFd(tree_fd);
}

UniqueFd idmapped_tree(const MountOp& op) {
  UniqueFd userns = with_context("making the user namespace of the id mapping",
                                 [&] { return ns::make_userns(op.uid_mappings, op.gid_mappings); });
  UniqueFd tree = bind_tree(op);
  try {
    set_attrs(tree.get(), MOUNT_ATTR_IDMAP, 0, op.idmap_recursive, userns.get(), op.source);
  } catch (Error& e) {
    throw Error("id-mapping " + op.source + ": " + std::strerror(e.code()) +
                    (e.code() == EINVAL ? " (does its filesystem support idmapped mounts?)" : ""),
                e.code());
  }
  return tree;
}

// --- tmpcopyup: the directory a tmpfs covers, copied into it (fd-relative, no
// path ever leaves the two directories).

void copy_owner_mode(int fd, const struct stat& st, const std::string& what) {
  if (::fchown(fd, st.st_uid, st.st_gid) < 0) throw_errno("chown " + what);
  if (::fchmod(fd, st.st_mode & 07777) < 0) throw_errno("chmod " + what);
}

void copy_file(int src_dir, int dst_dir, const char* name, const struct stat& st,
               const std::string& what) {
  UniqueFd in = sys::openat(src_dir, name, O_RDONLY | O_NOFOLLOW);
  UniqueFd out =
      sys::openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, st.st_mode & 0777);
  off_t left = st.st_size;
  while (left > 0) {
    ssize_t n = ::sendfile(out.get(), in.get(), nullptr, static_cast<size_t>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("copy " + what);
    if (n == 0) break;  // the file shrank
    left -= n;
  }
  copy_owner_mode(out.get(), st, what);
}

void copy_tree(int src, int dst, const std::string& shown) {
  int dup_fd = ::fcntl(src, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) throw_errno("dup");
  DIR* dir = ::fdopendir(dup_fd);
  if (!dir) {
    ::close(dup_fd);
    throw_errno("opendir " + shown);
  }
  std::unique_ptr<DIR, int (*)(DIR*)> guard(dir, ::closedir);
  while (struct dirent* e = ::readdir(dir)) {
    const char* name = e->d_name;
    if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
    std::string what = shown + "/" + name;
    struct stat st;
    if (::fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0) throw_errno("stat " + what);
    if (S_ISDIR(st.st_mode)) {
      if (::mkdirat(dst, name, 0700) < 0) throw_errno("mkdir " + what);
      UniqueFd s = sys::openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      UniqueFd d = sys::openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      copy_tree(s.get(), d.get(), what);
      copy_owner_mode(d.get(), st, what);
    } else if (S_ISREG(st.st_mode)) {
      copy_file(src, dst, name, st, what);
    } else if (S_ISLNK(st.st_mode)) {
      std::string target(PATH_MAX, '\0');
      ssize_t n = ::readlinkat(src, name, target.data(), target.size());
      if (n < 0) throw_errno("readlink " + what);
      target.resize(static_cast<size_t>(n));
      if (::symlinkat(target.c_str(), dst, name) < 0) throw_errno("symlink " + what);
      if (::fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
        throw_errno("chown " + what);
    } else {
      // fifos, sockets, devices: recreated where the kernel lets us (not devices in
      // a user namespace: those are skipped).
      if (::mknodat(dst, name, st.st_mode, st.st_rdev) < 0) {
        if (errno == EPERM) continue;
        throw_errno("mknod " + what);
      }
      if (::fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
        throw_errno("chown " + what);
    }
  }
}

bool has_option(const std::string& data, std::string_view key) {
  size_t pos = 0;
  while (pos <= data.size()) {
    size_t end = data.find(',', pos);
    if (end == std::string::npos) end = data.size();
    if (std::string_view(data).substr(pos, end - pos).starts_with(key)) return true;
    pos = end + 1;
  }
  return false;
}

void mount_tmpcopyup(int root, const MountOp& op, int target) {
  UniqueFd below = sys::open_in_root(root, op.destination, O_RDONLY | O_DIRECTORY);
  struct stat st;
  if (::fstat(below.get(), &st) < 0) throw_errno("stat " + op.destination);
  // Mounted writable for the copy; made read-only afterwards if asked.
  mount_at(op.source, target, op.fstype, op.flags & ~MS_RDONLY, op.data, op.destination);
  UniqueFd top = sys::open_in_root(root, op.destination, O_RDONLY | O_DIRECTORY);
  with_context("tmpcopyup of " + op.destination,
               [&] { copy_tree(below.get(), top.get(), op.destination); });
  // The tmpfs takes the covered directory's owner and mode unless the options set them.
  if (!has_option(op.data, "uid=") && !has_option(op.data, "gid="))
    if (::fchown(top.get(), st.st_uid, st.st_gid) < 0) throw_errno("chown " + op.destination);
  if (!has_option(op.data, "mode="))
    if (::fchmod(top.get(), st.st_mode & 07777) < 0) throw_errno("chmod " + op.destination);
  if (op.flags & MS_RDONLY) set_attrs(top.get(), MOUNT_ATTR_RDONLY, 0, false, -1, op.destination);
}

// The host's cgroup2 mount point (seen in our mount namespace, outside `rootfs`)
// and our cgroup in it: what a cgroup2 mount would have shown.
std::string host_cgroup2_dir(const std::string& rootfs) {
  auto mnt = cgroups::cgroup2_mount(sys::read_file("/proc/self/mountinfo"), rootfs);
  if (!mnt) throw Error("no cgroup2 hierarchy is mounted", ENOENT);
  auto own = cgroups::own_cgroup(sys::read_file("/proc/self/cgroup"));
  if (!own) throw Error("no cgroup2 entry in /proc/self/cgroup", ENOENT);
  return *own == "/" ? *mnt : *mnt + *own;
}

// cgroup2 refused (EPERM, EBUSY: a user namespace that does not own the cgroup
// namespace): bind the container's cgroup directory from the host, as runc does.
// Only ever the cgroup2 hierarchy; v1 hierarchies are not touched.
void bind_host_cgroup(int root, const MountOp& op, int target, const std::string& rootfs,
                      const Error& refused) {
  std::string source;
  try {
    source = host_cgroup2_dir(rootfs);
  } catch (const Error& e) {
    throw Error(std::string(refused.what()) + "; no host cgroup2 to bind instead: " + e.what(),
                refused.code());
  }
  mount_at(source, target, "", MS_BIND | MS_REC, "", op.destination);
  remount_bound(root, op);
}

void mount_one(int root, const MountOp& op, const std::string& rootfs,
               std::map<std::string, UniqueFd>* premade) {
  with_context(op.field, [&] {
    UniqueFd tree;  // the source, opened by the runtime (make_source_tree)
    if (op.bind && premade)
      if (auto it = premade->find(op.field); it != premade->end()) tree = std::move(it->second);
    if (op.idmap && !tree) tree = idmapped_tree(op);
    bool file = false;
    if (op.bind) {
      struct stat st;
      if ((tree ? ::fstat(tree.get(), &st) : ::stat(op.source.c_str(), &st)) < 0)
        throw_errno("source " + op.source);
      file = !S_ISDIR(st.st_mode);
    }
    UniqueFd target = ensure_path(root, op.destination, file);
    if (op.real_dir)
      target = real_directory(root, op.destination, op.fstype.empty() ? "sysfs" : op.fstype);
    if (op.bind) {
      if (tree)
        move_mount_to(tree.get(), target.get(), op.destination);
      else
        mount_at(op.source, target.get(), "", MS_BIND | (op.recursive ? MS_REC : 0), "",
                 op.destination);
      remount_bound(root, op);
    } else if (op.tmpcopyup) {
      mount_tmpcopyup(root, op, target.get());
    } else {
      try {
        mount_at(op.source, target.get(), op.fstype, op.flags, op.data, op.destination);
      } catch (Error& e) {
        if (!op.cgroup_bind_fallback || (e.code() != EPERM && e.code() != EBUSY)) throw;
        bind_host_cgroup(root, op, target.get(), rootfs, e);
      }
    }
    if (op.attr_set || op.attr_clr) {
      UniqueFd top = sys::open_in_root(root, op.destination, O_PATH);
      set_attrs(top.get(), op.attr_set, op.attr_clr, true, -1, op.destination);
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

// --no-pivot: the host's full procfs and sysfs mounts go before the move
// (rootfs::revealing_mounts): detached, or covered by an empty tmpfs where
// they cannot be (locked under a user namespace). Unmounts do not propagate:
// the root was made a slave (or private) first.
void hide_revealing_mounts(const Plan& p) {
  for (const auto& point :
       revealing_mounts(sys::parse_mountinfo(sys::read_file("/proc/self/mountinfo")), p.rootfs)) {
    with_context("--no-pivot: detaching " + point, [&] {
      if (::umount2(point.c_str(), MNT_DETACH) == 0) return;
      if (errno == ENOENT) return;  // went with a mount above it
      if (errno != EINVAL && errno != EPERM) throw_errno("umount");
      sys::mount("tmpfs", point, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0,mode=0");
    });
  }
}

void pivot(const Plan& p) {
  if (!p.pivot) {
    hide_revealing_mounts(p);
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

// /dev/null as masks bind it: the null device itself (char 1:3), reached
// through no symlink. An image's /dev may hold anything under that name, a
// link to a procfs file included (CVE-2025-31133): fail rather than bind it.
UniqueFd null_device(int root) {
  UniqueFd fd = sys::open_resolved(root, "/dev/null", O_PATH | O_NOFOLLOW,
                                   RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
  struct stat st;
  if (::fstat(fd.get(), &st) < 0) throw_errno("stat /dev/null");
  if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
    throw Error("/dev/null is not the null device (char 1:3)", EINVAL);
  return fd;
}

}  // namespace

UniqueFd make_source_tree(const MountOp& op) {
  return with_context(op.field, [&] { return op.idmap ? idmapped_tree(op) : bind_tree(op); });
}

void apply(const Plan& p, const std::function<void()>& before_finish,
           const std::function<void()>& before_pivot, std::map<std::string, UniqueFd>* premade) {
  mode_t old_umask = ::umask(0);
  with_context("preparing the root filesystem", [&] {
    sys::mount("", "/", "", p.root_propagation, "");
    sys::mount(p.rootfs, p.rootfs, "", MS_BIND | MS_REC, "");
  });
  {
    UniqueFd root = sys::open(p.rootfs, O_PATH | O_DIRECTORY);
    for (const auto& op : p.mounts) mount_one(root.get(), op, p.rootfs, premade);
    for (const auto& d : p.devices) make_device(root.get(), d, p.bind_devices);
    for (const auto& s : p.symlinks) make_symlink(root.get(), s);
  }
  // The createContainer hooks run in the container's root, as runc runs
  // them: a relative path in a hook (vendors' hooks have them) is the image's.
  if (::chdir(p.rootfs.c_str()) < 0) throw_errno("chdir " + p.rootfs);
  if (before_pivot) before_pivot();
  with_context("pivoting into " + p.rootfs, [&] { pivot(p); });
  if (before_finish) before_finish();
  finish(p);
  ::umask(old_umask);
}

void finish(const Plan& p) {
  if (p.rootfs_propagation_after) sys::mount("", "/", "", p.rootfs_propagation_after, "");
  // Each path is opened in the root without following its last component, and the
  // mount goes onto that very object (through its fd): nothing can swap the path
  // between the check and the mount, and no symlink leads out of the root.
  UniqueFd root = sys::open("/", O_PATH | O_DIRECTORY);
  UniqueFd null;  // the container's /dev/null, checked once a file needs masking
  for (const auto& path : p.masked_paths) {
    with_context("masking " + path, [&] {
      auto fd = sys::try_open_in_root(root.get(), path, O_PATH | O_NOFOLLOW);
      if (!fd) return;
      struct stat st;
      if (::fstat(fd->get(), &st) < 0) throw_errno("stat");
      if (S_ISDIR(st.st_mode)) {
        mount_at("tmpfs", fd->get(), "tmpfs", MS_RDONLY, "size=0", path);
        return;
      }
      if (!null) null = null_device(root.get());
      // A bind of that very device node, from its fd onto the path's.
      int tree_fd =
          ::open_tree(null.get(), "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
      if (tree_fd < 0) throw_errno("open_tree /dev/null");
      UniqueFd tree(tree_fd);
      move_mount_to(tree.get(), fd->get(), path);
    });
  }
  for (const auto& path : p.readonly_paths) {
    with_context("making " + path + " read-only", [&] {
      auto fd = sys::try_open_in_root(root.get(), path, O_PATH | O_NOFOLLOW);
      if (!fd) return;
      // A recursive bind of the path onto itself, made read-only while detached.
      int tree_fd = ::open_tree(fd->get(), "",
                                OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
      if (tree_fd < 0) throw_errno("open_tree");
      UniqueFd tree(tree_fd);
      set_attrs(tree.get(), MOUNT_ATTR_RDONLY, 0, true, -1, path);
      move_mount_to(tree.get(), fd->get(), path);
    });
  }
  if (p.readonly_root)
    with_context("making the root read-only", [&] { remount_bind("/", MS_RDONLY, "/"); });
}

void seal_dev(const Plan& p) {
  if (!p.readonly_dev) return;
  with_context("making /dev read-only", [&] {
    UniqueFd root = sys::open("/", O_PATH | O_DIRECTORY);
    UniqueFd dev = sys::open_in_root(root.get(), "/dev", O_PATH | O_DIRECTORY | O_NOFOLLOW);
    set_attrs(dev.get(), MOUNT_ATTR_RDONLY, 0, false, -1, "/dev");
  });
}

}  // namespace ocirun::rootfs
