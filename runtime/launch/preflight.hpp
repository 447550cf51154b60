// The cheap path to a protected runtime binary (runtime/launch/sealed_binary.hpp):
// before the C library starts, ocirun's entry point (x86_64) re-executes a
// `create`, `run` or `exec` through a read-only overlayfs view of its own
// file, with raw system calls only. That saves the C and C++ start-up of the
// first image (about 0.4 ms of the ~0.7 ms a re-exec costs here: glibc probes
// the CPU with cpuid, which traps in a VM). Everything here is freestanding:
// no libc call, no errno, no thread-local storage, no stack protector, so it
// can run at the entry point; sealed_binary.cpp uses the same functions later.
#pragma once

extern "C" {

// Whether `fd` (the running binary) cannot be written: a sealed memfd, or a
// file of a read-only overlayfs (one without an upper layer: no mount flag
// to clear, nowhere to copy a file up to).
bool ocirun_exe_protected(int fd);

// The running binary seen through a detached read-only overlayfs of its
// directory (and an empty tmpfs: overlayfs without an upper layer takes two
// lower ones), mounted nowhere, as runc 1.2 does: no copy, the page cache is
// the binary's. `self` is an fd of /proc/self/exe. Returns an O_CLOEXEC fd to
// execveat, or -1 when the kernel or the caller's privileges refuse it.
int ocirun_exe_overlay_view(int self);

// Called by the entry point with the initial stack (argc, argv, envp): for
// the commands that make processes a container can see, re-executes through
// the overlay view unless the binary is protected already; returns otherwise
// (the C++ side then finishes the job, a memfd copy where the overlay failed).
void ocirun_preflight(long* stack);
}
