// linux.seccomp → a seccomp filter. Two steps: the config becomes a plain
// RuleSet (pure, validated, errors naming the entry), and the RuleSet becomes
// a libseccomp filter context and, from it, the final BPF program: an ENOSYS
// stub (as runc's) then libseccomp's program. Both happen in the runtime
// before the clone; the child's load() is a single seccomp(2) call.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/sys/fd.hpp"

namespace ocirun::seccomp {

// An action with its argument: errno for ERRNO (and the default errno), the
// trace message for TRACE.
struct Action {
  uint32_t kind = 0;  // SCMP_ACT_KILL, SCMP_ACT_ALLOW, ... without the argument
  // Set exactly for ERRNO and TRACE: errnoRet, EPERM when the config has none
  // (the spec's default, and runc's and crun's for both). Other actions with an
  // errnoRet are refused, as the spec says.
  std::optional<uint32_t> errno_ret;
};

// The action as libseccomp takes it: kind | errno (SCMP_ACT_ERRNO(1), ...).
uint32_t scmp_action(const Action& a);

struct ArgCompare {
  unsigned index = 0;
  uint64_t value = 0;
  uint64_t value_two = 0;
  int op = 0;  // SCMP_CMP_NE, ... (enum scmp_compare)
};

struct Rule {
  std::string name;  // one syscall (a config entry with several names becomes several rules)
  Action action;
  std::vector<ArgCompare> args;
  std::string field;  // "linux.seccomp.syscalls[4]", for messages
};

struct RuleSet {
  Action default_action;
  // SCMP_ARCH_*: the native one first, then the config's (once each).
  std::vector<uint32_t> architectures;
  // As the config spells them. No `flags` at all (not even []) means
  // SECCOMP_FILTER_FLAG_SPEC_ALLOW, as runc and crun default to.
  std::vector<std::string> flags;
  std::vector<Rule> rules;
  std::string listener_path;
  std::string listener_metadata;
  bool uses_notify = false;  // any NOTIFY action (default or rule)
};

// Pure: validates and converts; throws Error naming the entry
// (`linux.seccomp.syscalls[4].action: unknown action "SCMP_ACT_FOO"`). A
// NOTIFY action without listenerPath is an error here, and so are, as runc
// refuses them, NOTIFY as the default action and NOTIFY for "sendmsg" (the
// init hands the listener fd over with sendmsg after loading the filter: it
// would wait for an agent that has no fd yet). An architecture the spec knows
// but this libseccomp does not (SCMP_ARCH_LOONGARCH64 before 2.6) is an error.
RuleSet plan(const nlohmann::json& seccomp);

// The largest syscall number the rules name for one architecture of the
// filter, as the kernel sees it in seccomp_data.nr (x32: with
// __X32_SYSCALL_BIT, as libseccomp resolves x32 names).
struct LastSyscall {
  uint32_t arch = 0;  // SCMP_ARCH_*
  uint32_t nr = 0;
  bool operator==(const LastSyscall&) const = default;
};

// Pure (libseccomp's syscall tables; no kernel): runc's "last syscalls", for
// the ENOSYS stub. Per architecture of `rules.architectures` (the native one
// included), the largest number a rule names, counting every rule (those
// with the default action too) and ignoring names unknown there; an
// architecture where that is none (or 0) is left out. Empty, so no stub, when
// the default action lets unknown syscalls through or says ENOSYS already:
// SCMP_ACT_ALLOW, LOG, TRACE (a tracer handles new syscalls itself), and
// ERRNO(ENOSYS). KILL*, TRAP and every other ERRNO get the stub.
std::vector<LastSyscall> last_syscalls(const RuleSet& rules);

// Pure: the ENOSYS stub, to run before libseccomp's program (each of its
// paths ends in SECCOMP_RET_ERRNO|ENOSYS or jumps to the instruction right
// after it). It loads seccomp_data.arch and, for an architecture of `last`,
// the syscall number: above that architecture's largest, ENOSYS; on x86_64,
// x86_64 calls and x32 calls (__X32_SYSCALL_BIT set) are compared with their
// own largest, and a kind absent from `last` goes to the filter; on s390 and
// s390x, number 0 (setup, which carries syscalls the kernel does not know)
// is ENOSYS too. Any other architecture goes to the filter. Empty for an
// empty `last`.
std::vector<sock_filter> enosys_stub(const std::vector<LastSyscall>& last);

// A libseccomp filter context (RAII) and the program built from it.
class Filter {
 public:
  Filter();                    // no context
  explicit Filter(void* ctx);  // takes ownership of a scmp_filter_ctx
  ~Filter();
  Filter(Filter&&) noexcept;
  Filter& operator=(Filter&&) noexcept;
  void* ctx() const { return ctx_; }  // scmp_filter_ctx
  // Whether loading it gives a notify fd (RuleSet::uses_notify).
  bool notify = false;
  // Set by build(): what load() hands to seccomp(SECCOMP_SET_MODE_FILTER):
  // the ENOSYS stub then libseccomp's program, and the SECCOMP_FILTER_FLAG_*
  // (the config's flags that the kernel has, NEW_LISTENER for NOTIFY).
  std::vector<sock_filter> program;
  unsigned int load_flags = 0;

 private:
  void* ctx_ = nullptr;
};

// Builds the filter: architectures added, each rule added (a syscall name
// unknown to this libseccomp/architecture is skipped, as runc does), flags set
// (those the kernel/libseccomp lack are skipped with a debug message). A rule
// whose action is the default action is left out (libseccomp refuses it; runc
// skips it). `skipped`, when given, receives the unknown names skipped (the
// caller reports them); without it they are logged here (log::debug). As runc:
// NO_NEW_PRIVS is left to the caller (process.noNewPrivileges), the bad-arch
// action stays libseccomp's default (KILL_THREAD), and more than 32 rules get
// the binary-tree optimization. Then the program: libseccomp's exported BPF
// behind enosys_stub(last_syscalls(rules)), as runc's patchbpf does (a
// syscall newer than the profile gets ENOSYS, on which C libraries fall back
// to older calls, rather than the default errno); and the load flags. A
// program longer than the kernel takes (BPF_MAXINSNS) is an error here.
Filter build(const RuleSet& rules, std::vector<std::string>* skipped = nullptr);

// The linux.seccomp.flags this build can set (features' supportedFlags):
// those of spec::kSeccompFlags this libseccomp has an attribute for.
std::vector<std::string_view> supported_flags();
// The libseccomp in use, "2.5.4" (features' annotations, as runc reports it).
std::string library_version();

// For tests: libseccomp's filter (without the stub) as BPF
// (seccomp_export_bpf) or as PFC text.
std::string export_pfc(const Filter& f);
std::vector<uint8_t> export_bpf(const Filter& f);

// Effects: loads f.program into the calling thread with f.load_flags, one
// seccomp(2) call and no libseccomp (the caller sees to NO_NEW_PRIVS or
// CAP_SYS_ADMIN); returns the user notification fd (close-on-exec) when the
// filter has NOTIFY actions (else an empty fd). Throws "loading the seccomp
// filter: seccomp: <strerror>".
UniqueFd load(const Filter& f);

}  // namespace ocirun::seccomp
