// linux.seccomp → RuleSet → libseccomp filter. The choices where the spec
// leaves room follow runc (libcontainer/seccomp): see filter.hpp.
#include "seccomp/filter.hpp"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>

#include "runtime/log.hpp"
#include "runtime/spec/json_reader.hpp"
#include "runtime/spec/tables.hpp"
#include "runtime/sys/error.hpp"
#include "runtime/sys/syscalls.hpp"

namespace ocirun::seccomp {

namespace {

using nlohmann::json;

struct ActionName {
  std::string_view name;
  uint32_t kind;
};
// Every action of spec::kSeccompActions (a unit test checks the two agree).
constexpr ActionName kActions[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL},  // the same as KILL_THREAD
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0)},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0)},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY},
};

struct OperatorName {
  std::string_view name;
  scmp_compare op;
};
constexpr OperatorName kOperators[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

// Syscalls have six arguments at most (libseccomp: SCMP_A0 .. SCMP_A5).
constexpr unsigned kMaxArgs = 6;

// Concatenation by appending (GCC 12 warns falsely, -Wrestrict, on "lit" + std::string).
template <class... T>
std::string cat(const T&... parts) {
  std::string s;
  (s.append(std::string_view(parts)), ...);
  return s;
}

[[noreturn]] void fail(const std::string& field, std::string_view msg) {
  spec::fail(spec::Path(field), msg);
}

std::string in_quotes(std::string_view s) {
  return cat("\"", s, "\"");
}

std::string index_field(const std::string& field, size_t i) {
  return spec::field_element(field, i);
}

std::string member_field(const std::string& field, std::string_view key) {
  return spec::field_member(field, key);
}

// Typed reads, through the loader's reader (runtime/spec/json_reader.hpp):
// `exec` plans the bundle's document unvalidated, so every read checks.
using spec::find;

const std::string& string_of(const json& v, const std::string& field) {
  return spec::as_string(v, spec::Path(field));
}

uint64_t unsigned_of(const json& v, const std::string& field, uint64_t max) {
  uint64_t n = spec::as_integer<uint64_t>(v, spec::Path(field));
  if (n > max)
    fail(field, cat(std::to_string(n), " is out of range (at most ", std::to_string(max), ")"));
  return n;
}

const json& array_of(const json& v, const std::string& field) {
  spec::as_array(v, spec::Path(field));
  return v;
}

void object_of(const json& v, const std::string& field) {
  spec::as_object(v, spec::Path(field));
}

bool takes_errno(uint32_t kind) {
  return kind == SCMP_ACT_ERRNO(0) || kind == SCMP_ACT_TRACE(0);
}

// `action_field` names the action, `errno_field` the errnoRet beside it.
Action action_of(const json& name, const json* errno_ret, const std::string& action_field,
                 const std::string& errno_field) {
  const std::string& s = string_of(name, action_field);
  auto it = std::find_if(std::begin(kActions), std::end(kActions),
                         [&](const ActionName& a) { return a.name == s; });
  if (it == std::end(kActions)) fail(action_field, cat("unknown action ", in_quotes(s)));
  Action a;
  a.kind = it->kind;
  if (errno_ret) {
    // The kernel keeps 16 bits of it (SECCOMP_RET_DATA); more would be cut silently.
    auto e = static_cast<uint32_t>(unsigned_of(*errno_ret, errno_field, 0xffff));
    if (!takes_errno(a.kind))
      fail(errno_field, cat("only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, not ", s));
    a.errno_ret = e;
  } else if (takes_errno(a.kind)) {
    a.errno_ret = EPERM;
  }
  return a;
}

// "SCMP_ARCH_X86_64" → SCMP_ARCH_X86_64; libseccomp knows its architectures by
// the lowercase name after the prefix ("x86_64").
uint32_t arch_of(const std::string& s, const std::string& field) {
  if (std::find(std::begin(spec::kSeccompArchs), std::end(spec::kSeccompArchs), s) ==
      std::end(spec::kSeccompArchs))
    fail(field, cat("unknown architecture ", in_quotes(s)));
  std::string lower = s.substr(std::string_view("SCMP_ARCH_").size());
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  uint32_t arch = seccomp_arch_resolve_name(lower.c_str());
  if (arch == 0) {
    const scmp_version* v = seccomp_version();
    fail(field, cat("architecture ", in_quotes(s), " is not supported by libseccomp ",
                    std::to_string(v->major), ".", std::to_string(v->minor), ".",
                    std::to_string(v->micro)));
  }
  return arch;
}

std::string arch_name(uint32_t arch) {
  for (std::string_view s : spec::kSeccompArchs) {
    std::string lower(s.substr(std::string_view("SCMP_ARCH_").size()));
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (seccomp_arch_resolve_name(lower.c_str()) == arch) return std::string(s);
  }
  return std::to_string(arch);
}

ArgCompare arg_of(const json& a, const std::string& field) {
  object_of(a, field);
  ArgCompare c;
  const json* index = find(a, "index");
  const json* value = find(a, "value");
  const json* op = find(a, "op");
  if (!index) fail(member_field(field, "index"), "is required");
  if (!value) fail(member_field(field, "value"), "is required");
  if (!op) fail(member_field(field, "op"), "is required");
  c.index = static_cast<unsigned>(unsigned_of(*index, member_field(field, "index"), kMaxArgs - 1));
  c.value = unsigned_of(*value, member_field(field, "value"), UINT64_MAX);
  if (const json* two = find(a, "valueTwo"))
    c.value_two = unsigned_of(*two, member_field(field, "valueTwo"), UINT64_MAX);
  const std::string& name = string_of(*op, member_field(field, "op"));
  auto it = std::find_if(std::begin(kOperators), std::end(kOperators),
                         [&](const OperatorName& o) { return o.name == name; });
  if (it == std::end(kOperators))
    fail(member_field(field, "op"), cat("unknown operator ", in_quotes(name)));
  c.op = it->op;
  return c;
}

void syscalls_of(const json& list, const std::string& field, RuleSet& out) {
  array_of(list, field);
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string f = index_field(field, i);
    const json& e = list[i];
    object_of(e, f);
    const json* names = find(e, "names");
    const json* action = find(e, "action");
    if (!names) fail(member_field(f, "names"), "is required");
    if (!action) fail(member_field(f, "action"), "is required");
    array_of(*names, member_field(f, "names"));
    if (names->empty()) fail(member_field(f, "names"), "must name at least one syscall");
    Action act = action_of(*action, find(e, "errnoRet"), member_field(f, "action"),
                           member_field(f, "errnoRet"));
    std::vector<ArgCompare> args;
    if (const json* a = find(e, "args")) {
      array_of(*a, member_field(f, "args"));
      for (size_t k = 0; k < a->size(); ++k)
        args.push_back(arg_of((*a)[k], index_field(member_field(f, "args"), k)));
    }
    for (size_t k = 0; k < names->size(); ++k) {
      const std::string nf = index_field(member_field(f, "names"), k);
      const std::string& name = string_of((*names)[k], nf);
      if (name.empty()) fail(nf, "empty syscall name");
      if (act.kind == SCMP_ACT_NOTIFY && name == "sendmsg")
        fail(f,
             "SCMP_ACT_NOTIFY cannot be used for \"sendmsg\": the init hands the listener fd "
             "over with it");
      out.rules.push_back(Rule{name, act, args, f});
    }
    out.uses_notify |= act.kind == SCMP_ACT_NOTIFY;
  }
}

[[noreturn]] void fail_libseccomp(const std::string& what, int rc) {
  throw_errno(what, -rc);
}

// The kernel's flag for a config flag (seccomp(2)'s SECCOMP_FILTER_FLAG_*).
unsigned int kernel_flag(std::string_view flag) {
  if (flag == "SECCOMP_FILTER_FLAG_TSYNC") return SECCOMP_FILTER_FLAG_TSYNC;
  if (flag == "SECCOMP_FILTER_FLAG_LOG") return SECCOMP_FILTER_FLAG_LOG;
  if (flag == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") return SECCOMP_FILTER_FLAG_SPEC_ALLOW;
  if (flag == "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")
    return SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
  return 0;
}

// Whether the kernel takes `flag`, probed as libseccomp does: with no program,
// a known flag fails on the program (EFAULT), an unknown one before (EINVAL).
bool kernel_has_flag(unsigned int flag) {
  return ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, nullptr) < 0 && errno == EFAULT;
}

// A filter attribute for a config flag, or nothing when this libseccomp has none.
std::optional<scmp_filter_attr> flag_attribute(std::string_view flag) {
  if (flag == "SECCOMP_FILTER_FLAG_TSYNC") return SCMP_FLTATR_CTL_TSYNC;
  if (flag == "SECCOMP_FILTER_FLAG_LOG") return SCMP_FLTATR_CTL_LOG;
  if (flag == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") return SCMP_FLTATR_CTL_SSB;
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
  if (flag == "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") return SCMP_FLTATR_CTL_WAITKILL;
#endif
  return std::nullopt;
}

void add_rule(scmp_filter_ctx ctx, const Rule& r, uint32_t action, int nr) {
  std::vector<scmp_arg_cmp> cmps;
  unsigned count[kMaxArgs] = {};
  bool repeated = false;
  for (const ArgCompare& a : r.args) {
    cmps.push_back(scmp_arg_cmp{a.index, static_cast<scmp_compare>(a.op), a.value, a.value_two});
    repeated |= ++count[a.index] > 1;
  }
  auto add = [&](unsigned n, const scmp_arg_cmp* c) {
    int rc = seccomp_rule_add_array(ctx, action, nr, n, c);
    if (rc < 0)
      fail_libseccomp(
          cat(r.field, ": adding the rule for ", in_quotes(r.name), ": seccomp_rule_add"), rc);
  };
  if (!repeated) {
    add(static_cast<unsigned>(cmps.size()), cmps.data());
  } else {
    // libseccomp takes one comparison per argument in a rule (EINVAL); as
    // runc and crun do, each comparison becomes a rule of its own.
    for (const scmp_arg_cmp& c : cmps) add(1, &c);
  }
}

std::string export_with(const Filter& f, int (*exporter)(const scmp_filter_ctx, int),
                        const char* what) {
  if (!f.ctx()) throw Error(cat(what, ": no seccomp filter"));
  UniqueFd fd(::memfd_create("ocirun-seccomp", MFD_CLOEXEC));
  if (!fd) throw_errno("memfd_create");
  int rc = exporter(f.ctx(), fd.get());
  if (rc < 0) fail_libseccomp(what, rc);
  if (::lseek(fd.get(), 0, SEEK_SET) < 0) throw_errno("lseek");
  return sys::read_fd(fd.get(), what);
}

// The architecture the kernel reports in seccomp_data.arch: SCMP_ARCH_* are
// the AUDIT_ARCH_* values, except x32's, which the kernel reports as x86_64
// (its calls are told apart by __X32_SYSCALL_BIT).
uint32_t audit_arch(uint32_t arch) {
  return arch == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : arch;
}

constexpr uint32_t kX32SyscallBit = 0x40000000;  // __X32_SYSCALL_BIT
constexpr uint32_t kRetEnosys = SECCOMP_RET_ERRNO | ENOSYS;

// Builds the stub's instructions with symbolic jump targets, resolved to
// classic BPF's relative offsets (8 bits for conditional jumps) by finish().
class StubAssembler {
 public:
  using Label = size_t;
  Label label() {
    at_.push_back(kUnbound);
    return at_.size() - 1;
  }
  void bind(Label l) { at_[l] = code_.size(); }
  void load(uint32_t offset) { code_.push_back({BPF_LD | BPF_W | BPF_ABS, offset, {}, {}}); }
  void ret(uint32_t value) { code_.push_back({BPF_RET | BPF_K, value, {}, {}}); }
  void jump(Label to) { code_.push_back({BPF_JMP | BPF_JA, 0, to, {}}); }
  // if (A op k) goto yes else goto no; a target of nullopt: the next instruction.
  void jump_if(uint16_t op, uint32_t k, std::optional<Label> yes, std::optional<Label> no) {
    code_.push_back({static_cast<uint16_t>(BPF_JMP | op | BPF_K), k, yes, no});
  }
  std::vector<sock_filter> finish() const {
    std::vector<sock_filter> out;
    for (size_t pc = 0; pc < code_.size(); ++pc) {
      const Insn& i = code_[pc];
      sock_filter f{i.code, 0, 0, i.k};
      if (i.code == (BPF_JMP | BPF_JA)) {
        f.k = static_cast<uint32_t>(offset(pc, *i.yes));
      } else if (BPF_CLASS(i.code) == BPF_JMP) {
        f.jt = short_offset(pc, i.yes);
        f.jf = short_offset(pc, i.no);
      }
      out.push_back(f);
    }
    return out;
  }

 private:
  static constexpr size_t kUnbound = SIZE_MAX;
  struct Insn {
    uint16_t code;
    uint32_t k;
    std::optional<Label> yes, no;
  };
  size_t offset(size_t pc, Label to) const {
    if (at_[to] == kUnbound || at_[to] <= pc) throw Error("seccomp ENOSYS stub: bad jump target");
    return at_[to] - pc - 1;
  }
  uint8_t short_offset(size_t pc, std::optional<Label> to) const {
    if (!to) return 0;
    size_t off = offset(pc, *to);
    if (off > 255) throw Error("seccomp ENOSYS stub: jump out of range");
    return static_cast<uint8_t>(off);
  }
  std::vector<Insn> code_;
  std::vector<size_t> at_;
};

}  // namespace

std::vector<LastSyscall> last_syscalls(const RuleSet& rules) {
  const Action& def = rules.default_action;
  if (def.kind == SCMP_ACT_ALLOW || def.kind == SCMP_ACT_LOG || def.kind == SCMP_ACT_TRACE(0) ||
      (def.kind == SCMP_ACT_ERRNO(0) && def.errno_ret == uint32_t{ENOSYS}))
    return {};
  std::vector<LastSyscall> out;
  for (uint32_t arch : rules.architectures) {
    int largest = 0;
    for (const Rule& r : rules.rules)
      largest = std::max(largest, seccomp_syscall_resolve_name_arch(arch, r.name.c_str()));
    if (largest > 0) out.push_back({arch, static_cast<uint32_t>(largest)});
  }
  return out;
}

std::vector<sock_filter> enosys_stub(const std::vector<LastSyscall>& last) {
  if (last.empty()) return {};
  // The architectures as the kernel reports them, in their first order (the
  // native one first: the first comparison its calls make matches).
  std::vector<uint32_t> audits;
  for (const LastSyscall& l : last)
    if (std::find(audits.begin(), audits.end(), audit_arch(l.arch)) == audits.end())
      audits.push_back(audit_arch(l.arch));
  auto largest = [&](uint32_t arch) -> std::optional<uint32_t> {
    for (const LastSyscall& l : last)
      if (l.arch == arch) return l.nr;
    return std::nullopt;
  };

  StubAssembler a;
  const auto enosys = a.label();
  const auto filter = a.label();
  std::vector<StubAssembler::Label> sections;
  a.load(offsetof(seccomp_data, arch));
  for (uint32_t audit : audits) {
    sections.push_back(a.label());
    a.jump_if(BPF_JEQ, audit, sections.back(), std::nullopt);
  }
  a.jump(filter);
  for (size_t i = 0; i < audits.size(); ++i) {
    const uint32_t audit = audits[i];
    a.bind(sections[i]);
    a.load(offsetof(seccomp_data, nr));
    if (audit == AUDIT_ARCH_S390 || audit == AUDIT_ARCH_S390X)
      a.jump_if(BPF_JEQ, 0, enosys, std::nullopt);
    if (audit == AUDIT_ARCH_X86_64) {
      const auto x86_64 = largest(SCMP_ARCH_X86_64);
      const auto x32 = largest(SCMP_ARCH_X32);
      const auto x32_check = a.label();
      a.jump_if(BPF_JSET, kX32SyscallBit, x32 ? x32_check : filter,
                x86_64 ? std::nullopt : std::optional(filter));
      if (x86_64) a.jump_if(BPF_JGT, *x86_64, enosys, filter);
      if (x32) {
        a.bind(x32_check);
        a.jump_if(BPF_JGT, *x32, enosys, filter);
      }
    } else {
      for (const LastSyscall& l : last)
        if (l.arch == audit) a.jump_if(BPF_JGT, l.nr, enosys, filter);
    }
  }
  a.bind(enosys);
  a.ret(kRetEnosys);
  a.bind(filter);
  return a.finish();
}

uint32_t scmp_action(const Action& a) {
  return a.kind | (a.errno_ret.value_or(0) & 0xffffU);
}

RuleSet plan(const json& seccomp) {
  const std::string base = "linux.seccomp";
  object_of(seccomp, base);
  RuleSet out;

  const json* def = find(seccomp, "defaultAction");
  if (!def) fail(member_field(base, "defaultAction"), "is required");
  out.default_action =
      action_of(*def, find(seccomp, "defaultErrnoRet"), member_field(base, "defaultAction"),
                member_field(base, "defaultErrnoRet"));
  if (out.default_action.kind == SCMP_ACT_NOTIFY)
    fail(member_field(base, "defaultAction"),
         "SCMP_ACT_NOTIFY cannot be the default action (the init's own calls after loading "
         "the filter would wait for an agent that has no fd yet)");

  out.architectures.push_back(seccomp_arch_native());
  if (const json* archs = find(seccomp, "architectures")) {
    const std::string f = member_field(base, "architectures");
    array_of(*archs, f);
    for (size_t i = 0; i < archs->size(); ++i) {
      const std::string af = index_field(f, i);
      uint32_t arch = arch_of(string_of((*archs)[i], af), af);
      if (std::find(out.architectures.begin(), out.architectures.end(), arch) ==
          out.architectures.end())
        out.architectures.push_back(arch);
    }
  }

  if (const json* flags = find(seccomp, "flags")) {
    const std::string f = member_field(base, "flags");
    array_of(*flags, f);
    for (size_t i = 0; i < flags->size(); ++i) {
      const std::string ff = index_field(f, i);
      const std::string& flag = string_of((*flags)[i], ff);
      if (std::find(std::begin(spec::kSeccompFlags), std::end(spec::kSeccompFlags), flag) ==
          std::end(spec::kSeccompFlags))
        fail(ff, cat("unknown flag ", in_quotes(flag)));
      out.flags.push_back(flag);
    }
  } else {
    out.flags.push_back("SECCOMP_FILTER_FLAG_SPEC_ALLOW");
  }

  if (const json* p = find(seccomp, "listenerPath"))
    out.listener_path = string_of(*p, member_field(base, "listenerPath"));
  if (const json* m = find(seccomp, "listenerMetadata")) {
    out.listener_metadata = string_of(*m, member_field(base, "listenerMetadata"));
    if (out.listener_path.empty())
      fail(member_field(base, "listenerMetadata"), "set without listenerPath");
  }

  if (const json* calls = find(seccomp, "syscalls"))
    syscalls_of(*calls, member_field(base, "syscalls"), out);

  if (out.uses_notify && out.listener_path.empty())
    fail(member_field(base, "listenerPath"), "required with SCMP_ACT_NOTIFY");
  return out;
}

std::vector<std::string_view> supported_flags() {
  std::vector<std::string_view> out;
  for (std::string_view flag : spec::kSeccompFlags)
    if (flag_attribute(flag)) out.push_back(flag);
  return out;
}

std::string library_version() {
  const scmp_version* v = seccomp_version();
  if (!v) return "";
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->micro);
}

Filter::Filter() = default;
Filter::Filter(void* ctx) : ctx_(ctx) {}
Filter::~Filter() {
  if (ctx_) seccomp_release(ctx_);
}
Filter::Filter(Filter&& o) noexcept
    : notify(o.notify),
      program(std::move(o.program)),
      load_flags(o.load_flags),
      ctx_(std::exchange(o.ctx_, nullptr)) {}
Filter& Filter::operator=(Filter&& o) noexcept {
  if (this != &o) {
    if (ctx_) seccomp_release(ctx_);
    ctx_ = std::exchange(o.ctx_, nullptr);
    notify = o.notify;
    program = std::move(o.program);
    load_flags = o.load_flags;
  }
  return *this;
}

Filter build(const RuleSet& rules, std::vector<std::string>* skipped) {
  const uint32_t def = scmp_action(rules.default_action);
  Filter f(seccomp_init(def));
  f.notify = rules.uses_notify;
  scmp_filter_ctx ctx = f.ctx();
  if (!ctx) throw Error("linux.seccomp: seccomp_init failed");

  // The runtime sets NO_NEW_PRIVS itself, from process.noNewPrivileges
  // (load() does not go through libseccomp; this keeps its context honest).
  int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
  if (rc < 0) fail_libseccomp("linux.seccomp: seccomp_attr_set NNP", rc);

  for (uint32_t arch : rules.architectures) {
    rc = seccomp_arch_add(ctx, arch);
    if (rc < 0 && rc != -EEXIST)
      fail_libseccomp(
          cat("linux.seccomp.architectures: adding ", arch_name(arch), ": seccomp_arch_add"), rc);
  }

  // libseccomp's attributes probe the kernel (EOPNOTSUPP): a flag it sets is
  // one load() passes.
  for (const std::string& flag : rules.flags) {
    auto attr = flag_attribute(flag);
    if (!attr) {
      log::debug(cat("linux.seccomp.flags: ", flag, " needs libseccomp 2.6; not set"));
      continue;
    }
    rc = seccomp_attr_set(ctx, *attr, 1);
    if (rc == -EOPNOTSUPP) {
      log::debug(cat("linux.seccomp.flags: ", flag, " is not supported by this kernel; not set"));
      continue;
    }
    if (rc < 0)
      fail_libseccomp(cat("linux.seccomp.flags: setting ", flag, ": seccomp_attr_set"), rc);
    f.load_flags |= kernel_flag(flag);
  }
  if (f.notify) {
    f.load_flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
    // The kernel takes TSYNC with a listener only with TSYNC_ESRCH (Linux
    // 5.7). Without it TSYNC goes: the loading process has no other thread.
    if ((f.load_flags & SECCOMP_FILTER_FLAG_TSYNC) &&
        !kernel_has_flag(SECCOMP_FILTER_FLAG_TSYNC_ESRCH)) {
      log::debug("linux.seccomp.flags: TSYNC with SCMP_ACT_NOTIFY needs Linux 5.7; not set");
      f.load_flags &= ~static_cast<unsigned int>(SECCOMP_FILTER_FLAG_TSYNC);
    }
    if (f.load_flags & SECCOMP_FILTER_FLAG_TSYNC) f.load_flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
  } else if (f.load_flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) {
    // It applies to the listener only; the kernel refuses it without one.
    f.load_flags &= ~static_cast<unsigned int>(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
  }

  // As runc: a binary tree for long rule lists (libseccomp <= 2.5.4 mishandles
  // it without rules; 32 is runc's threshold).
  if (rules.rules.size() > 32 && seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0)
    log::debug("linux.seccomp: libseccomp has no binary tree optimization");

  for (const Rule& r : rules.rules) {
    const uint32_t action = scmp_action(r.action);
    if (action == def) continue;  // libseccomp refuses it (EACCES); it changes nothing
    int nr = seccomp_syscall_resolve_name(r.name.c_str());
    if (nr == __NR_SCMP_ERROR) {
      if (skipped)
        skipped->push_back(r.name);
      else
        log::debug(cat("linux.seccomp: syscall ", in_quotes(r.name),
                       " is unknown here; its rule is skipped"));
      continue;
    }
    add_rule(ctx, r, action, nr);
  }

  // The program load() hands to the kernel: the ENOSYS stub, then libseccomp's.
  const std::vector<LastSyscall> last = last_syscalls(rules);
  for (const LastSyscall& l : last) {
    const bool x32 = l.arch == SCMP_ARCH_X32;
    log::debug(cat("linux.seccomp: ", arch_name(l.arch), ": syscalls above ",
                   x32 ? "__X32_SYSCALL_BIT|" : "",
                   std::to_string(x32 ? l.nr & ~kX32SyscallBit : l.nr), " get ENOSYS"));
  }
  f.program = enosys_stub(last);
  const std::vector<uint8_t> bpf = export_bpf(f);
  if (bpf.empty() || bpf.size() % sizeof(sock_filter) != 0)
    throw Error("linux.seccomp: seccomp_export_bpf gave no whole program");
  const size_t stub = f.program.size();
  f.program.resize(stub + bpf.size() / sizeof(sock_filter));
  std::memcpy(f.program.data() + stub, bpf.data(), bpf.size());
  if (f.program.size() > BPF_MAXINSNS)
    throw Error(cat("linux.seccomp: the filter has ", std::to_string(f.program.size()),
                    " BPF instructions; the kernel takes at most ", std::to_string(BPF_MAXINSNS)));
  return f;
}

std::string export_pfc(const Filter& f) {
  return export_with(f, seccomp_export_pfc, "seccomp_export_pfc");
}

std::vector<uint8_t> export_bpf(const Filter& f) {
  std::string s = export_with(f, seccomp_export_bpf, "seccomp_export_bpf");
  return std::vector<uint8_t>(s.begin(), s.end());
}

UniqueFd load(const Filter& f) {
  if (f.program.empty()) throw Error("loading the seccomp filter: no filter");
  sock_fprog prog{static_cast<unsigned short>(f.program.size()),
                  const_cast<sock_filter*>(f.program.data())};
  long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, f.load_flags, &prog);
  if (rc < 0) throw_errno("loading the seccomp filter: seccomp");
  if (!(f.load_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)) {
    // TSYNC without TSYNC_ESRCH: the id of a thread that could not follow.
    if (rc > 0)
      throw Error(cat("loading the seccomp filter: seccomp: thread ", std::to_string(rc),
                      " could not be synchronized"),
                  ESRCH);
    return {};
  }
  // The listener (NOTIFY rules): ours to hand over and close (the kernel makes
  // it close-on-exec; make sure).
  UniqueFd notify(static_cast<int>(rc));
  int fl = ::fcntl(notify.get(), F_GETFD);
  if (fl < 0 || ::fcntl(notify.get(), F_SETFD, fl | FD_CLOEXEC) < 0)
    throw_errno("loading the seccomp filter: fcntl FD_CLOEXEC on the notify fd");
  return notify;
}

}  // namespace ocirun::seccomp
