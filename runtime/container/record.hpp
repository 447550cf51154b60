// What the container operations share: reading a container's record and
// finding its init (runtime/container/record.cpp).
#pragma once

#include <signal.h>

#include <optional>

#include "runtime/state/store.hpp"
#include "runtime/sys/fd.hpp"

namespace ocirun::container {

// `container "ID"`, as messages name a container.
std::string quoted(const std::string& id);

// The record, or nullopt when a create killed early left none.
std::optional<state::Record> try_read(const state::ContainerDir& dir);

// The container's status now (its record against /proc and its cgroup).
state::Status status_of(const state::ContainerDir& dir, const state::Record& r);

// A pidfd for the container's init, checked to be the process the record names.
std::optional<UniqueFd> open_init(const state::Record& r);

// --pid-file: the pid, written atomically, without a trailing newline (containerd
// parses the file strictly). Nothing for an empty path.
void write_pid_file(const std::string& path, pid_t pid);

// A process run in the foreground (`run`, `exec`): forwards the signals of
// `mask` (blocked by the caller before the process was made) to `pid`, relays
// the terminal `console` (-1: none) and returns the wait status
// (runtime/container/foreground.cpp).
int wait_in_foreground(pid_t pid, sigset_t mask, int console);

}  // namespace ocirun::container
