// The systemd driver's D-Bus: the wire format byte by byte, and the calls to
// systemd's manager against a scripted peer (a forked child speaking the
// protocol over a socketpair: authentication, Subscribe, the job and its
// JobRemoved signal, errors).
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "cgroups/dbus.hpp"
#include "cgroups/dbus_wire.hpp"
#include "cgroups/systemd.hpp"
#include "runtime/sys/error.hpp"

using namespace ocirun::cgroups;
using ocirun::UniqueFd;

namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s += static_cast<char>(c);
  return s;
}

// A message of systemd's manager object, serial 7.
dbus::Message manager_message(dbus::MessageType type, const std::string& member) {
  dbus::Message m;
  m.type = type;
  m.serial = 7;
  m.path = "/org/freedesktop/systemd1";
  m.interface = "org.freedesktop.systemd1.Manager";
  m.member = member;
  return m;
}

// The peer's side: reads whole messages and answers them.
struct Peer {
  int fd;
  std::string in;

  std::string line() {
    size_t eol;
    while ((eol = in.find("\r\n")) == std::string::npos) more();
    std::string l = in.substr(0, eol);
    in.erase(0, eol + 2);
    return l;
  }
  void more() {
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) ::_exit(3);
    in.append(buf, static_cast<size_t>(n));
  }
  dbus::Message message() {
    std::optional<size_t> size;
    while (in.size() < 16 || !(size = dbus::message_size(in))) more();
    while (in.size() < *size) more();
    dbus::Message m = dbus::decode(std::string_view(in).substr(0, *size));
    in.erase(0, *size);
    return m;
  }
  void send(dbus::Message m) {
    std::string out = dbus::encode(m);
    if (::write(fd, out.data(), out.size()) != static_cast<ssize_t>(out.size())) ::_exit(4);
  }
  void reply(const dbus::Message& to, const std::string& sig = {}, const std::string& body = {}) {
    dbus::Message r;
    r.type = dbus::MessageType::MethodReturn;
    r.serial = 1000 + to.serial;
    r.reply_serial = to.serial;
    r.signature = sig;
    r.body = body;
    send(r);
  }
  void error(const dbus::Message& to, const std::string& name, const std::string& text) {
    dbus::Message r;
    r.type = dbus::MessageType::Error;
    r.serial = 1000 + to.serial;
    r.reply_serial = to.serial;
    r.error_name = name;
    dbus::Writer w;
    w.string(text);
    r.signature = "s";
    r.body = w.bytes();
    send(r);
  }
  void job_removed(const std::string& job, const std::string& unit, const std::string& result) {
    dbus::Message s = manager_message(dbus::MessageType::Signal, "JobRemoved");
    s.signature = "uoss";
    dbus::Writer w;
    w.u32(42);
    w.string(job);
    w.string(unit);
    w.string(result);
    s.body = w.bytes();
    send(s);
  }
};

// Runs `script` as the peer in a child; returns the client's end. The
// child's exit status tells whether the script saw what it expected (0).
struct Scripted {
  pid_t pid = -1;
  UniqueFd fd;
  Scripted() = default;
  Scripted(Scripted&& o) noexcept : pid(std::exchange(o.pid, -1)), fd(std::move(o.fd)) {}
  int status() {
    fd.reset();
    int st = 0;
    ::waitpid(pid, &st, 0);
    pid = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }
  ~Scripted() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

Scripted peer(const std::function<int(Peer&)>& script) {
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  Scripted s;
  s.pid = ::fork();
  REQUIRE(s.pid >= 0);
  if (s.pid == 0) {
    ::close(sv[0]);
    Peer p{sv[1], {}};
    int rc = 1;
    try {
      if (p.in.empty()) p.more();
      if (p.in[0] != '\0') ::_exit(5);
      p.in.erase(0, 1);
      std::string auth = p.line();
      if (!auth.starts_with("AUTH EXTERNAL ")) ::_exit(6);
      if (p.line() != "BEGIN") ::_exit(7);
      ::write(p.fd, "OK 0123456789abcdef\r\n", 21);
      rc = script(p);
    } catch (...) {
      rc = 9;
    }
    ::_exit(rc);
  }
  ::close(sv[1]);
  s.fd = UniqueFd(sv[0]);
  return s;
}

// The properties of an a(sv), the "t" and "s" ones by value (others as "?").
std::map<std::string, std::string> read_properties(dbus::Reader& r) {
  std::map<std::string, std::string> out;
  uint32_t n = r.u32();
  r.align(8);
  size_t stop = r.offset() + n;
  while (r.offset() < stop) {
    r.align(8);
    std::string name = r.string();
    std::string sig = r.signature();
    if (sig == "t") {
      out[name] = std::to_string(r.u64());
    } else if (sig == "s") {
      out[name] = r.string();
    } else if (sig == "b") {
      out[name] = r.boolean() ? "true" : "false";
    } else if (sig == "au") {
      uint32_t len = r.u32();
      out[name] = len == 4 ? std::to_string(r.u32()) : "?";
    } else {
      r.skip(sig);
      out[name] = "?";
    }
  }
  return out;
}

}  // namespace

TEST_CASE("dbus wire: values are aligned, arrays count their elements only", "[dbus]") {
  dbus::Writer w;
  w.byte(1);
  w.u32(2);  // aligned to 4
  w.u64(3);  // aligned to 8
  CHECK(w.bytes() == bytes({1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0}));

  dbus::Writer s;
  s.string("ab");
  s.signature("t");
  CHECK(s.bytes() == bytes({2, 0, 0, 0, 'a', 'b', 0, 1, 't', 0}));

  // a(ss): the length, padding to 8 (not counted), then the structs.
  dbus::Writer a;
  a.value("a(ss)", systemd::Value(std::vector<std::pair<std::string, std::string>>{{"x", "y"}}));
  CHECK(a.bytes() ==
        bytes({14, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 'x', 0, 0, 0, 1, 0, 0, 0, 'y', 0}));

  // a property: (s v) with the variant's signature and value.
  dbus::Writer p;
  p.properties({{"TasksMax", "t", uint64_t{5}, ""}});
  dbus::Reader r(p.bytes());
  CHECK(r.u32() == 4 + 9 + 3 + 8);  // the struct: "TasksMax" (4+9), signature "t" (3), u64
  r.align(8);
  CHECK(r.string() == "TasksMax");
  CHECK(r.signature() == "t");
  CHECK(r.u64() == 5);
  CHECK(r.done());

  CHECK_THROWS_WITH(a.value("t", systemd::Value(std::string("x"))),
                    Catch::Contains("does not fit signature \"t\""));
}

TEST_CASE("dbus wire: a message is encoded and read back whole", "[dbus]") {
  dbus::Message m = manager_message(dbus::MessageType::MethodCall, "StopUnit");
  m.destination = "org.freedesktop.systemd1";
  dbus::Writer w;
  w.string("x.scope");
  w.string("replace");
  m.signature = "ss";
  m.body = w.bytes();
  std::string wire = dbus::encode(m);
  CHECK(wire.substr(0, 4) == bytes({'l', 1, 0, 1}));
  REQUIRE(dbus::message_size(wire) == wire.size());
  CHECK_FALSE(dbus::message_size(wire.substr(0, 15)));
  dbus::Message back = dbus::decode(wire);
  CHECK(back.serial == 7);
  CHECK(back.path == m.path);
  CHECK(back.interface == m.interface);
  CHECK(back.member == m.member);
  CHECK(back.destination == m.destination);
  CHECK(back.signature == "ss");
  dbus::Reader r(back.body);
  CHECK(r.string() == "x.scope");
  CHECK(r.string() == "replace");

  // Truncated or lying messages are errors, not reads past the end.
  CHECK_THROWS_WITH(dbus::decode(wire.substr(0, wire.size() - 1)), Catch::Contains("malformed"));
  std::string liar = wire;
  liar[4] = 100;  // body length
  CHECK_THROWS_WITH(dbus::decode(liar), Catch::Contains("malformed"));
  const std::string short_string = bytes({200, 0, 0, 0, 'a'});  // a Reader only views its data
  dbus::Reader bad(short_string);
  CHECK_THROWS_WITH(bad.string(), Catch::Contains("truncated"));
  const std::string long_array = bytes({100, 0, 0, 0, 1, 0, 0, 0});
  dbus::Reader arr(long_array);
  CHECK_THROWS_WITH(arr.skip("au"), Catch::Contains("malformed"));
}

TEST_CASE("systemd calls: start, update and stop against a scripted systemd", "[dbus]") {
  std::string unit = "ocirun-c1.scope";
  Scripted s = peer([&](Peer& p) {
    // The private socket: no Subscribe (systemd sends it every signal).
    dbus::Message m = p.message();
    if (m.member != "StartTransientUnit" || m.signature != "ssa(sv)a(sa(sv))") return 11;
    dbus::Reader r(m.body);
    if (r.string() != unit || r.string() != "fail") return 12;
    auto props = read_properties(r);
    if (props["MemoryMax"] != "4096" || props["PIDs"] != "1234" || props["Slice"] != "system.slice")
      return 13;
    dbus::Writer job;
    job.string("/org/freedesktop/systemd1/job/9");
    // An unrelated job's end first: it must not be taken for ours.
    p.job_removed("/org/freedesktop/systemd1/job/8", "other.scope", "failed");
    p.reply(m, "o", job.bytes());
    p.job_removed("/org/freedesktop/systemd1/job/9", unit, "done");

    m = p.message();
    if (m.member != "SetUnitProperties" || m.signature != "sba(sv)") return 14;
    dbus::Reader u(m.body);
    if (u.string() != unit || !u.boolean() || read_properties(u)["TasksMax"] != "10") return 15;
    p.reply(m);

    m = p.message();
    if (m.member != "StopUnit") return 17;
    p.error(m, "org.freedesktop.systemd1.NoSuchUnit", "Unit ocirun-c1.scope not loaded.");
    m = p.message();
    if (m.member != "ResetFailedUnit") return 18;
    p.error(m, "org.freedesktop.systemd1.NoSuchUnit", "Unit ocirun-c1.scope not loaded.");
    return 0;
  });
  dbus::Connection c(std::move(s.fd), false, 5000);
  systemd::Unit u = systemd::unit_of("", "c1");
  auto props = systemd::unit_properties(u, "c1", {{"MemoryMax", "t", uint64_t{4096}, ""}}, {}, {});
  bool made = false;
  systemd::start_unit(c, u, props, 1234, &made);
  CHECK(made);
  systemd::set_properties(c, u, {{"TasksMax", "t", uint64_t{10}, ""}});
  systemd::stop_unit(c, u);  // a unit already gone is no error
  CHECK(s.status() == 0);
}

TEST_CASE("systemd calls through the system bus: Hello, then a match rule and Subscribe once",
          "[dbus]") {
  std::string unit = "ocirun-c3.scope";
  Scripted s = peer([&](Peer& p) {
    dbus::Message m = p.message();
    if (m.member != "Hello" || m.destination != "org.freedesktop.DBus") return 10;
    dbus::Writer name;
    name.string(":1.7");
    p.reply(m, "s", name.bytes());
    // The bus daemon routes JobRemoved only along a match rule.
    m = p.message();
    if (m.member != "AddMatch" || m.destination != "org.freedesktop.DBus") return 11;
    dbus::Reader rule(m.body);
    if (rule.string().find("member='JobRemoved'") == std::string::npos) return 12;
    p.reply(m);
    m = p.message();
    if (m.member != "Subscribe" || m.destination != "org.freedesktop.systemd1") return 13;
    p.reply(m);
    m = p.message();
    if (m.member != "StartTransientUnit" || m.destination != "org.freedesktop.systemd1") return 14;
    dbus::Writer job;
    job.string("/org/freedesktop/systemd1/job/4");
    p.reply(m, "o", job.bytes());
    p.job_removed("/org/freedesktop/systemd1/job/4", unit, "done");
    m = p.message();  // no second AddMatch or Subscribe
    if (m.member != "StopUnit") return 15;
    job = dbus::Writer();
    job.string("/org/freedesktop/systemd1/job/5");
    p.reply(m, "o", job.bytes());
    p.job_removed("/org/freedesktop/systemd1/job/5", unit, "done");
    m = p.message();
    if (m.member != "ResetFailedUnit") return 16;
    p.reply(m);
    return 0;
  });
  dbus::Connection c(std::move(s.fd), true, 5000);
  systemd::Unit u = systemd::unit_of("", "c3");
  bool made = false;
  systemd::start_unit(c, u, {}, 1, &made);
  systemd::stop_unit(c, u);
  CHECK(s.status() == 0);
}

TEST_CASE("systemd calls: systemd's errors name the unit", "[dbus]") {
  std::string unit = "ocirun-c2.scope";
  Scripted s = peer([&](Peer& p) {
    dbus::Message m = p.message();
    p.error(m, "org.freedesktop.systemd1.UnitExists", "Unit ocirun-c2.scope already exists.");
    m = p.message();  // the second start: its job fails
    dbus::Writer job;
    job.string("/org/freedesktop/systemd1/job/3");
    p.reply(m, "o", job.bytes());
    p.job_removed("/org/freedesktop/systemd1/job/3", unit, "failed");
    return 0;
  });
  dbus::Connection c(std::move(s.fd), false, 5000);
  systemd::Unit u = systemd::unit_of("", "c2");
  bool made = false;
  CHECK_THROWS_WITH(systemd::start_unit(c, u, {}, 1, &made),
                    Catch::Equals("systemd: starting unit ocirun-c2.scope: "
                                  "org.freedesktop.systemd1.UnitExists: Unit ocirun-c2.scope "
                                  "already exists."));
  CHECK_FALSE(made);  // not ours: nothing to stop
  CHECK_THROWS_WITH(systemd::start_unit(c, u, {}, 1, &made),
                    Catch::Equals("systemd: starting unit ocirun-c2.scope: its job ended "
                                  "\"failed\" (journalctl -u ocirun-c2.scope)"));
  CHECK(made);  // systemd made it, and it failed: ours to stop
  CHECK(s.status() == 0);
}

TEST_CASE("dbus connection: a peer that refuses, or says nothing", "[dbus]") {
  int sv[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  UniqueFd ours(sv[0]), theirs(sv[1]);
  ::write(theirs.get(), "REJECTED EXTERNAL\r\n", 19);
  CHECK_THROWS_WITH(dbus::Connection(std::move(ours), false, 1000),
                    Catch::Equals("D-Bus: authentication refused: REJECTED EXTERNAL"));

  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
  UniqueFd ours2(sv[0]), silent(sv[1]);
  CHECK_THROWS_WITH(dbus::Connection(std::move(ours2), false, 200),
                    Catch::Contains("did not answer within"));
}
