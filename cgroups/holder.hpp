// A process of ocirun's that keeps a systemd unit's cgroup populated after
// the container's last process has exited. systemd stops a transient scope,
// and removes its cgroup with every figure in it, as soon as the scope is
// empty; `run --stats-file` reads those figures (memory.peak, cpu.stat, ...)
// only after the container has exited. The holder is cloned straight into
// the cgroup, holds no fd, is not dumpable, and does nothing but wait to be
// killed (or for ocirun to die: PR_SET_PDEATHSIG).
//
// It is one task of the cgroup while it lives: pids.current counts it
// (run_report's pids_peak leaves it out) and `ps` lists it.
#pragma once

#include <sys/types.h>

namespace ocirun::cgroups {

class Holder {
 public:
  Holder() = default;
  // Clones the holder into the cgroup open at `cgroup_fd`.
  static Holder start(int cgroup_fd);
  Holder(Holder&& o) noexcept : pid_(o.pid_) { o.pid_ = -1; }
  Holder& operator=(Holder&& o) noexcept;
  Holder(const Holder&) = delete;
  Holder& operator=(const Holder&) = delete;
  // Kills and reaps it.
  ~Holder() { release(); }
  void release() noexcept;

  bool active() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
};

}  // namespace ocirun::cgroups
