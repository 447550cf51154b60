// What the container operations share: reading a container's record and
// finding its init (runtime/container/record.cpp).
#pragma once

#include <optional>

#include "runtime/state/store.hpp"
#include "runtime/sys/fd.hpp"

namespace ocirun::container {

// The record, or nullopt when a create killed early left none.
std::optional<state::Record> try_read(const state::ContainerDir& dir);

// A pidfd for the container's init, checked to be the process the record names.
std::optional<UniqueFd> open_init(const state::Record& r);

}  // namespace ocirun::container
