#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "cgroups/devices.hpp"
#include "runtime/sys/error.hpp"

using json = nlohmann::json;
using namespace ocirun::cgroups;

namespace {

constexpr int R = BPF_DEVCG_ACC_READ;
constexpr int W = BPF_DEVCG_ACC_WRITE;
constexpr int M = BPF_DEVCG_ACC_MKNOD;
constexpr int C = BPF_DEVCG_DEV_CHAR;
constexpr int B = BPF_DEVCG_DEV_BLOCK;

std::string refusal(const json& devices) {
  try {
    device_rules(devices, {});
  } catch (const ocirun::Error& e) {
    return e.what();
  }
  return "";
}

DeviceRule rule(bool allow, char type, int64_t major, int64_t minor, std::string access) {
  return DeviceRule{allow, type, major, minor, std::move(access)};
}

bool has_rule(const std::vector<DeviceRule>& rules, const DeviceRule& r) {
  for (const auto& x : rules)
    if (x.allow == r.allow && x.type == r.type && x.major == r.major && x.minor == r.minor &&
        x.access == r.access)
      return true;
  return false;
}

// The config's rules plus runc's defaults, as a program.
std::vector<bpf_insn> program_for(const json& devices) {
  return device_program(device_rules(devices, {}));
}

// The documented semantics, written the obvious way: each bit is decided by
// the last rule that matches the device and names it; unnamed bits are denied.
bool model_allows(const std::vector<DeviceRule>& rules, int type, uint32_t major, uint32_t minor,
                  int access) {
  for (int bit : {R, W, M}) {
    if (!(access & bit)) continue;
    bool allowed = false;
    for (auto it = rules.rbegin(); it != rules.rend(); ++it) {
      char t = type == B ? 'b' : 'c';
      if (it->type != 'a' && it->type != t) continue;
      if (it->major != -1 && it->major != major) continue;
      if (it->minor != -1 && it->minor != minor) continue;
      int bits = 0;
      for (char c : it->access.empty() ? std::string("rwm") : it->access)
        bits |= c == 'r' ? R : c == 'w' ? W : M;
      if (!(bits & bit)) continue;
      allowed = it->allow;
      break;
    }
    if (!allowed) return false;
  }
  return true;
}

// The verifier refuses a program with an instruction no path reaches, or one
// that can run off its end.
void require_well_formed(const std::vector<bpf_insn>& prog) {
  REQUIRE(!prog.empty());
  std::vector<bool> reached(prog.size(), false);
  reached[0] = true;
  for (size_t pc = 0; pc < prog.size(); ++pc) {
    if (!reached[pc]) FAIL("instruction " << pc << " is unreachable");
    const bpf_insn& i = prog[pc];
    if (BPF_CLASS(i.code) == BPF_JMP && BPF_OP(i.code) == BPF_EXIT) continue;
    bool jump = BPF_CLASS(i.code) == BPF_JMP;
    if (jump) {
      size_t target = pc + 1 + static_cast<size_t>(i.off);
      REQUIRE(i.off >= 0);
      REQUIRE(target < prog.size());
      reached[target] = true;
    }
    if (!(jump && BPF_OP(i.code) == BPF_JA)) {
      REQUIRE(pc + 1 < prog.size());
      reached[pc + 1] = true;
    }
  }
}

}  // namespace

TEST_CASE("device rules: the config's entries are validated, naming the field",
          "[cgroup-devices]") {
  CHECK(refusal(json::array(
            {{{"allow", true}}, {{"allow", false}}, {{"allow", true}, {"type", "x"}}})) ==
        "linux.resources.devices[2].type: must be one of a, b, c, got \"x\"");
  CHECK(refusal(json::array({{{"type", "c"}}})) == "linux.resources.devices[0].allow: is required");
  CHECK(refusal(json::array({{{"allow", "yes"}}})) ==
        "linux.resources.devices[0].allow: must be a boolean, got \"yes\"");
  CHECK(refusal(json::array({{{"allow", true}, {"access", "rx"}}})) ==
        "linux.resources.devices[0].access: must be made of r, w and m, got \"rx\"");
  CHECK(refusal(json::array({{{"allow", true}, {"access", 7}}})) ==
        "linux.resources.devices[0].access: must be a string, got 7");
  CHECK_THAT(refusal(json::array({{{"allow", true}, {"type", "c"}, {"major", -2}}})),
             Catch::StartsWith("linux.resources.devices[0].major: must be -1 (any) or a device "
                               "number from 0 to 4294967295, got -2"));
  CHECK_THAT(refusal(json::array({{{"allow", true}, {"minor", 4294967296}}})),
             Catch::StartsWith("linux.resources.devices[0].minor: must be -1"));
  CHECK(refusal(json::array({{{"allow", true}, {"minor", 1.5}}})) ==
        "linux.resources.devices[0].minor: must be an integer, got 1.5");
  CHECK(refusal(json::array({{{"allow", true}, {"type", 'c'}}})) ==
        "linux.resources.devices[0].type: must be a string, got 99");
  CHECK(refusal(json::array({"c 1:3 rwm"})) ==
        "linux.resources.devices[0]: must be an object, got \"c 1:3 rwm\"");
  CHECK(refusal(json::object()) == "linux.resources.devices: must be an array, got {}");
  CHECK(refusal(nullptr).empty());
  CHECK(refusal(json::array()).empty());
  // The largest u32 device numbers are fine.
  CHECK(refusal(json::array({{{"allow", true}, {"major", 4294967295u}, {"minor", 0}}})).empty());
}

TEST_CASE("device rules: absent fields read as everything, access is normalised",
          "[cgroup-devices]") {
  auto rules = device_rules(
      json::array(
          {{{"allow", false}},
           {{"allow", true}, {"type", "c"}, {"access", ""}},
           {{"allow", true}, {"type", "b"}, {"major", 8}, {"minor", -1}, {"access", "mwrr"}},
           {{"allow", false}, {"type", ""}, {"minor", 3}}}),
      {});
  REQUIRE(rules.size() >= 4);
  CHECK(has_rule({rules[0]}, rule(false, 'a', -1, -1, "rwm")));
  CHECK(has_rule({rules[1]}, rule(true, 'c', -1, -1, "rwm")));
  CHECK(has_rule({rules[2]}, rule(true, 'b', 8, -1, "rwm")));
  CHECK(has_rule({rules[3]}, rule(false, 'a', -1, 3, "rwm")));
}

TEST_CASE("device rules: runc's default devices follow the config's rules", "[cgroup-devices]") {
  auto rules = device_rules(json::array({{{"allow", false}, {"access", "rwm"}}}), {});
  REQUIRE(rules.size() == 12);
  CHECK(has_rule({rules[0]}, rule(false, 'a', -1, -1, "rwm")));
  for (const auto& r :
       {rule(true, 'c', -1, -1, "m"), rule(true, 'b', -1, -1, "m"), rule(true, 'c', 1, 3, "rwm"),
        rule(true, 'c', 1, 5, "rwm"), rule(true, 'c', 1, 7, "rwm"), rule(true, 'c', 1, 8, "rwm"),
        rule(true, 'c', 1, 9, "rwm"), rule(true, 'c', 5, 0, "rwm"), rule(true, 'c', 5, 2, "rwm"),
        rule(true, 'c', 136, -1, "rwm"), rule(true, 'c', 10, 200, "rwm")})
    CHECK(has_rule({rules.begin() + 1, rules.end()}, r));
  // runc stopped allowing the host's /dev/console (5:1) in 2020.
  CHECK_FALSE(has_rule(rules, rule(true, 'c', 5, 1, "rwm")));
  CHECK(device_rules(nullptr, {}).size() == 11);
}

TEST_CASE("device rules: linux.devices grants nothing, it drops a default of the same path",
          "[cgroup-devices]") {
  std::vector<ocirun::spec::Device> devs(2);
  devs[0].path = "/dev/kmsg";
  devs[0].major = 1;
  devs[0].minor = 11;
  devs[1].path = "/dev/null";
  devs[1].major = 1;
  devs[1].minor = 3;
  auto rules = device_rules(json::array({{{"allow", false}, {"access", "rwm"}}}), devs);
  CHECK(rules.size() == 11);
  CHECK_FALSE(has_rule(rules, rule(true, 'c', 1, 11, "rwm")));
  CHECK_FALSE(has_rule(rules, rule(true, 'c', 1, 3, "rwm")));
  CHECK(has_rule(rules, rule(true, 'c', 1, 5, "rwm")));
  auto prog = device_program(rules);
  CHECK_FALSE(program_allows(prog, C, 1, 11, R));  // runc's "device cgroup deny" test
  CHECK_FALSE(program_allows(prog, C, 1, 3, R));
  CHECK(program_allows(prog, C, 1, 3, M));  // mknod of any char device stays
}

TEST_CASE("device program: runc's defaults alone", "[cgroup-devices]") {
  auto prog = program_for(nullptr);
  require_well_formed(prog);
  for (auto [major, minor] : {std::pair{1u, 3u},
                              {1, 5},
                              {1, 7},
                              {1, 8},
                              {1, 9},
                              {5, 0},
                              {5, 2},
                              {136, 0},
                              {136, 42},
                              {10, 200}}) {
    CAPTURE(major, minor);
    CHECK(program_allows(prog, C, major, minor, R));
    CHECK(program_allows(prog, C, major, minor, R | W));
    CHECK(program_allows(prog, C, major, minor, M));
    CHECK_FALSE(program_allows(prog, B, major, minor, R));
  }
  CHECK_FALSE(program_allows(prog, C, 5, 1, R));     // /dev/console
  CHECK_FALSE(program_allows(prog, C, 1, 11, W));    // /dev/kmsg
  CHECK_FALSE(program_allows(prog, C, 10, 229, R));  // /dev/fuse
  CHECK_FALSE(program_allows(prog, B, 8, 0, R));
  CHECK(program_allows(prog, B, 8, 0, M));  // mknod of anything
  CHECK(program_allows(prog, C, 10, 229, M));
  CHECK_FALSE(program_allows(prog, B, 8, 0, M | R));
}

TEST_CASE("device program: deny all, then allow one device", "[cgroup-devices]") {
  auto prog = program_for(json::array(
      {{{"allow", false}, {"access", "rwm"}},
       {{"allow", true}, {"type", "c"}, {"major", 10}, {"minor", 229}, {"access", "rwm"}}}));
  require_well_formed(prog);
  CHECK(program_allows(prog, C, 10, 229, R));
  CHECK(program_allows(prog, C, 10, 229, R | W));
  CHECK_FALSE(program_allows(prog, C, 10, 230, R));
  CHECK_FALSE(program_allows(prog, C, 11, 229, R));
  CHECK_FALSE(program_allows(prog, B, 10, 229, R));  // block is not char
  CHECK(program_allows(prog, C, 1, 3, R | W));       // a default
}

TEST_CASE("device program: wildcard numbers and the 'a' type", "[cgroup-devices]") {
  auto prog = device_program(
      {rule(true, 'c', 10, -1, "r"), rule(true, 'b', -1, 0, "w"), rule(true, 'a', 4, 64, "rw")});
  require_well_formed(prog);
  CHECK(program_allows(prog, C, 10, 0, R));
  CHECK(program_allows(prog, C, 10, 4000000, R));
  CHECK_FALSE(program_allows(prog, C, 11, 0, R));
  CHECK_FALSE(program_allows(prog, B, 10, 0, R));
  CHECK(program_allows(prog, B, 8, 0, W));
  CHECK(program_allows(prog, B, 259, 0, W));
  CHECK_FALSE(program_allows(prog, B, 8, 1, W));
  CHECK_FALSE(program_allows(prog, C, 8, 0, W));
  CHECK(program_allows(prog, C, 4, 64, R | W));
  CHECK(program_allows(prog, B, 4, 64, R | W));
  CHECK_FALSE(program_allows(prog, B, 4, 64, M));
  CHECK_FALSE(program_allows(prog, C, 4, 65, R));

  auto all = device_program({rule(true, 'a', -1, -1, "rwm")});
  require_well_formed(all);
  CHECK(program_allows(all, B, 8, 0, R | W | M));
  CHECK(program_allows(all, C, 0, 0, M));
  auto none = device_program({rule(false, 'a', -1, -1, "rwm")});
  require_well_formed(none);
  CHECK_FALSE(program_allows(none, C, 1, 3, R));
}

TEST_CASE("device program: the last rule wins", "[cgroup-devices]") {
  auto allow_then_deny =
      device_program({rule(true, 'c', 10, 229, "rwm"), rule(false, 'c', 10, 229, "rwm")});
  require_well_formed(allow_then_deny);
  CHECK_FALSE(program_allows(allow_then_deny, C, 10, 229, R));
  CHECK_FALSE(program_allows(allow_then_deny, C, 10, 229, M));

  auto deny_then_allow =
      device_program({rule(false, 'c', 10, 229, "rwm"), rule(true, 'c', 10, 229, "rwm")});
  require_well_formed(deny_then_allow);
  CHECK(program_allows(deny_then_allow, C, 10, 229, R | W));

  // A later narrower deny punches a hole in an earlier wildcard allow...
  auto hole = device_program({rule(true, 'c', 10, -1, "rwm"), rule(false, 'c', 10, 229, "rwm")});
  require_well_formed(hole);
  CHECK_FALSE(program_allows(hole, C, 10, 229, R));
  CHECK(program_allows(hole, C, 10, 228, R));
  // ...and a later wildcard overrides an earlier narrower rule.
  auto over = device_program({rule(true, 'c', 10, 229, "rwm"), rule(false, 'c', 10, -1, "r")});
  require_well_formed(over);
  CHECK_FALSE(program_allows(over, C, 10, 229, R));
  CHECK(program_allows(over, C, 10, 229, W));

  // Privileged: allow everything; the defaults after it change nothing.
  auto privileged = program_for(json::array({{{"allow", true}, {"access", "rwm"}}}));
  require_well_formed(privileged);
  CHECK(program_allows(privileged, B, 8, 0, R | W));
  CHECK(program_allows(privileged, C, 5, 1, R | W));

  // The defaults come last: the config cannot take them away (as in runc).
  auto no_null = program_for(json::array(
      {{{"allow", false}, {"type", "c"}, {"major", 1}, {"minor", 3}, {"access", "rwm"}}}));
  CHECK(program_allows(no_null, C, 1, 3, R | W));
}

TEST_CASE("device program: access is decided bit by bit", "[cgroup-devices]") {
  auto read_only = device_program({rule(true, 'c', 10, 200, "r")});
  require_well_formed(read_only);
  CHECK(program_allows(read_only, C, 10, 200, R));
  CHECK_FALSE(program_allows(read_only, C, 10, 200, W));
  CHECK_FALSE(program_allows(read_only, C, 10, 200, M));
  CHECK_FALSE(program_allows(read_only, C, 10, 200, R | W));  // open(O_RDWR)

  // A deny takes its bits back whatever else is asked along with them.
  auto no_write = device_program({rule(true, 'c', 10, 200, "rwm"), rule(false, 'c', 10, 200, "w")});
  require_well_formed(no_write);
  CHECK(program_allows(no_write, C, 10, 200, R));
  CHECK(program_allows(no_write, C, 10, 200, M));
  CHECK_FALSE(program_allows(no_write, C, 10, 200, W));
  CHECK_FALSE(program_allows(no_write, C, 10, 200, R | W));

  // Same in an allow-all list (v1's deny list refuses a partial match).
  auto deny_list = device_program({rule(true, 'a', -1, -1, "rwm"), rule(false, 'c', 1, 3, "w")});
  require_well_formed(deny_list);
  CHECK_FALSE(program_allows(deny_list, C, 1, 3, R | W));
  CHECK(program_allows(deny_list, C, 1, 3, R));

  // Bits granted by separate rules add up (v1 merged them into one entry).
  auto split = device_program({rule(true, 'c', 10, 200, "r"), rule(true, 'c', 10, 200, "w")});
  require_well_formed(split);
  CHECK(program_allows(split, C, 10, 200, R | W));
  CHECK_FALSE(program_allows(split, C, 10, 200, M));
}

TEST_CASE("device program: device numbers above INT32_MAX", "[cgroup-devices]") {
  auto prog = device_program({rule(true, 'c', 3000000000, 4294967295, "rwm")});
  require_well_formed(prog);
  CHECK(program_allows(prog, C, 3000000000u, 4294967295u, R));
  CHECK_FALSE(program_allows(prog, C, 3000000001u, 4294967295u, R));
  CHECK_FALSE(program_allows(prog, C, 3000000000u, 0, R));
}

TEST_CASE("device program: no rule denies everything", "[cgroup-devices]") {
  auto prog = device_program({});
  require_well_formed(prog);
  CHECK_FALSE(program_allows(prog, C, 1, 3, R));
  CHECK_FALSE(program_allows(prog, B, 0, 0, M));
}

TEST_CASE("device program: agrees with the written-out semantics on random rule lists",
          "[cgroup-devices]") {
  std::mt19937 rng(20240607);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const char types[] = {'a', 'b', 'c'};
  const char* accesses[] = {"r", "w", "m", "rw", "rm", "wm", "rwm"};
  for (int round = 0; round < 300; ++round) {
    std::vector<DeviceRule> rules;
    int n = pick(7);
    for (int k = 0; k < n; ++k)
      rules.push_back(
          rule(pick(2) == 0, types[pick(3)], pick(3) - 1, pick(3) - 1, accesses[pick(7)]));
    auto prog = device_program(rules);
    require_well_formed(prog);
    for (int type : {B, C})
      for (uint32_t major : {0u, 1u, 2u})
        for (uint32_t minor : {0u, 1u, 2u})
          for (int access = 1; access <= 7; ++access) {
            CAPTURE(round, type, major, minor, access);
            REQUIRE(program_allows(prog, type, major, minor, access) ==
                    model_allows(rules, type, major, minor, access));
          }
  }
}

TEST_CASE("device program: refuses rules device_rules would not make", "[cgroup-devices]") {
  CHECK_THROWS_AS(device_program({rule(true, 'u', 1, 3, "rwm")}), ocirun::Error);
  CHECK_THROWS_AS(device_program({rule(true, 'c', 1, 3, "rx")}), ocirun::Error);
  CHECK_THROWS_AS(device_program({rule(true, 'c', -2, 3, "r")}), ocirun::Error);
}

TEST_CASE("program_allows: refuses what it does not know", "[cgroup-devices]") {
  auto base = device_program({rule(true, 'c', 1, 3, "rwm")});
  // An instruction no device program of ours has (r0 += 1).
  auto add = base;
  add.insert(add.begin(), bpf_insn{BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_0, 0, 0, 1});
  CHECK_THROWS_WITH(program_allows(add, C, 1, 3, R), Catch::Contains("opcode 0x07"));
  // r0 read before it is written.
  std::vector<bpf_insn> unset = {bpf_insn{BPF_JMP | BPF_EXIT, 0, 0, 0, 0}};
  CHECK_THROWS_WITH(program_allows(unset, C, 1, 3, R), Catch::Contains("reads r0"));
  // A verdict other than 0 or 1.
  std::vector<bpf_insn> two = {bpf_insn{BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 2},
                               bpf_insn{BPF_JMP | BPF_EXIT, 0, 0, 0, 0}};
  CHECK_THROWS_WITH(program_allows(two, C, 1, 3, R), Catch::Contains("returns 2"));
  // A load outside the context, and running off the end.
  std::vector<bpf_insn> far = {bpf_insn{BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 12, 0}};
  CHECK_THROWS_WITH(program_allows(far, C, 1, 3, R), Catch::Contains("outside the context"));
  std::vector<bpf_insn> open_end = {bpf_insn{BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1}};
  CHECK_THROWS_WITH(program_allows(open_end, C, 1, 3, R), Catch::Contains("past the end"));
}

TEST_CASE("attach_device_program: an empty program is refused before any system call",
          "[cgroup-devices]") {
  CHECK_THROWS_WITH(attach_device_program(-1, {}),
                    "loading the device program: the program is empty");
}
