// The runtime binary that container processes can see. The container's init
// and exec's processes are clones of ocirun, and an image may make the kernel
// run ocirun inside the container (`#!/proc/self/exe`): through
// /proc/<pid>/exe a container process could open that binary and, once it is
// no longer running, write into it (CVE-2019-5736). So before it makes any
// such process, ocirun re-executes itself from a sealed memfd copy: a file
// that exists only in memory and that the kernel refuses to change
// (F_SEAL_WRITE, SHRINK, GROW, SEAL). It also makes itself non-dumpable, so
// that no container process without CAP_SYS_PTRACE can open /proc/<pid>/exe or
// /proc/<pid>/fd of its clones at all until their final execve.
//
// Why a memfd and not runc 1.2's detached read-only overlay mount: it works
// for every caller (a rootless one cannot mount overlayfs on the host), needs
// no mount and no cleanup, and its cost is one copy of a ~3 MB static binary
// from the page cache plus one execve (measured in bench/README.md).
#pragma once

namespace ocirun::launch {

// Unless it already runs from one, replaces this process by a sealed memfd copy of
// the runtime, run with the same argv and environment; returns only when it
// runs sealed (then it names itself after argv[0] and becomes
// non-dumpable). Throws Error when no sealed copy can be made: the caller
// must not start a container then.
void ensure_sealed(char** argv);

}  // namespace ocirun::launch
