// The systemd cgroup driver's decisions (pure): which transient unit a
// container becomes (its name and slice, from linux.cgroupsPath's
// "slice:prefix:name"), and which of its limits systemd owns, as unit
// properties, from the same plan of cgroup v2 writes the cgroupfs driver
// applies (cgroups/resources.hpp), so that both drivers convert alike. What
// systemd has no property for stays a write into the delegated cgroup.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "cgroups/devices.hpp"
#include "cgroups/resources.hpp"

namespace ocirun::cgroups::systemd {

// A D-Bus value, by the signature systemd's property wants: "b", "t" (u64),
// "x" (i64), "u", "i", "d", "s", "as", "ay" (a bitmask), "a(ss)" (DeviceAllow),
// "au" (PIDs).
using Value = std::variant<bool, uint64_t, int64_t, uint32_t, int32_t, double, std::string,
                           std::vector<std::string>, std::vector<uint8_t>,
                           std::vector<std::pair<std::string, std::string>>, std::vector<uint32_t>>;

struct Property {
  std::string name;       // "MemoryMax"
  std::string signature;  // "t"
  Value value;
  std::string field;  // where it comes from: "linux.resources.memory.limit"

  friend bool operator==(const Property&, const Property&) = default;
};

// systemd's "infinity" for the limits above.
inline constexpr uint64_t kInfinity = UINT64_MAX;

// The unit of a container: linux.cgroupsPath "slice:prefix:name" (an empty
// path is "system.slice:ocirun:<id>"; an empty slice is system.slice, "-" the
// root slice; an empty name is the id; a name ending in .slice is the unit
// itself, else "<prefix>-<name>.scope").
struct Unit {
  std::string name;   // "ocirun-abc.scope"
  std::string slice;  // "system.slice"
  std::string path;   // the cgroup, in the hierarchy: "/system.slice/ocirun-abc.scope"
  bool is_slice() const { return name.ends_with(".slice"); }
};
Unit unit_of(const std::string& cgroups_path, const std::string& id);

// The limits systemd owns, taken out of `plan`: each write systemd has a
// property for becomes that property (memory.max → MemoryMax, cpu.max →
// CPUQuotaPerSecUSec and CPUQuotaPeriodUSec, cpuset.cpus → AllowedCPUs, ...),
// and leaves plan.writes; the rest stays there, for the delegated cgroup.
std::vector<Property> take_owned_limits(ResourcePlan& plan);

// The device rules (cgroups/devices.hpp) as systemd's device policy:
// DevicePolicy=strict and a DeviceAllow entry per allowing rule (the program
// denies what no rule allows), or nothing when the rules end allowing every
// device. A rule that names a whole major of char
// or block devices needs that major's name ("char-pts"): `majors` holds
// /proc/devices (device_majors). Deny rules after the first cannot be said in
// DeviceAllow, whose set is then wider; ocirun's own device program, which
// it loads as with cgroupfs, enforces the rules exactly.
struct DeviceMajors {
  std::map<int64_t, std::string> chars, blocks;
};
DeviceMajors device_majors(std::string_view proc_devices);
std::vector<Property> device_properties(const std::vector<DeviceRule>& rules,
                                        const DeviceMajors& majors);

// An "org.systemd.property.<Name>" annotation as a property, its value in
// GVariant's text form as runc reads it: true/false, a number (int32, or
// typed: "uint64 123", "int64 -1", "uint32 5", "double 1.5"), a quoted string
// ('inactive-or-failed'), an array of strings (['a', 'b']). A name ending in
// "Sec" (not "USec") takes seconds and becomes <Name minus Sec>USec in
// microseconds, as runc does. Throws naming the annotation.
Property annotation_property(const std::string& key, const std::string& value);
// Every annotation of that prefix, in key order.
std::vector<Property> annotation_properties(const std::map<std::string, std::string>& annotations);

// The properties of StartTransientUnit for a container's unit, the init's pid
// aside: Description, Slice (a scope), Delegate, DefaultDependencies=no,
// accounting on, the owned limits, the device policy, then the annotations
// (which win over the rest, as runc lets them).
std::vector<Property> unit_properties(const Unit& unit, const std::string& id,
                                      std::vector<Property> limits, std::vector<Property> devices,
                                      std::vector<Property> annotations);

}  // namespace ocirun::cgroups::systemd
