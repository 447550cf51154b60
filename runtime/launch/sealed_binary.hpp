// The runtime binary that container processes can see. The container's init
// and exec's processes are clones of ocirun, and an image may make the kernel
// run ocirun inside the container (`#!/proc/self/exe`): through
// /proc/<pid>/exe a container process could open that binary and, once it is
// no longer running, write into it (CVE-2019-5736). So before it makes any
// such process, ocirun re-executes itself from a copy nobody can write: its
// own file seen through a detached read-only overlayfs (no upper layer, so
// no mount flag to clear and nowhere to copy a file up to; mounted nowhere),
// as runc 1.2 does; where the kernel or the caller's privileges refuse that
// (rootless), a sealed memfd copy (F_SEAL_WRITE, SHRINK, GROW, SEAL); a
// rootless caller running a binary only root may write needs neither. It also
// makes itself non-dumpable, so that no container process without
// CAP_SYS_PTRACE can open /proc/<pid>/exe or /proc/<pid>/fd of its clones at
// all until their final execve.
//
// The overlay first because it copies nothing: measured on the development
// VM, a memfd copy of the ~3 MB static binary took 1.9 ms per command, the
// overlay 0.13 ms. On x86_64 the entry point makes the overlay and
// re-executes before the C library starts (preflight.hpp), so the first
// image costs little more than an exec; this is the fallback and the rest.
#pragma once

namespace ocirun::launch {

// Unless it already runs from one, replaces this process by a protected copy
// of the runtime, run with the same argv and environment; returns only when
// it runs protected (then it names itself after argv[0] and becomes
// non-dumpable). Throws Error when no protected copy can be made: the caller
// must not start a container then.
void ensure_sealed(char** argv);

}  // namespace ocirun::launch
