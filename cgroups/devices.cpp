// Device control on cgroup v2: the rules, the eBPF program that enforces them,
// an interpreter that runs such a program in user space, and the bpf(2) calls
// that put it on a cgroup.
//
// How the program decides (the semantics of the rule list)
// ---------------------------------------------------------
// The kernel runs the program once per access with the device's type, numbers
// and the access asked for as a bit set: mknod asks for m alone, open(2) for r,
// w or both at once (O_RDWR). Each of the three bits is decided on its own, by
// the last rule that matches the device (type, or any for 'a'; major and minor,
// or any for -1) and names that bit; a bit no rule names is denied; the access
// is allowed when every bit it asks for is. So:
//   - an allow rule grants exactly the bits it lists: after "allow c 10:200 r",
//     reading is allowed, writing and mknod are not;
//   - a deny rule takes back the bits it lists, whatever else is asked along
//     with them: after "allow c 10:200 rwm" then "deny c 10:200 w", an O_RDWR
//     open is denied, an O_RDONLY one allowed;
//   - a later rule overrides an earlier one, also across wildcards: "allow
//     c 10:* rwm" then "deny c 10:200 rwm" leaves 10:200 closed and the rest
//     of major 10 open.
// This is what sequential writes to v1's devices.allow/devices.deny meant, and
// what runc gets by replaying the rules through its v1 emulator before it
// builds its program (opencontainers/cgroups devices_emulator.go): v1 merges
// the bits of rules with the same type:major:minor (so "allow r" then "allow w"
// admits O_RDWR, here too), and a v1 deny list refuses an access any of whose
// bits a deny names (match_exception_partial; here too, where runc's program
// only denies when all the bits asked for are named). Where v1 had no answer
// this follows the order of the list: v1 silently kept a wildcard allow that a
// later narrower deny could not punch a hole into, and runc refuses such a list
// ("cannot punch hole in existing wildcard rule"); here the later deny wins.
// An 'a' rule matches every type but keeps its major, minor and access, as
// crun's program reads it; v1 and runc read any 'a' rule as "a *:* rwm".
//
// The program: the rules from last to first, one block each, that compares the
// device and jumps to the next block on a mismatch. r3 holds the bits not yet
// decided; an allow block clears its bits from r3 and allows once none is
// left; a deny block denies if r3 still holds one of its bits. A rule that
// matches everything and names every bit ends the program: the rules before it
// cannot matter.
#include "cgroups/devices.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>

#include "runtime/spec/json_reader.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/fd.hpp"

namespace ocirun::cgroups {
namespace {

using json = nlohmann::json;

constexpr int kAllAccess = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;

// ---------------------------------------------------------------------------
// The rules.

// runc's AllowedDevices (libcontainer/specconv), appended after the config's
// rules: mknod of any device, the devices every container needs, /dev/pts/*,
// /dev/ptmx and /dev/net/tun. runc dropped /dev/console (5:1) in 2020: the
// container's console is a /dev/pts/N (136:N). A default with a path is left
// out when linux.devices lists that path, as runc does.
struct DefaultDevice {
  const char* path;  // "" for rules that are not one device node
  char type;
  int64_t major, minor;
  const char* access;
};

constexpr DefaultDevice kDefaultDevices[] = {
    {"", 'c', -1, -1, "m"},          {"", 'b', -1, -1, "m"},
    {"/dev/null", 'c', 1, 3, "rwm"}, {"/dev/random", 'c', 1, 8, "rwm"},
    {"/dev/full", 'c', 1, 7, "rwm"}, {"/dev/tty", 'c', 5, 0, "rwm"},
    {"/dev/zero", 'c', 1, 5, "rwm"}, {"/dev/urandom", 'c', 1, 9, "rwm"},
    {"", 'c', 136, -1, "rwm"},       {"", 'c', 5, 2, "rwm"},
    {"", 'c', 10, 200, "rwm"},
};

[[noreturn]] void fail(const std::string& field, const std::string& what) {
  spec::fail(spec::Path(field), what);
}

// Access letters → BPF_DEVCG_ACC_* bits; nullopt on a letter other than r, w, m.
std::optional<int> access_bits(const std::string& access) {
  if (access.empty()) return kAllAccess;
  int bits = 0;
  for (char c : access) {
    switch (c) {
      case 'r':
        bits |= BPF_DEVCG_ACC_READ;
        break;
      case 'w':
        bits |= BPF_DEVCG_ACC_WRITE;
        break;
      case 'm':
        bits |= BPF_DEVCG_ACC_MKNOD;
        break;
      default:
        return std::nullopt;
    }
  }
  return bits;
}

std::string access_letters(int bits) {
  std::string s;
  if (bits & BPF_DEVCG_ACC_READ) s += 'r';
  if (bits & BPF_DEVCG_ACC_WRITE) s += 'w';
  if (bits & BPF_DEVCG_ACC_MKNOD) s += 'm';
  return s;
}

// major/minor: absent, null or -1 is any; otherwise a device number (u32, as
// the program's context has it).
int64_t device_number(const json& entry, const char* key, const std::string& field) {
  const json* v = spec::find(entry, key);
  if (!v) return -1;
  if (!v->is_number_integer()) fail(field, "must be an integer, got " + spec::shown(*v));
  constexpr int64_t kMax = std::numeric_limits<uint32_t>::max();
  if (v->is_number_unsigned() ? v->get<uint64_t>() <= uint64_t{kMax}
                              : v->get<int64_t>() >= -1 && v->get<int64_t>() <= kMax)
    return v->get<int64_t>();
  fail(field, "must be -1 (any) or a device number from 0 to 4294967295, got " + spec::shown(*v));
}

DeviceRule parse_rule(const json& entry, const std::string& where) {
  spec::as_object(entry, spec::Path(where));
  DeviceRule rule;

  const json* allow = spec::find(entry, "allow");
  if (!allow) fail(where + ".allow", "is required");
  rule.allow = spec::as_bool(*allow, spec::Path(where + ".allow"));

  // Absent (or "", which Go's omitempty cannot tell from absent and runc
  // takes for "a") means every type.
  if (const json* type = spec::find(entry, "type")) {
    const std::string& t = spec::as_string(*type, spec::Path(where + ".type"));
    if (t == "b" || t == "c")
      rule.type = t[0];
    else if (t != "a" && !t.empty())
      fail(where + ".type", "must be one of a, b, c, got " + spec::shown(*type));
  }

  rule.major = device_number(entry, "major", where + ".major");
  rule.minor = device_number(entry, "minor", where + ".minor");

  // Absent or empty means rwm (runc refuses an empty access; the spec makes
  // the field optional).
  int bits = kAllAccess;
  if (const json* access = spec::find(entry, "access")) {
    auto parsed = access_bits(spec::as_string(*access, spec::Path(where + ".access")));
    if (!parsed) fail(where + ".access", "must be made of r, w and m, got " + spec::shown(*access));
    bits = *parsed;
  }
  rule.access = access_letters(bits);
  return rule;
}

// ---------------------------------------------------------------------------
// Building instructions.

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

// dst = *(u32*)(src + off)
bpf_insn load_word(uint8_t dst, uint8_t src, int16_t off) {
  return insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0);
}
// 32-bit `dst op= imm` (the result is zero-extended to 64 bits).
bpf_insn alu32_imm(uint8_t op, uint8_t dst, int32_t imm) {
  return insn(BPF_ALU | op | BPF_K, dst, 0, 0, imm);
}
// if (dst op imm) goto +off; the offset is patched once the target is known.
bpf_insn jump_imm(uint8_t op, uint8_t dst, int32_t imm) {
  return insn(BPF_JMP | op | BPF_K, dst, 0, 0, imm);
}
bpf_insn jump_reg(uint8_t op, uint8_t dst, uint8_t src) {
  return insn(BPF_JMP | op | BPF_X, dst, src, 0, 0);
}
bpf_insn jump_always() {
  return insn(BPF_JMP | BPF_JA, 0, 0, 0, 0);
}
bpf_insn exit_insn() {
  return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

// The registers the prologue fills from struct bpf_cgroup_dev_ctx.
constexpr uint8_t kCtx = BPF_REG_1;      // the context; scratch after the prologue
constexpr uint8_t kType = BPF_REG_2;     // BPF_DEVCG_DEV_*
constexpr uint8_t kPending = BPF_REG_3;  // BPF_DEVCG_ACC_* bits not decided yet
constexpr uint8_t kMajor = BPF_REG_4;
constexpr uint8_t kMinor = BPF_REG_5;

class Assembler {
 public:
  size_t emit(const bpf_insn& i) {
    insns_.push_back(i);
    return insns_.size() - 1;
  }
  size_t here() const { return insns_.size(); }

  // Points the jump at `from` to `to`.
  void patch(size_t from, size_t to) {
    auto off = static_cast<int64_t>(to) - static_cast<int64_t>(from) - 1;
    if (off < 0 || off > std::numeric_limits<int16_t>::max())
      throw Error("the device rules make a program too long to jump across (" +
                  std::to_string(insns_.size()) + " instructions)");
    insns_[from].off = static_cast<int16_t>(off);
  }
  void patch_all(const std::vector<size_t>& from, size_t to) {
    for (size_t f : from) patch(f, to);
  }

  std::vector<bpf_insn> take() { return std::move(insns_); }

 private:
  std::vector<bpf_insn> insns_;
};

// Emits "if (reg != value) goto next" for a u32 device number. A JMP compares
// against the immediate sign-extended to 64 bits, and the register holds a
// zero-extended u32: a number above INT32_MAX goes through a register instead.
void emit_number_check(Assembler& a, uint8_t reg, int64_t value, std::vector<size_t>& to_next) {
  if (value <= std::numeric_limits<int32_t>::max()) {
    to_next.push_back(a.emit(jump_imm(BPF_JNE, reg, static_cast<int32_t>(value))));
  } else {
    a.emit(insn(BPF_ALU | BPF_MOV | BPF_K, kCtx, 0, 0,
                static_cast<int32_t>(static_cast<uint32_t>(value))));
    to_next.push_back(a.emit(jump_reg(BPF_JNE, reg, kCtx)));
  }
}

// device_program takes rules from anywhere: the ones device_rules would refuse
// are a caller's bug.
int checked_access(const DeviceRule& r) {
  if (r.type != 'a' && r.type != 'b' && r.type != 'c')
    throw Error("device rule: type must be one of a, b, c, got '" + std::string(1, r.type) + "'");
  constexpr int64_t kMax = std::numeric_limits<uint32_t>::max();
  if (r.major < -1 || r.major > kMax || r.minor < -1 || r.minor > kMax)
    throw Error("device rule: major and minor must be -1 or from 0 to 4294967295, got " +
                std::to_string(r.major) + ":" + std::to_string(r.minor));
  auto bits = access_bits(r.access);
  if (!bits) throw Error("device rule: access must be made of r, w and m, got \"" + r.access + '"');
  return *bits;
}

}  // namespace

std::vector<DeviceRule> device_rules(const nlohmann::json& resource_devices,
                                     const std::vector<spec::Device>& linux_devices) {
  const std::string base = "linux.resources.devices";
  std::vector<DeviceRule> rules;
  if (!resource_devices.is_null()) {
    size_t i = 0;
    for (const auto& entry : spec::as_array(resource_devices, spec::Path(base))) {
      rules.push_back(parse_rule(entry, spec::field_element(base, i++)));
    }
  }
  for (const auto& d : kDefaultDevices) {
    bool listed = false;
    if (*d.path)
      for (const auto& ld : linux_devices)
        if (ld.path == d.path) listed = true;
    if (!listed) rules.push_back({true, d.type, d.major, d.minor, d.access});
  }
  return rules;
}

std::vector<bpf_insn> device_program(const std::vector<DeviceRule>& rules) {
  Assembler a;
  // r2 = type, r3 = access (both halves of access_type), r4 = major, r5 = minor.
  a.emit(load_word(kType, kCtx, offsetof(bpf_cgroup_dev_ctx, access_type)));
  a.emit(alu32_imm(BPF_AND, kType, 0xFFFF));
  a.emit(load_word(kPending, kCtx, offsetof(bpf_cgroup_dev_ctx, access_type)));
  a.emit(alu32_imm(BPF_RSH, kPending, 16));
  a.emit(load_word(kMajor, kCtx, offsetof(bpf_cgroup_dev_ctx, major)));
  a.emit(load_word(kMinor, kCtx, offsetof(bpf_cgroup_dev_ctx, minor)));

  std::vector<size_t> to_allow, to_deny;
  bool falls_through = true;  // whether the last block can fall through to the end
  for (auto it = rules.rbegin(); it != rules.rend(); ++it) {
    const DeviceRule& r = *it;
    const int bits = checked_access(r);

    std::vector<size_t> to_next;
    if (r.type != 'a')
      to_next.push_back(a.emit(
          jump_imm(BPF_JNE, kType, r.type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR)));
    if (r.major >= 0) emit_number_check(a, kMajor, r.major, to_next);
    if (r.minor >= 0) emit_number_check(a, kMinor, r.minor, to_next);

    if (bits == kAllAccess) {
      // Decides every bit still pending.
      (r.allow ? to_allow : to_deny).push_back(a.emit(jump_always()));
    } else if (r.allow) {
      a.emit(alu32_imm(BPF_AND, kPending, ~bits));
      to_allow.push_back(a.emit(jump_imm(BPF_JEQ, kPending, 0)));
    } else {
      to_deny.push_back(a.emit(jump_imm(BPF_JSET, kPending, bits)));
    }
    a.patch_all(to_next, a.here());
    if (to_next.empty() && bits == kAllAccess) {
      falls_through = false;  // matches everything: earlier rules cannot matter
      break;
    }
  }

  // The verifier refuses unreachable instructions: each exit only if used.
  if (falls_through || !to_deny.empty()) {
    a.patch_all(to_deny, a.here());
    a.emit(insn(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0));
    a.emit(exit_insn());
  }
  if (!to_allow.empty()) {
    a.patch_all(to_allow, a.here());
    a.emit(insn(BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1));
    a.emit(exit_insn());
  }
  return a.take();
}

// ---------------------------------------------------------------------------
// The interpreter: exactly the instructions device_program emits, with the
// checks the verifier would make on them (a register read before it is
// written, a load from anything but the context, r0 other than 0 or 1).

bool program_allows(const std::vector<bpf_insn>& prog, int type, uint32_t major, uint32_t minor,
                    int access_bits) {
  bpf_cgroup_dev_ctx ctx{};
  ctx.access_type = (static_cast<uint32_t>(access_bits) << 16) | static_cast<uint32_t>(type);
  ctx.major = major;
  ctx.minor = minor;

  std::array<uint64_t, 11> reg{};
  std::array<bool, 11> set{};
  std::array<bool, 11> is_ctx{};
  set[BPF_REG_1] = is_ctx[BPF_REG_1] = true;

  auto where = [](size_t pc) { return "instruction " + std::to_string(pc) + ": "; };
  auto read = [&](size_t pc, uint8_t r) -> uint64_t {
    if (r > BPF_REG_10 || !set[r])
      throw Error(where(pc) + "reads r" + std::to_string(r) + " before it is written");
    if (is_ctx[r]) throw Error(where(pc) + "uses the context pointer as a number");
    return reg[r];
  };
  auto write = [&](size_t pc, uint8_t r, uint64_t v) {
    if (r >= BPF_REG_10) throw Error(where(pc) + "writes r" + std::to_string(r));
    reg[r] = v;
    set[r] = true;
    is_ctx[r] = false;
  };

  size_t pc = 0;
  for (size_t steps = 0; steps <= prog.size(); ++steps) {
    if (pc >= prog.size()) throw Error(where(pc) + "runs past the end of the program");
    const bpf_insn& i = prog[pc];
    const uint8_t cls = BPF_CLASS(i.code), op = BPF_OP(i.code);
    const bool by_reg = BPF_SRC(i.code) == BPF_X;
    auto unknown = [&] {
      char code[8];
      std::snprintf(code, sizeof code, "0x%02x", i.code);
      return Error(where(pc) + "opcode " + code + " is not one device programs use");
    };

    if (i.code == (BPF_LDX | BPF_MEM | BPF_W)) {
      if (i.src_reg > BPF_REG_10 || !is_ctx[i.src_reg])
        throw Error(where(pc) + "loads from r" + std::to_string(i.src_reg) +
                    ", which is not the context");
      if (i.off < 0 || i.off % 4 != 0 || static_cast<size_t>(i.off) + 4 > sizeof ctx)
        throw Error(where(pc) + "loads outside the context (offset " + std::to_string(i.off) + ")");
      uint32_t word;
      std::memcpy(&word, reinterpret_cast<const char*>(&ctx) + i.off, sizeof word);
      write(pc, i.dst_reg, word);
      ++pc;
    } else if (cls == BPF_ALU) {  // 32-bit: operands truncated, result zero-extended
      uint32_t src =
          by_reg ? static_cast<uint32_t>(read(pc, i.src_reg)) : static_cast<uint32_t>(i.imm);
      uint32_t v;
      switch (op) {
        case BPF_MOV:
          v = src;
          break;
        case BPF_AND:
          v = static_cast<uint32_t>(read(pc, i.dst_reg)) & src;
          break;
        case BPF_RSH:
          if (src >= 32) throw Error(where(pc) + "shifts by " + std::to_string(src));
          v = static_cast<uint32_t>(read(pc, i.dst_reg)) >> src;
          break;
        default:
          throw unknown();
      }
      write(pc, i.dst_reg, v);
      ++pc;
    } else if (cls == BPF_JMP) {
      if (op == BPF_EXIT) {
        uint64_t r0 = read(pc, BPF_REG_0);
        if (r0 > 1) throw Error(where(pc) + "returns " + std::to_string(r0) + ", not 0 or 1");
        return r0 == 1;
      }
      bool taken;
      if (op == BPF_JA) {
        taken = true;
      } else {
        // 64-bit compares: an immediate is sign-extended.
        uint64_t dst = read(pc, i.dst_reg);
        uint64_t src =
            by_reg ? read(pc, i.src_reg) : static_cast<uint64_t>(static_cast<int64_t>(i.imm));
        switch (op) {
          case BPF_JEQ:
            taken = dst == src;
            break;
          case BPF_JNE:
            taken = dst != src;
            break;
          case BPF_JSET:
            taken = (dst & src) != 0;
            break;
          default:
            throw unknown();
        }
      }
      if (taken) {
        if (i.off < 0) throw Error(where(pc) + "jumps backwards");
        pc += static_cast<size_t>(i.off);
      }
      ++pc;
    } else {
      throw unknown();
    }
  }
  throw Error("the program does not exit");
}

// ---------------------------------------------------------------------------
// Loading and attaching.

namespace {

long bpf(int cmd, bpf_attr& attr) {
  return ::syscall(SYS_bpf, cmd, &attr, sizeof attr);
}

uint64_t ptr(const void* p) {
  return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p));
}

// The verifier's reason: the last line of its log, not counting the
// statistics it ends with ("processed 1 insns (limit 1000000) ...").
std::string verifier_reason(const std::vector<char>& log) {
  std::string_view s(log.data(), strnlen(log.data(), log.size()));
  while (!s.empty()) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
    auto nl = s.rfind('\n');
    std::string_view line = nl == std::string_view::npos ? s : s.substr(nl + 1);
    if (!line.starts_with("processed ") && !line.starts_with("verification time") &&
        !line.starts_with("stack depth"))
      return std::string(line);
    s.remove_suffix(line.size());
  }
  return "";
}

UniqueFd load_program(const std::vector<bpf_insn>& prog) {
  static const char kLicense[] = "Apache-2.0";  // no GPL-only helper is called
  bpf_attr attr{};
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = ptr(prog.data());
  attr.insn_cnt = static_cast<uint32_t>(prog.size());
  attr.license = ptr(kLicense);
  std::strncpy(attr.prog_name, "ocirun_devices", sizeof attr.prog_name - 1);

  long fd = bpf(BPF_PROG_LOAD, attr);
  if (fd < 0 && errno == EPERM) {
    // Before Linux 5.11 a program is charged to RLIMIT_MEMLOCK: retry with
    // the soft limit raised as far as allowed, then put it back (the
    // container's processes must not inherit the raised limit).
    rlimit old{};
    if (getrlimit(RLIMIT_MEMLOCK, &old) == 0) {
      rlimit raised{RLIM_INFINITY, RLIM_INFINITY};
      if (setrlimit(RLIMIT_MEMLOCK, &raised) != 0) {
        raised = {old.rlim_max, old.rlim_max};
        setrlimit(RLIMIT_MEMLOCK, &raised);
      }
      fd = bpf(BPF_PROG_LOAD, attr);
      int err = errno;
      setrlimit(RLIMIT_MEMLOCK, &old);
      errno = err;
    }
  }
  if (fd >= 0) return UniqueFd(static_cast<int>(fd));

  // Again with the verifier's log, for its last line (the reason).
  int err = errno;
  std::string reason;
  for (size_t size = 64 * 1024; size <= 16 * 1024 * 1024; size *= 4) {
    std::vector<char> log(size, '\0');
    attr.log_level = 1;
    attr.log_buf = ptr(log.data());
    attr.log_size = static_cast<uint32_t>(log.size());
    fd = bpf(BPF_PROG_LOAD, attr);
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    reason = verifier_reason(log);
    if (errno != ENOSPC) {
      err = errno;
      break;
    }
  }
  std::string msg = "bpf(BPF_PROG_LOAD): ";
  msg += std::strerror(err);
  if (!reason.empty()) {
    msg += " (verifier: ";
    msg += reason;
    msg += ')';
  }
  throw Error(std::move(msg), err);
}

uint32_t program_id(int prog_fd) {
  bpf_prog_info info{};
  bpf_attr attr{};
  attr.info.bpf_fd = static_cast<uint32_t>(prog_fd);
  attr.info.info_len = sizeof info;
  attr.info.info = ptr(&info);
  if (bpf(BPF_OBJ_GET_INFO_BY_FD, attr) < 0) throw_errno("bpf(BPF_OBJ_GET_INFO_BY_FD)");
  return info.id;
}

// The ids of the device programs attached to the cgroup itself.
std::vector<uint32_t> attached_programs(int cgroup_fd) {
  std::vector<uint32_t> ids(64);
  for (;;) {
    bpf_attr attr{};
    attr.query.target_fd = static_cast<uint32_t>(cgroup_fd);
    attr.query.attach_type = BPF_CGROUP_DEVICE;
    attr.query.prog_ids = ptr(ids.data());
    attr.query.prog_cnt = static_cast<uint32_t>(ids.size());
    if (bpf(BPF_PROG_QUERY, attr) == 0) {
      ids.resize(std::min<size_t>(attr.query.prog_cnt, ids.size()));
      return ids;
    }
    // ENOSPC: prog_cnt now says how many there are.
    if (errno != ENOSPC || attr.query.prog_cnt <= ids.size()) throw_errno("bpf(BPF_PROG_QUERY)");
    ids.resize(attr.query.prog_cnt);
  }
}

}  // namespace

void attach_device_program(int cgroup_fd, const std::vector<bpf_insn>& prog) {
  if (prog.empty()) throw Error("loading the device program: the program is empty");
  UniqueFd fd = with_context("loading the device program", [&] { return load_program(prog); });

  with_context("attaching the device program to the cgroup", [&] {
    bpf_attr attr{};
    attr.target_fd = static_cast<uint32_t>(cgroup_fd);
    attr.attach_bpf_fd = static_cast<uint32_t>(fd.get());
    attr.attach_type = BPF_CGROUP_DEVICE;
    attr.attach_flags = BPF_F_ALLOW_MULTI;
    if (bpf(BPF_PROG_ATTACH, attr) < 0) throw_errno("bpf(BPF_PROG_ATTACH)");
  });

  // Every attached program must allow an access, so until the earlier ones
  // are gone the cgroup gets the stricter of old and new, never neither.
  uint32_t self =
      with_context("identifying the device program", [&] { return program_id(fd.get()); });
  auto ids = with_context("listing the cgroup's device programs",
                          [&] { return attached_programs(cgroup_fd); });
  for (uint32_t id : ids) {
    if (id == self) continue;
    with_context("detaching the earlier device program " + std::to_string(id) + " from the cgroup",
                 [&] {
                   bpf_attr attr{};
                   attr.prog_id = id;
                   long old = bpf(BPF_PROG_GET_FD_BY_ID, attr);
                   if (old < 0) {
                     if (errno == ENOENT) return;  // detached meanwhile
                     throw_errno("bpf(BPF_PROG_GET_FD_BY_ID)");
                   }
                   UniqueFd old_fd(static_cast<int>(old));
                   attr = {};
                   attr.target_fd = static_cast<uint32_t>(cgroup_fd);
                   attr.attach_bpf_fd = static_cast<uint32_t>(old_fd.get());
                   attr.attach_type = BPF_CGROUP_DEVICE;
                   if (bpf(BPF_PROG_DETACH, attr) < 0 && errno != ENOENT)
                     throw_errno("bpf(BPF_PROG_DETACH)");
                 });
  }
}

}  // namespace ocirun::cgroups
