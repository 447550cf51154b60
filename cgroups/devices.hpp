// linux.resources.devices → a BPF_PROG_TYPE_CGROUP_DEVICE program (pure), and
// the thin layer that loads it and attaches it to a cgroup (replacing the one
// attached before, on update).
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/spec/config.hpp"

namespace ocirun::cgroups {

struct DeviceRule {
  bool allow = false;
  char type = 'a';     // 'a' (all), 'c', 'b'
  int64_t major = -1;  // -1: any
  int64_t minor = -1;  // -1: any
  std::string access;  // subset of "rwm"; empty means "rwm"
};

// The rules the container's program enforces, in order: the config's
// linux.resources.devices (validated: type a/b/c, major/minor -1 or a u32,
// access ⊆ rwm; errors name the field, e.g. "linux.resources.devices[2].access";
// the result's access is never empty, in "rwm" order), then what runc appends,
// its AllowedDevices: mknod of every char and block device, rwm on null, zero,
// full, random, urandom, tty, ptmx, pts/* and net/tun. As in runc, linux.devices
// grants no access of its own (engines add a rule for each device they pass);
// it only drops a default whose path it lists (/dev/null, ...).
std::vector<DeviceRule> device_rules(const nlohmann::json& resource_devices,
                                     const std::vector<spec::Device>& linux_devices);

// The program: each access bit asked for (r, w, m) is decided by the last rule
// that matches the device and names that bit, as writes to v1's
// devices.allow/deny did; a bit no rule names is denied; the access is allowed
// when all its bits are (devices.cpp spells out the details and runc's).
std::vector<bpf_insn> device_program(const std::vector<DeviceRule>& rules);

// Pure: what the program decides for one access, by running it in a small
// interpreter (unit tests; also the executable spec of device_program).
// access_bits: BPF_DEVCG_ACC_{MKNOD,READ,WRITE}; type: BPF_DEVCG_DEV_{BLOCK,CHAR}.
bool program_allows(const std::vector<bpf_insn>& prog, int type, uint32_t major, uint32_t minor,
                    int access_bits);

// Effects: loads `prog` and attaches it to the cgroup open at `cgroup_fd`
// (BPF_F_ALLOW_MULTI), then detaches every other device program there, so an
// update replaces the earlier program without a window where none applies.
// Errors name the step ("attaching the device program to the cgroup:
// bpf(BPF_PROG_ATTACH): Operation not permitted"; a program the verifier
// refuses: "... (verifier: <its reason>)"). Should a step after the attach fail,
// the new program stays attached beside the earlier ones: the stricter applies.
void attach_device_program(int cgroup_fd, const std::vector<bpf_insn>& prog);

}  // namespace ocirun::cgroups
