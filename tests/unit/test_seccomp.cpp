#include "seccomp/filter.hpp"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "runtime/spec/tables.hpp"
#include "runtime/sys/error.hpp"

using json = nlohmann::json;
using namespace ocirun::seccomp;

namespace {

json read_vector(const std::string& rel) {
  std::ifstream in(std::string(OCIRUN_VECTORS_DIR) + "/" + rel);
  REQUIRE(in.good());
  return json::parse(in);
}

std::string refusal(const json& seccomp) {
  try {
    plan(seccomp);
  } catch (const ocirun::Error& e) {
    return e.what();
  }
  return "";
}

// A profile with one syscall entry.
json with_syscall(json entry, std::string default_action = "SCMP_ACT_ALLOW") {
  return {{"defaultAction", default_action}, {"syscalls", json::array({std::move(entry)})}};
}

std::string pfc_of(const json& seccomp, std::vector<std::string>* skipped = nullptr) {
  return export_pfc(build(plan(seccomp), skipped));
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The lines of the PFC block of the syscall named `name`: from its "# filter
// for syscall" comment to the next comment.
std::string pfc_block(const std::string& pfc, const std::string& name) {
  std::string head = "# filter for syscall \"";
  head += name;
  head += "\"";
  size_t at = pfc.find(head);
  if (at == std::string::npos) return "";
  size_t end = pfc.find('#', pfc.find('\n', at));
  return pfc.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

// Runs `child` in a forked process and returns its exit status (or 128 +
// signal); the filter it loads stays there.
int in_child(const std::function<int()>& child) {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int rc = 99;
    try {
      rc = child();
    } catch (...) {
      rc = 98;
    }
    ::_exit(rc);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Whether a filter can be loaded in a child and tried there. Not in a
// sanitized build: the sanitizer runtime's own calls (sigaltstack, gettid)
// would meet the filter, and its error path spins.
bool seccomp_available() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return false;
#else
  return ::prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
#endif
}

// What a seccomp program returns for one call: a classic BPF interpreter for
// the instructions libseccomp and the ENOSYS stub use (any other fails the
// test), with the kernel's rules: forward jumps only, memory words M[0..15],
// the data read 32 bits at a time at aligned offsets.
uint32_t run_bpf(const std::vector<sock_filter>& prog, const seccomp_data& data) {
  uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {};
  size_t pc = 0;
  while (pc < prog.size()) {
    const sock_filter& i = prog[pc++];
    auto jump = [&](bool cond) { pc += cond ? i.jt : i.jf; };
    switch (i.code) {
      case BPF_LD | BPF_W | BPF_ABS:
        REQUIRE((i.k % 4 == 0 && i.k + 4 <= sizeof data));
        std::memcpy(&a, reinterpret_cast<const char*>(&data) + i.k, 4);
        break;
      case BPF_LD | BPF_MEM:
        REQUIRE(i.k < BPF_MEMWORDS);
        a = mem[i.k];
        break;
      case BPF_LDX | BPF_MEM:
        REQUIRE(i.k < BPF_MEMWORDS);
        x = mem[i.k];
        break;
      case BPF_ST:
        REQUIRE(i.k < BPF_MEMWORDS);
        mem[i.k] = a;
        break;
      case BPF_STX:
        REQUIRE(i.k < BPF_MEMWORDS);
        mem[i.k] = x;
        break;
      case BPF_ALU | BPF_AND | BPF_K:
        a &= i.k;
        break;
      case BPF_ALU | BPF_OR | BPF_K:
        a |= i.k;
        break;
      case BPF_MISC | BPF_TAX:
        x = a;
        break;
      case BPF_MISC | BPF_TXA:
        a = x;
        break;
      case BPF_JMP | BPF_JA:
        pc += i.k;
        break;
      case BPF_JMP | BPF_JEQ | BPF_K:
        jump(a == i.k);
        break;
      case BPF_JMP | BPF_JGT | BPF_K:
        jump(a > i.k);
        break;
      case BPF_JMP | BPF_JGE | BPF_K:
        jump(a >= i.k);
        break;
      case BPF_JMP | BPF_JSET | BPF_K:
        jump((a & i.k) != 0);
        break;
      case BPF_RET | BPF_K:
        return i.k;
      case BPF_RET | BPF_A:
        return a;
      default:
        FAIL("BPF opcode " << i.code << " at " << pc - 1);
    }
  }
  FAIL("the program runs past its end");
  return 0;
}

seccomp_data call(uint32_t arch, uint32_t nr) {
  seccomp_data d{};
  d.arch = arch;
  d.nr = static_cast<int>(nr);
  return d;
}

constexpr uint32_t kEnosys = SECCOMP_RET_ERRNO | ENOSYS;
constexpr uint32_t kX32 = 0x40000000;  // __X32_SYSCALL_BIT
// The stub followed by a stand-in filter that returns kFilter: where a call
// goes past the stub.
constexpr uint32_t kFilter = SECCOMP_RET_TRACE | 0x1234;
std::vector<sock_filter> stub_then_filter(const std::vector<LastSyscall>& last) {
  std::vector<sock_filter> p = enosys_stub(last);
  p.push_back(sock_filter{BPF_RET | BPF_K, 0, 0, kFilter});
  return p;
}

// As libseccomp probes: a flag the kernel knows fails on the null program.
bool kernel_has_flag(unsigned int flag) {
  return ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, nullptr) < 0 && errno == EFAULT;
}

}  // namespace

TEST_CASE("seccomp plan: every action, with its errno", "[seccomp]") {
  struct Case {
    const char* name;
    uint32_t kind;
    std::optional<uint32_t> errno_ret;
  };
  const Case cases[] = {
      {"SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD, std::nullopt},
      {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, std::nullopt},
      {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, std::nullopt},
      {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, std::nullopt},
      {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), EPERM},
      {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), EPERM},
      {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, std::nullopt},
      {"SCMP_ACT_LOG", SCMP_ACT_LOG, std::nullopt},
      {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, std::nullopt},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    json s = with_syscall({{"names", {"mkdir"}}, {"action", c.name}});
    s["listenerPath"] = "/run/agent.sock";
    RuleSet r = plan(s);
    REQUIRE(r.rules.size() == 1);
    CHECK(r.rules[0].name == "mkdir");
    CHECK(r.rules[0].field == "linux.seccomp.syscalls[0]");
    CHECK(r.rules[0].action.kind == c.kind);
    CHECK(r.rules[0].action.errno_ret == c.errno_ret);
    CHECK(r.uses_notify == (c.kind == SCMP_ACT_NOTIFY));
    if (c.kind != SCMP_ACT_NOTIFY) {
      RuleSet d = plan({{"defaultAction", c.name}});
      CHECK(d.default_action.kind == c.kind);
      CHECK(d.default_action.errno_ret == c.errno_ret);
    }
  }
}

TEST_CASE("seccomp plan: errnoRet and defaultErrnoRet", "[seccomp]") {
  RuleSet r = plan({{"defaultAction", "SCMP_ACT_ERRNO"},
                    {"defaultErrnoRet", 38},
                    {"syscalls",
                     {{{"names", {"mkdir"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 13}},
                      {{"names", {"ptrace"}}, {"action", "SCMP_ACT_TRACE"}, {"errnoRet", 7}},
                      {{"names", {"rmdir"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 0}}}}});
  CHECK(r.default_action.errno_ret == 38u);
  CHECK(scmp_action(r.default_action) == SCMP_ACT_ERRNO(38));
  REQUIRE(r.rules.size() == 3);
  CHECK(scmp_action(r.rules[0].action) == SCMP_ACT_ERRNO(13));
  CHECK(scmp_action(r.rules[1].action) == SCMP_ACT_TRACE(7));
  CHECK(r.rules[2].action.errno_ret == 0u);  // errno 0 is a value, not "unset"
  CHECK(scmp_action(plan({{"defaultAction", "SCMP_ACT_ERRNO"}}).default_action) ==
        SCMP_ACT_ERRNO(EPERM));
  CHECK(scmp_action(plan({{"defaultAction", "SCMP_ACT_ALLOW"}}).default_action) == SCMP_ACT_ALLOW);

  // The spec: "When the action doesn't support an errno, the runtime MUST ... fail."
  CHECK(refusal({{"defaultAction", "SCMP_ACT_KILL"}, {"defaultErrnoRet", 1}}) ==
        "linux.seccomp.defaultErrnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, "
        "not SCMP_ACT_KILL");
  CHECK(refusal(with_syscall({{"names", {"mkdir"}}, {"action", "SCMP_ACT_ALLOW"}, {"errnoRet", 1}},
                             "SCMP_ACT_ERRNO")) ==
        "linux.seccomp.syscalls[0].errnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an "
        "errno, not SCMP_ACT_ALLOW");
  CHECK(refusal(with_syscall(
            {{"names", {"mkdir"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 70000}})) ==
        "linux.seccomp.syscalls[0].errnoRet: 70000 is out of range (at most 65535)");
  CHECK(refusal(
            with_syscall({{"names", {"mkdir"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", -1}})) ==
        "linux.seccomp.syscalls[0].errnoRet: must be an unsigned 64-bit integer, got -1");
}

TEST_CASE("seccomp plan: names and args", "[seccomp]") {
  json s = {
      {"defaultAction", "SCMP_ACT_ALLOW"},
      {"syscalls",
       {{{"names", {"getcwd", "chmod"}}, {"action", "SCMP_ACT_ERRNO"}},
        {{"names", {"openat"}},
         {"action", "SCMP_ACT_KILL_PROCESS"},
         {"args",
          {{{"index", 0}, {"value", 1}, {"op", "SCMP_CMP_NE"}},
           {{"index", 1}, {"value", 2}, {"op", "SCMP_CMP_LT"}},
           {{"index", 2}, {"value", 3}, {"op", "SCMP_CMP_LE"}},
           {{"index", 3}, {"value", 4}, {"op", "SCMP_CMP_EQ"}},
           {{"index", 4}, {"value", 5}, {"op", "SCMP_CMP_GE"}},
           {{"index", 5}, {"value", 6}, {"op", "SCMP_CMP_GT"}},
           {{"index", 0}, {"value", 0xff00}, {"valueTwo", 0x1200}, {"op", "SCMP_CMP_MASKED_EQ"}}}}},
        {{"names", {"personality"}},
         {"action", "SCMP_ACT_LOG"},
         {"args", {{{"index", 0}, {"value", 18446744073709551615ull}, {"op", "SCMP_CMP_EQ"}}}}}}}};
  RuleSet r = plan(s);
  REQUIRE(r.rules.size() == 4);
  CHECK(r.rules[0].name == "getcwd");
  CHECK(r.rules[1].name == "chmod");
  CHECK(r.rules[1].field == "linux.seccomp.syscalls[0]");
  CHECK(r.rules[2].field == "linux.seccomp.syscalls[1]");
  const auto& args = r.rules[2].args;
  REQUIRE(args.size() == 7);
  const int ops[] = {SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE,       SCMP_CMP_EQ,
                     SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ};
  for (size_t i = 0; i < 6; ++i) {
    CHECK(args[i].index == i);
    CHECK(args[i].value == i + 1);
    CHECK(args[i].value_two == 0);
    CHECK(args[i].op == ops[i]);
  }
  CHECK(args[6].index == 0);
  CHECK(args[6].value == 0xff00);
  CHECK(args[6].value_two == 0x1200);
  CHECK(args[6].op == SCMP_CMP_MASKED_EQ);
  CHECK(r.rules[3].args.at(0).value == UINT64_MAX);
  CHECK(r.rules[0].args.empty());
}

TEST_CASE("seccomp plan: architectures, the native one first", "[seccomp]") {
  const uint32_t native = seccomp_arch_native();
  CHECK(plan({{"defaultAction", "SCMP_ACT_ALLOW"}}).architectures == std::vector<uint32_t>{native});
  RuleSet r = plan({{"defaultAction", "SCMP_ACT_ALLOW"},
                    {"architectures",
                     {"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_X86",
                      "SCMP_ARCH_AARCH64"}}});
  std::vector<uint32_t> want = {native};
  for (uint32_t a : std::initializer_list<uint32_t>{SCMP_ARCH_X86, SCMP_ARCH_X86_64, SCMP_ARCH_X32,
                                                    SCMP_ARCH_AARCH64})
    if (a != native) want.push_back(a);
  CHECK(r.architectures == want);

  CHECK(refusal({{"defaultAction", "SCMP_ACT_ALLOW"},
                 {"architectures", {"SCMP_ARCH_X86", "SCMP_ARCH_VAX"}}}) ==
        "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_VAX\"");
  CHECK(refusal({{"defaultAction", "SCMP_ACT_ALLOW"}, {"architectures", {"x86_64"}}}) ==
        "linux.seccomp.architectures[0]: unknown architecture \"x86_64\"");
  // The spec knows it; libseccomp has it from 2.6 on.
  if (seccomp_arch_resolve_name("loongarch64") == 0)
    CHECK_THAT(refusal({{"defaultAction", "SCMP_ACT_ALLOW"},
                        {"architectures", {"SCMP_ARCH_LOONGARCH64"}}}),
               Catch::StartsWith("linux.seccomp.architectures[0]: architecture "
                                 "\"SCMP_ARCH_LOONGARCH64\" is not supported by libseccomp 2."));
}

TEST_CASE("seccomp plan: flags, SPEC_ALLOW when there are none", "[seccomp]") {
  using V = std::vector<std::string>;
  CHECK(plan({{"defaultAction", "SCMP_ACT_ALLOW"}}).flags == V{"SECCOMP_FILTER_FLAG_SPEC_ALLOW"});
  CHECK(plan({{"defaultAction", "SCMP_ACT_ALLOW"}, {"flags", json::array()}}).flags.empty());
  V all(std::begin(ocirun::spec::kSeccompFlags), std::end(ocirun::spec::kSeccompFlags));
  CHECK(plan({{"defaultAction", "SCMP_ACT_ALLOW"}, {"flags", all}}).flags == all);
  CHECK(refusal({{"defaultAction", "SCMP_ACT_ALLOW"},
                 {"flags", {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_NEW_LISTENER"}}}) ==
        "linux.seccomp.flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_NEW_LISTENER\"");
}

TEST_CASE("seccomp plan: the spec's vocabulary is all understood", "[seccomp]") {
  for (std::string_view a : ocirun::spec::kSeccompActions) {
    INFO(a);
    json s = with_syscall({{"names", {"mkdir"}}, {"action", a}});
    s["listenerPath"] = "/run/agent.sock";
    CHECK_NOTHROW(plan(s));
  }
  for (std::string_view op : ocirun::spec::kSeccompOperators) {
    INFO(op);
    CHECK_NOTHROW(plan(with_syscall({{"names", {"mkdir"}},
                                     {"action", "SCMP_ACT_ERRNO"},
                                     {"args", {{{"index", 1}, {"value", 2}, {"op", op}}}}})));
  }
  for (std::string_view a : ocirun::spec::kSeccompArchs) {
    INFO(a);
    std::string why = refusal({{"defaultAction", "SCMP_ACT_ALLOW"}, {"architectures", {a}}});
    CHECK((why.empty() || contains(why, "is not supported by libseccomp")));
  }
}

TEST_CASE("seccomp plan: errors name their entry", "[seccomp]") {
  json s = {{"defaultAction", "SCMP_ACT_ERRNO"}, {"syscalls", json::array()}};
  for (int i = 0; i < 4; ++i)
    s["syscalls"].push_back({{"names", {"read"}}, {"action", "SCMP_ACT_ALLOW"}});
  s["syscalls"].push_back({{"names", {"write"}}, {"action", "SCMP_ACT_FOO"}});
  CHECK(refusal(s) == "linux.seccomp.syscalls[4].action: unknown action \"SCMP_ACT_FOO\"");

  CHECK(refusal({{"defaultAction", "SCMP_ACT_DENY"}}) ==
        "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_DENY\"");
  CHECK(refusal(json::object()) == "linux.seccomp.defaultAction: is required");
  CHECK(refusal(json::array()) == "linux.seccomp: must be an object, got []");
  CHECK(refusal(with_syscall({{"names", {"mkdir"}},
                              {"action", "SCMP_ACT_ERRNO"},
                              {"args",
                               {{{"index", 0}, {"value", 1}, {"op", "SCMP_CMP_EQ"}},
                                {{"index", 1}, {"value", 1}, {"op", "SCMP_CMP_BETWEEN"}}}}})) ==
        "linux.seccomp.syscalls[0].args[1].op: unknown operator \"SCMP_CMP_BETWEEN\"");
  CHECK(refusal(with_syscall({{"names", {"mkdir"}},
                              {"action", "SCMP_ACT_ERRNO"},
                              {"args", {{{"index", 6}, {"value", 1}, {"op", "SCMP_CMP_EQ"}}}}})) ==
        "linux.seccomp.syscalls[0].args[0].index: 6 is out of range (at most 5)");
  CHECK(refusal(with_syscall({{"names", {"mkdir"}},
                              {"action", "SCMP_ACT_ERRNO"},
                              {"args", {{{"index", 0}, {"op", "SCMP_CMP_EQ"}}}}})) ==
        "linux.seccomp.syscalls[0].args[0].value: is required");
  CHECK(refusal(with_syscall({{"names", json::array()}, {"action", "SCMP_ACT_ERRNO"}})) ==
        "linux.seccomp.syscalls[0].names: must name at least one syscall");
  CHECK(refusal(with_syscall({{"names", {"mkdir", ""}}, {"action", "SCMP_ACT_ERRNO"}})) ==
        "linux.seccomp.syscalls[0].names[1]: empty syscall name");
  CHECK(refusal(with_syscall({{"names", {"mkdir"}}})) ==
        "linux.seccomp.syscalls[0].action: is required");
  CHECK(refusal({{"defaultAction", "SCMP_ACT_ALLOW"}, {"syscalls", "mkdir"}}) ==
        "linux.seccomp.syscalls: must be an array, got \"mkdir\"");
}

TEST_CASE("seccomp plan: SCMP_ACT_NOTIFY", "[seccomp]") {
  json notify = with_syscall({{"names", {"mkdir"}}, {"action", "SCMP_ACT_NOTIFY"}});
  CHECK(refusal(notify) == "linux.seccomp.listenerPath: required with SCMP_ACT_NOTIFY");
  notify["listenerPath"] = "/run/agent.sock";
  notify["listenerMetadata"] = "hello";
  RuleSet r = plan(notify);
  CHECK(r.uses_notify);
  CHECK(r.listener_path == "/run/agent.sock");
  CHECK(r.listener_metadata == "hello");

  // runc refuses NOTIFY as the default action, and for the syscall its init
  // sends the listener fd with (write there, sendmsg here).
  CHECK_THAT(refusal({{"defaultAction", "SCMP_ACT_NOTIFY"}, {"listenerPath", "/run/agent.sock"}}),
             Catch::StartsWith(
                 "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action"));
  json sendmsg = with_syscall({{"names", {"recvmsg", "sendmsg"}}, {"action", "SCMP_ACT_NOTIFY"}});
  sendmsg["listenerPath"] = "/run/agent.sock";
  CHECK_THAT(refusal(sendmsg), Catch::StartsWith("linux.seccomp.syscalls[0]: SCMP_ACT_NOTIFY "
                                                 "cannot be used for \"sendmsg\""));

  // listenerPath without NOTIFY is kept and ignored; listenerMetadata needs it.
  RuleSet quiet = plan({{"defaultAction", "SCMP_ACT_ALLOW"}, {"listenerPath", "/run/a.sock"}});
  CHECK_FALSE(quiet.uses_notify);
  CHECK(quiet.listener_path == "/run/a.sock");
  CHECK(refusal({{"defaultAction", "SCMP_ACT_ALLOW"}, {"listenerMetadata", "x"}}) ==
        "linux.seccomp.listenerMetadata: set without listenerPath");
}

TEST_CASE("seccomp build: actions in the PFC", "[seccomp]") {
  json s = {{"defaultAction", "SCMP_ACT_ALLOW"},
            {"syscalls",
             {{{"names", {"mkdir"}}, {"action", "SCMP_ACT_ERRNO"}},
              {{"names", {"rmdir"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 38}},
              {{"names", {"reboot"}}, {"action", "SCMP_ACT_KILL_PROCESS"}},
              {{"names", {"kexec_load"}}, {"action", "SCMP_ACT_KILL"}},
              {{"names", {"getppid"}}, {"action", "SCMP_ACT_TRAP"}},
              {{"names", {"getpid"}}, {"action", "SCMP_ACT_LOG"}},
              {{"names", {"ptrace"}}, {"action", "SCMP_ACT_TRACE"}, {"errnoRet", 3}}}}};
  std::string pfc = pfc_of(s);
  INFO(pfc);
  CHECK(contains(pfc_block(pfc, "mkdir"), "action ERRNO(1);"));
  CHECK(contains(pfc_block(pfc, "rmdir"), "action ERRNO(38);"));
  CHECK(contains(pfc_block(pfc, "reboot"), "action KILL_PROCESS;"));
  CHECK(contains(pfc_block(pfc, "kexec_load"), "action KILL;"));
  CHECK(contains(pfc_block(pfc, "getppid"), "action TRAP;"));
  CHECK(contains(pfc_block(pfc, "getpid"), "action LOG;"));
  CHECK(contains(pfc_block(pfc, "ptrace"), "action TRACE(3);"));
  CHECK(contains(pfc, "# default action\n  action ALLOW;"));
  // The bad-arch action stays libseccomp's default, as in runc.
  CHECK(contains(pfc, "# invalid architecture action\naction KILL;"));

  CHECK(contains(pfc_of({{"defaultAction", "SCMP_ACT_ERRNO"}, {"defaultErrnoRet", 38}}),
                 "action ERRNO(38);"));
}

TEST_CASE("seccomp build: argument comparisons", "[seccomp]") {
  SECTION("comparisons on different arguments: all of them (AND)") {
    std::string pfc = pfc_of(with_syscall({{"names", {"openat"}},
                                           {"action", "SCMP_ACT_ERRNO"},
                                           {"args",
                                            {{{"index", 1}, {"value", 5}, {"op", "SCMP_CMP_GT"}},
                                             {{"index", 2},
                                              {"value", 0x7e020000},
                                              {"valueTwo", 0x20000},
                                              {"op", "SCMP_CMP_MASKED_EQ"}}}}}));
    std::string b = pfc_block(pfc, "openat");
    INFO(pfc);
    CHECK(contains(b, "if ($a1.lo32 > 5)"));
    CHECK(contains(b, "if ($a2.lo32 & 0x7e020000 == 131072)"));
    // Nested: the action only under both comparisons.
    CHECK(b.find("$a2") > b.find("$a1"));
  }
  SECTION("several comparisons on one argument: one rule each (OR), as runc") {
    RuleSet r = plan(with_syscall({{"names", {"personality"}},
                                   {"action", "SCMP_ACT_ERRNO"},
                                   {"args",
                                    {{{"index", 0}, {"value", 8}, {"op", "SCMP_CMP_EQ"}},
                                     {{"index", 0}, {"value", 131072}, {"op", "SCMP_CMP_EQ"}}}}}));
    std::string pfc = export_pfc(build(r));
    std::string b = pfc_block(pfc, "personality");
    INFO(pfc);
    CHECK(contains(b, "if ($a0.lo32 == 8)"));
    CHECK(contains(b, "if ($a0.lo32 == 131072)"));

    // What the split avoids: libseccomp takes one comparison per argument.
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    REQUIRE(ctx);
    Filter raw(ctx);
    scmp_arg_cmp both[] = {SCMP_A0(SCMP_CMP_EQ, 8), SCMP_A0(SCMP_CMP_EQ, 131072)};
    CHECK(seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(1), SCMP_SYS(personality), 2, both) ==
          -EINVAL);
  }
}

TEST_CASE("seccomp build: unknown syscalls are skipped and reported", "[seccomp]") {
  json s = with_syscall({{"names", {"mkdir", "no_such_syscall", "rmdir", "another_made_up_one"}},
                         {"action", "SCMP_ACT_ERRNO"}});
  std::vector<std::string> skipped;
  std::string pfc = pfc_of(s, &skipped);
  CHECK(skipped == std::vector<std::string>{"no_such_syscall", "another_made_up_one"});
  CHECK(contains(pfc, "\"mkdir\""));
  CHECK(contains(pfc, "\"rmdir\""));
  CHECK_NOTHROW(pfc_of(s));  // without a list: logged
}

TEST_CASE("seccomp build: rules with the default action are left out", "[seccomp]") {
  // libseccomp refuses them outright.
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(1));
  REQUIRE(ctx);
  Filter raw(ctx);
  CHECK(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(1), SCMP_SYS(mkdir), 0) == -EACCES);

  std::string pfc =
      pfc_of({{"defaultAction", "SCMP_ACT_ERRNO"},
              {"syscalls",
               {{{"names", {"mkdir"}}, {"action", "SCMP_ACT_ERRNO"}},
                {{"names", {"rmdir"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 1}},
                {{"names", {"unlink"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", 2}},
                {{"names", {"read"}}, {"action", "SCMP_ACT_ALLOW"}}}}});
  INFO(pfc);
  CHECK_FALSE(contains(pfc, "\"mkdir\""));
  CHECK_FALSE(contains(pfc, "\"rmdir\""));
  CHECK(contains(pfc_block(pfc, "unlink"), "action ERRNO(2);"));
  CHECK(contains(pfc_block(pfc, "read"), "action ALLOW;"));

  // SCMP_ACT_KILL is SCMP_ACT_KILL_THREAD.
  std::string kill = pfc_of(
      with_syscall({{"names", {"mkdir"}}, {"action", "SCMP_ACT_KILL"}}, "SCMP_ACT_KILL_THREAD"));
  CHECK_FALSE(contains(kill, "\"mkdir\""));
}

TEST_CASE("seccomp build: architectures and flags", "[seccomp]") {
  if (seccomp_arch_native() != SCMP_ARCH_X86_64) return;
  std::string pfc =
      pfc_of({{"defaultAction", "SCMP_ACT_ALLOW"},
              {"architectures", {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
              {"flags",
               {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}},
              {"syscalls", {{{"names", {"mkdir"}}, {"action", "SCMP_ACT_ERRNO"}}}}});
  INFO(pfc);
  CHECK(contains(pfc, "# filter for arch x86_64 ("));
  CHECK(contains(pfc, "# filter for arch x86 ("));
  CHECK(contains(pfc, "# filter for arch x32 ("));
  // mkdir is 39 on x86, 83 on x86_64 and x32 (with the x32 bit).
  CHECK(contains(pfc, "\"mkdir\" (39)"));
  CHECK(contains(pfc, "\"mkdir\" (83)"));
}

TEST_CASE("seccomp: docker's default profile", "[seccomp]") {
  json profile = read_vector("seccomp/docker-default.json");
  RuleSet r = plan(profile);
  CHECK(scmp_action(r.default_action) == SCMP_ACT_ERRNO(1));
  CHECK(r.flags == std::vector<std::string>{"SECCOMP_FILTER_FLAG_SPEC_ALLOW"});
  CHECK(r.rules.size() > 300);
  CHECK_FALSE(r.uses_notify);

  std::vector<std::string> skipped;
  Filter f = build(r, &skipped);
  std::string pfc = export_pfc(f);
  INFO(pfc.substr(0, 2000));
  // clone without namespace flags (CLONE_NEW*): a masked comparison on its flags.
  std::string clone = pfc_block(pfc, "clone");
  INFO(clone);
  CHECK(contains(clone, "$a0.lo32 & 0x7e020000 == 0"));
  CHECK(contains(clone, "action ALLOW;"));
  CHECK(contains(pfc_block(pfc, "clone3"), "action ERRNO(38);"));
  CHECK(contains(pfc_block(pfc, "socket"), "$a0"));
  CHECK(contains(pfc_block(pfc, "read"), "action ALLOW;"));
  CHECK(pfc_block(pfc, "mount").empty());  // CAP_SYS_ADMIN only: the default, ERRNO(1)
  CHECK(contains(pfc, "action ERRNO(1);"));
  // Only names this libseccomp does not know are skipped (the newest ones).
  for (const std::string& name : skipped) {
    INFO(name);
    CHECK(seccomp_syscall_resolve_name(name.c_str()) == __NR_SCMP_ERROR);
  }
  CHECK(skipped.size() < r.rules.size() / 10);

  std::vector<uint8_t> bpf = export_bpf(f);
  CHECK(!bpf.empty());
  CHECK(bpf.size() % 8 == 0);  // struct sock_filter
}

TEST_CASE("seccomp Filter: ownership", "[seccomp]") {
  Filter empty;
  CHECK(empty.ctx() == nullptr);
  CHECK_THROWS_AS(export_pfc(empty), ocirun::Error);
  Filter f = build(plan({{"defaultAction", "SCMP_ACT_ALLOW"}}));
  void* ctx = f.ctx();
  REQUIRE(ctx);
  Filter g(std::move(f));
  CHECK(f.ctx() == nullptr);  // NOLINT(bugprone-use-after-move)
  CHECK(g.ctx() == ctx);
  empty = std::move(g);
  CHECK(empty.ctx() == ctx);
  CHECK_NOTHROW(export_pfc(empty));
}

TEST_CASE("seccomp load: the filter acts in the process that loads it", "[seccomp]") {
  if (!seccomp_available()) return;
  Filter f = build(plan(
      {{"defaultAction", "SCMP_ACT_ALLOW"},
       {"syscalls",
        {{{"names", {"mkdirat", "mkdir"}}, {"action", "SCMP_ACT_ERRNO"}, {"errnoRet", EXDEV}}}}}));
  int status = in_child([&] {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return 10;
    ocirun::UniqueFd notify = load(f);
    if (notify) return 11;
    if (::mkdir("/nonexistent-dir/x", 0700) == 0 || errno != EXDEV) return 12;
    if (::getpid() <= 0) return 13;
    return 0;
  });
  CHECK(status == 0);
}

TEST_CASE("seccomp load: errors and the notify fd", "[seccomp]") {
  if (!seccomp_available()) return;
  SECTION("no NO_NEW_PRIVS and no CAP_SYS_ADMIN: the kernel refuses") {
    Filter f = build(plan({{"defaultAction", "SCMP_ACT_ALLOW"}}));
    int status = in_child([&] {
      // NO_NEW_PRIVS is the caller's (build() turns libseccomp's off); root
      // loses CAP_SYS_ADMIN here so that the kernel refuses.
      cap_t caps = cap_get_proc();
      cap_value_t admin = CAP_SYS_ADMIN;
      if (!caps || cap_set_flag(caps, CAP_EFFECTIVE, 1, &admin, CAP_CLEAR) < 0 ||
          cap_set_proc(caps) < 0)
        return 19;
      cap_free(caps);
      try {
        load(f);
      } catch (const ocirun::Error& e) {
        return std::string(e.what()) == "loading the seccomp filter: seccomp: Permission denied"
                   ? 0
                   : 20;
      }
      return 21;
    });
    CHECK(status == 0);
  }
  SECTION("NOTIFY: the listener fd comes back, close-on-exec") {
    Filter f = build(plan({{"defaultAction", "SCMP_ACT_ALLOW"},
                           {"listenerPath", "/run/agent.sock"},
                           {"syscalls", {{{"names", {"mkdir"}}, {"action", "SCMP_ACT_NOTIFY"}}}}}));
    int status = in_child([&] {
      if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return 30;
      ocirun::UniqueFd notify;
      try {
        notify = load(f);
      } catch (const ocirun::Error& e) {
        // Kernels before 5.0 have no user notification.
        return e.code() == EINVAL || e.code() == EOPNOTSUPP ? 0 : 31;
      }
      if (!notify) return 32;
      int fl = ::fcntl(notify.get(), F_GETFD);
      return fl >= 0 && (fl & FD_CLOEXEC) ? 0 : 33;
    });
    CHECK(status == 0);
  }
}

TEST_CASE("seccomp last_syscalls: the largest number named, per architecture", "[seccomp]") {
  if (seccomp_arch_native() != SCMP_ARCH_X86_64) return;
  const json archs = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
  // read is 0 on x86_64, 3 on x86; mkdir 83 and 39; openat 257 and 295; x32
  // numbers carry the x32 bit. Unknown names count nowhere, and neither does
  // a name that is no syscall of the architecture (socketcall on x86_64).
  RuleSet r =
      plan({{"defaultAction", "SCMP_ACT_ERRNO"},
            {"architectures", archs},
            {"syscalls",
             {{{"names", {"read", "mkdir", "no_such_syscall"}}, {"action", "SCMP_ACT_ALLOW"}},
              {{"names", {"openat", "socketcall"}}, {"action", "SCMP_ACT_LOG"}}}}});
  CHECK(last_syscalls(r) == std::vector<LastSyscall>{{SCMP_ARCH_X86_64, 257},
                                                     {SCMP_ARCH_X86, 295},
                                                     {SCMP_ARCH_X32, kX32 | 257}});

  // A rule with the default action counts (runc counts every rule), though
  // the filter leaves it out.
  RuleSet same = plan({{"defaultAction", "SCMP_ACT_ERRNO"},
                       {"syscalls",
                        {{{"names", {"read"}}, {"action", "SCMP_ACT_ALLOW"}},
                         {{"names", {"mkdir"}}, {"action", "SCMP_ACT_ERRNO"}}}}});
  CHECK(last_syscalls(same) == std::vector<LastSyscall>{{SCMP_ARCH_X86_64, 83}});

  // Largest 0 (read on x86_64) is none, as in runc: that architecture has no
  // stub section.
  RuleSet zero = plan({{"defaultAction", "SCMP_ACT_ERRNO"},
                       {"architectures", {"SCMP_ARCH_X86"}},
                       {"syscalls", {{{"names", {"read"}}, {"action", "SCMP_ACT_ALLOW"}}}}});
  CHECK(last_syscalls(zero) == std::vector<LastSyscall>{{SCMP_ARCH_X86, 3}});
  CHECK(last_syscalls(plan({{"defaultAction", "SCMP_ACT_ERRNO"}})).empty());
}

TEST_CASE("seccomp last_syscalls: which default actions get the stub", "[seccomp]") {
  auto with_default = [](json def) {
    def["syscalls"] = {{{"names", {"mkdir"}}, {"action", "SCMP_ACT_NOTIFY"}}};
    def["listenerPath"] = "/run/agent.sock";
    return !last_syscalls(plan(def)).empty();
  };
  // runc's isAllowAction: an allowing default lets new syscalls reach the
  // kernel (which says ENOSYS itself); a tracer handles them.
  CHECK_FALSE(with_default({{"defaultAction", "SCMP_ACT_ALLOW"}}));
  CHECK_FALSE(with_default({{"defaultAction", "SCMP_ACT_LOG"}}));
  CHECK_FALSE(with_default({{"defaultAction", "SCMP_ACT_TRACE"}}));
  CHECK_FALSE(with_default({{"defaultAction", "SCMP_ACT_TRACE"}, {"defaultErrnoRet", 38}}));
  // ENOSYS already.
  CHECK_FALSE(with_default({{"defaultAction", "SCMP_ACT_ERRNO"}, {"defaultErrnoRet", 38}}));
  // Every other default: the stub.
  CHECK(with_default({{"defaultAction", "SCMP_ACT_ERRNO"}}));
  CHECK(with_default({{"defaultAction", "SCMP_ACT_ERRNO"}, {"defaultErrnoRet", 1}}));
  CHECK(with_default({{"defaultAction", "SCMP_ACT_ERRNO"}, {"defaultErrnoRet", 0}}));
  CHECK(with_default({{"defaultAction", "SCMP_ACT_KILL"}}));
  CHECK(with_default({{"defaultAction", "SCMP_ACT_KILL_PROCESS"}}));
  CHECK(with_default({{"defaultAction", "SCMP_ACT_KILL_THREAD"}}));
  CHECK(with_default({{"defaultAction", "SCMP_ACT_TRAP"}}));
}

TEST_CASE("seccomp enosys_stub: x86_64, x86 and x32, each against its own largest", "[seccomp]") {
  CHECK(enosys_stub({}).empty());

  SECTION("all three") {
    auto p = stub_then_filter(
        {{SCMP_ARCH_X86_64, 300}, {SCMP_ARCH_X86, 200}, {SCMP_ARCH_X32, kX32 | 250}});
    CHECK(run_bpf(p, call(AUDIT_ARCH_X86_64, 0)) == kFilter);
    CHECK(run_bpf(p, call(AUDIT_ARCH_X86_64, 300)) == kFilter);
    CHECK(run_bpf(p, call(AUDIT_ARCH_X86_64, 301)) == kEnosys);
    CHECK(run_bpf(p, call(AUDIT_ARCH_X86_64, 1000)) == kEnosys);
    CHECK(run_bpf(p, call(AUDIT_ARCH_X86_64, kX32 | 0)) == kFilter);
    CHECK(run_bpf(p, call(AUDIT_ARCH_X86_64, kX32 | 250)) == kFilter);
    CHECK(run_bpf(p, call(AUDIT_ARCH_X86_64, kX32 | 251)) == kEnosys);
    CHECK(run_bpf(p, call(AUDIT_ARCH_X86_64, 0xffffffff)) == kEnosys);  // syscall(-1), x32 bit set
    CHECK(run_bpf(p, call(AUDIT_ARCH_I386, 200)) == kFilter);
    CHECK(run_bpf(p, call(AUDIT_ARCH_I386, 201)) == kEnosys);
    CHECK(run_bpf(p, call(AUDIT_ARCH_I386, 0xffffffff)) == kEnosys);
    // Not in the profile: libseccomp's bad-architecture action decides.
    CHECK(run_bpf(p, call(AUDIT_ARCH_AARCH64, 1000)) == kFilter);
  }
  SECTION("x86_64 without x32: x32 calls go to the filter") {
    auto p = stub_then_filter({{SCMP_ARCH_X86_64, 300}});
    CHECK(run_bpf(p, call(AUDIT_ARCH_X86_64, 301)) == kEnosys);
    CHECK(run_bpf(p, call(AUDIT_ARCH_X86_64, 300)) == kFilter);
    CHECK(run_bpf(p, call(AUDIT_ARCH_X86_64, kX32 | 5000)) == kFilter);
    CHECK(run_bpf(p, call(AUDIT_ARCH_I386, 5000)) == kFilter);
  }
  SECTION("x32 without x86_64: x86_64 calls go to the filter") {
    auto p = stub_then_filter({{SCMP_ARCH_X32, kX32 | 250}});
    CHECK(run_bpf(p, call(AUDIT_ARCH_X86_64, 5000)) == kFilter);
    CHECK(run_bpf(p, call(AUDIT_ARCH_X86_64, kX32 | 250)) == kFilter);
    CHECK(run_bpf(p, call(AUDIT_ARCH_X86_64, kX32 | 251)) == kEnosys);
  }
  SECTION("s390x: setup (0), which carries the calls the kernel does not know, is ENOSYS") {
    auto p = stub_then_filter({{SCMP_ARCH_S390X, 300}});
    CHECK(run_bpf(p, call(AUDIT_ARCH_S390X, 0)) == kEnosys);
    CHECK(run_bpf(p, call(AUDIT_ARCH_S390X, 1)) == kFilter);
    CHECK(run_bpf(p, call(AUDIT_ARCH_S390X, 301)) == kEnosys);
  }
}

TEST_CASE("seccomp enosys_stub: every architecture at once, and the kernel takes it", "[seccomp]") {
  std::vector<LastSyscall> last;
  for (std::string_view name : ocirun::spec::kSeccompArchs) {
    std::string lower(name.substr(std::string_view("SCMP_ARCH_").size()));
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    uint32_t arch = seccomp_arch_resolve_name(lower.c_str());
    if (arch != 0) last.push_back({arch, arch == SCMP_ARCH_X32 ? kX32 | 100 : 100});
  }
  REQUIRE(last.size() > 10);
  auto p = stub_then_filter(last);
  for (const LastSyscall& l : last) {
    INFO(l.arch);
    uint32_t audit = l.arch == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : l.arch;
    CHECK(run_bpf(p, call(audit, l.nr)) == kFilter);
    CHECK(run_bpf(p, call(audit, l.nr + 1)) == kEnosys);
  }
  if (!seccomp_available()) return;
  int status = in_child([&] {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return 10;
    p.back().k = SECCOMP_RET_ALLOW;
    sock_fprog prog{static_cast<unsigned short>(p.size()), p.data()};
    return ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0 ? 0 : 11;
  });
  CHECK(status == 0);
}

TEST_CASE("seccomp build: the program is the stub, then libseccomp's", "[seccomp]") {
  if (seccomp_arch_native() != SCMP_ARCH_X86_64) return;
  auto libseccomp_program = [](const Filter& f) {
    std::vector<uint8_t> bytes = export_bpf(f);
    std::vector<sock_filter> p(bytes.size() / sizeof(sock_filter));
    std::memcpy(p.data(), bytes.data(), bytes.size());
    return p;
  };
  auto same = [](const std::vector<sock_filter>& a, const std::vector<sock_filter>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof a[0]) == 0;
  };

  SECTION("docker's profile") {
    RuleSet r = plan(read_vector("seccomp/docker-default.json"));
    Filter f = build(r);
    std::vector<sock_filter> stub = enosys_stub(last_syscalls(r));
    std::vector<sock_filter> rest = libseccomp_program(f);
    REQUIRE(!stub.empty());
    REQUIRE(f.program.size() == stub.size() + rest.size());
    CHECK(same({f.program.begin(), f.program.begin() + static_cast<long>(stub.size())}, stub));
    CHECK(same({f.program.begin() + static_cast<long>(stub.size()), f.program.end()}, rest));

    const auto& p = f.program;
    // x86_64: clone3 (435) is named (ERRNO(38)); 1000 is above everything named.
    CHECK(run_bpf(p, call(AUDIT_ARCH_X86_64, 1000)) == kEnosys);
    CHECK(run_bpf(p, call(AUDIT_ARCH_X86_64, 435)) == (SECCOMP_RET_ERRNO | 38));
    CHECK(run_bpf(p, call(AUDIT_ARCH_X86_64, 0)) == SECCOMP_RET_ALLOW);          // read
    CHECK(run_bpf(p, call(AUDIT_ARCH_X86_64, 165)) == (SECCOMP_RET_ERRNO | 1));  // mount
    // A hole in the table below the largest (335..423): the default, as in runc.
    CHECK(run_bpf(p, call(AUDIT_ARCH_X86_64, 400)) == (SECCOMP_RET_ERRNO | 1));
    // x86 and x32.
    CHECK(run_bpf(p, call(AUDIT_ARCH_I386, 3)) == SECCOMP_RET_ALLOW);         // read
    CHECK(run_bpf(p, call(AUDIT_ARCH_I386, 21)) == (SECCOMP_RET_ERRNO | 1));  // mount
    CHECK(run_bpf(p, call(AUDIT_ARCH_I386, 1000)) == kEnosys);
    CHECK(run_bpf(p, call(AUDIT_ARCH_X86_64, kX32 | 0)) == SECCOMP_RET_ALLOW);  // read
    CHECK(run_bpf(p, call(AUDIT_ARCH_X86_64, kX32 | 1000)) == kEnosys);
    // Another architecture: libseccomp's bad-architecture action (KILL).
    CHECK(run_bpf(p, call(AUDIT_ARCH_AARCH64, 63)) == SECCOMP_RET_KILL_THREAD);
  }
  SECTION("defaultErrnoRet: below the largest it answers, above it ENOSYS") {
    json profile = read_vector("seccomp/docker-default.json");
    profile["defaultErrnoRet"] = 13;
    Filter f = build(plan(profile));
    CHECK(run_bpf(f.program, call(AUDIT_ARCH_X86_64, 165)) == (SECCOMP_RET_ERRNO | 13));
    CHECK(run_bpf(f.program, call(AUDIT_ARCH_X86_64, 1000)) == kEnosys);
  }
  SECTION("an allowing default: libseccomp's program alone") {
    Filter f = build(plan(with_syscall({{"names", {"mkdir"}}, {"action", "SCMP_ACT_ERRNO"}})));
    CHECK(same(f.program, libseccomp_program(f)));
    CHECK(run_bpf(f.program, call(AUDIT_ARCH_X86_64, 110)) == SECCOMP_RET_ALLOW);
  }
}

TEST_CASE("seccomp build: a program longer than the kernel takes is refused", "[seccomp]") {
  // One instruction or so per comparison: 4500 of them.
  json s = {{"defaultAction", "SCMP_ACT_ALLOW"}, {"syscalls", json::array()}};
  for (int i = 0; i < 4500; ++i)
    s["syscalls"].push_back(
        {{"names", {"ioctl"}},
         {"action", "SCMP_ACT_ERRNO"},
         {"args", {{{"index", 1}, {"value", i * 7 + 1}, {"op", "SCMP_CMP_EQ"}}}}});
  CHECK_THROWS_WITH(build(plan(s)),
                    Catch::StartsWith("linux.seccomp: the filter has ") &&
                        Catch::EndsWith("BPF instructions; the kernel takes at most 4096"));
}

TEST_CASE("seccomp build: the load flags", "[seccomp]") {
  auto flags_of = [](json s) { return build(plan(s)).load_flags; };
  const unsigned spec_allow =
      kernel_has_flag(SECCOMP_FILTER_FLAG_SPEC_ALLOW) ? SECCOMP_FILTER_FLAG_SPEC_ALLOW : 0;
  const unsigned log = kernel_has_flag(SECCOMP_FILTER_FLAG_LOG) ? SECCOMP_FILTER_FLAG_LOG : 0;
  CHECK(flags_of({{"defaultAction", "SCMP_ACT_ALLOW"}}) == spec_allow);
  CHECK(flags_of({{"defaultAction", "SCMP_ACT_ALLOW"}, {"flags", json::array()}}) == 0);
  CHECK(flags_of({{"defaultAction", "SCMP_ACT_ALLOW"},
                  {"flags", {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_TSYNC"}}}) ==
        (log | SECCOMP_FILTER_FLAG_TSYNC));
  // Only with a listener; this libseccomp may not have it at all.
  CHECK(flags_of({{"defaultAction", "SCMP_ACT_ALLOW"},
                  {"flags", {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}}}) == 0);

  json notify = {{"defaultAction", "SCMP_ACT_ALLOW"},
                 {"flags", json::array()},
                 {"listenerPath", "/run/agent.sock"},
                 {"syscalls", {{{"names", {"mkdir"}}, {"action", "SCMP_ACT_NOTIFY"}}}}};
  CHECK(flags_of(notify) == SECCOMP_FILTER_FLAG_NEW_LISTENER);
  notify["flags"] = {"SECCOMP_FILTER_FLAG_TSYNC"};
  if (kernel_has_flag(SECCOMP_FILTER_FLAG_TSYNC_ESRCH))
    CHECK(flags_of(notify) == (SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_TSYNC |
                               SECCOMP_FILTER_FLAG_TSYNC_ESRCH));
  else
    CHECK(flags_of(notify) == SECCOMP_FILTER_FLAG_NEW_LISTENER);

  if (!seccomp_available()) return;
  // TSYNC with a listener loads, and the listener comes back.
  Filter f = build(plan(notify));
  int status = in_child([&] {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return 10;
    return load(f) ? 0 : 11;
  });
  CHECK(status == 0);
}

TEST_CASE("seccomp load: ENOSYS above the largest syscall named, in the kernel", "[seccomp]") {
  if (!seccomp_available() || seccomp_arch_native() != SCMP_ARCH_X86_64) return;
  // Named: exit and exit_group (231), all the child needs once loaded.
  auto profile = [](const char* def) {
    return json{{"defaultAction", def},
                {"syscalls", {{{"names", {"exit", "exit_group"}}, {"action", "SCMP_ACT_ALLOW"}}}}};
  };
  SECTION("default ERRNO (EPERM)") {
    Filter f = build(plan(profile("SCMP_ACT_ERRNO")));
    int status = in_child([&] {
      if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return 10;
      load(f);
      if (::syscall(1000) != -1 || errno != ENOSYS) return 11;
      if (::syscall(SYS_clone3, nullptr, 0) != -1 || errno != ENOSYS) return 12;
      // getppid (110): below the largest, not named: the default.
      if (::syscall(SYS_getppid) != -1 || errno != EPERM) return 13;
      return 0;
    });
    CHECK(status == 0);
  }
  SECTION("default KILL_PROCESS: ENOSYS above, killed below") {
    Filter f = build(plan(profile("SCMP_ACT_KILL_PROCESS")));
    int status = in_child([&] {
      if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return 10;
      load(f);
      if (::syscall(1000) != -1 || errno != ENOSYS) return 11;
      ::syscall(SYS_getppid);
      return 12;
    });
    CHECK(status == 128 + SIGSYS);
  }
}
