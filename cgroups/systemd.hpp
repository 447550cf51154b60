// The systemd driver's calls to systemd's manager (over dbus.hpp): a
// container's transient unit started with the init's pid in it and waited
// for, its properties changed (update), and stopped and waited for (delete).
// Every error names the unit and carries systemd's own.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "cgroups/dbus.hpp"
#include "cgroups/systemd_plan.hpp"

namespace ocirun::cgroups::systemd {

// StartTransientUnit with `props` and PIDs = {pid}; waits for its job.
// `*made` is set once systemd took the unit (the call returned its job), so
// that a caller knows whether a failure left a unit of its own to stop: a
// unit of that name that existed already (UnitExists) is someone else's.
void start_unit(dbus::Connection& c, const Unit& unit, std::vector<Property> props, pid_t pid,
                bool* made);
// SetUnitProperties (runtime): systemd applies them to the unit's cgroup.
void set_properties(dbus::Connection& c, const Unit& unit, const std::vector<Property>& props);
// StopUnit and waits for its job; a unit that is not there is no error.
// Then ResetFailedUnit, so that a failed unit does not linger.
void stop_unit(dbus::Connection& c, const Unit& unit);
// ResetFailedUnit alone, for a unit systemd stopped itself (a scope stops
// when it becomes empty): a failed one (an OOM kill) would linger. Errors
// (not failed, gone) are ignored.
void reset_failed(dbus::Connection& c, const Unit& unit);

}  // namespace ocirun::cgroups::systemd
