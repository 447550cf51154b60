// Command-line parsing: runc's flag forms, and errors for what is wrong.
#include <signal.h>

#include <catch2/catch.hpp>

#include "runtime/cli/args.hpp"
#include "runtime/cli/commands.hpp"
#include "runtime/cli/rootless.hpp"
#include "runtime/container/container.hpp"
#include "runtime/log.hpp"

using namespace ocirun;

namespace {

cli::Invocation parse(std::vector<std::string> v) {
  return cli::parse(v);
}

}  // namespace

TEST_CASE("global flags come before the command, in both forms", "[cli]") {
  auto inv = parse({"--root", "/tmp/r", "--log=/tmp/l", "--log-format", "json", "state", "c1"});
  CHECK(inv.globals["root"] == "/tmp/r");
  CHECK(inv.globals["log"] == "/tmp/l");
  CHECK(inv.globals["log-format"] == "json");
  CHECK(inv.command == "state");
  CHECK(inv.args == std::vector<std::string>{"c1"});
}

TEST_CASE("command flags: long, short, =value, and Go's single-dash long form", "[cli]") {
  auto inv =
      parse({"create", "-b", "/b", "--pid-file=/p", "-no-pivot", "--preserve-fds", "2", "c1"});
  CHECK(inv.value("bundle") == "/b");
  CHECK(inv.value("pid-file") == "/p");
  CHECK(inv.flag("no-pivot"));
  CHECK(inv.value("preserve-fds") == "2");
  CHECK(inv.args == std::vector<std::string>{"c1"});

  auto run = parse({"run", "-d", "--keep=false", "c2"});
  CHECK(run.flag("detach"));
  CHECK_FALSE(run.flag("keep"));
}

TEST_CASE("kill takes an optional signal; delete --force / -f", "[cli]") {
  auto k = parse({"kill", "--all", "c1", "KILL"});
  CHECK(k.flag("all"));
  CHECK(k.args == std::vector<std::string>{"c1", "KILL"});
  CHECK(parse({"delete", "-f", "c1"}).flag("force"));
  CHECK(parse({"delete", "c1", "--force"}).flag("force"));
}

TEST_CASE("bad command lines are refused with the cause", "[cli]") {
  CHECK_THROWS_WITH(parse({"create", "--nope", "c1"}),
                    Catch::Contains("unknown flag \"--nope\" for \"create\""));
  CHECK_THROWS_WITH(parse({"--nope", "list"}), Catch::Contains("unknown flag \"--nope\""));
  CHECK_THROWS_WITH(parse({"frobnicate"}), Catch::Contains("unknown command \"frobnicate\""));
  CHECK_THROWS_WITH(parse({"start"}), Catch::Contains("\"start\" takes <container-id>, got 0"));
  CHECK_THROWS_WITH(parse({"state", "a", "b"}), Catch::Contains("got 2 arguments"));
  CHECK_THROWS_WITH(parse({"create", "--bundle"}), Catch::Contains("--bundle needs a value"));
  CHECK_THROWS_WITH(parse({"run", "--detach=maybe", "x"}),
                    Catch::Contains("expects true or false"));
}

TEST_CASE("help and version need no arguments", "[cli]") {
  CHECK(parse({"--help"}).help);
  CHECK(parse({"--version"}).version);
  CHECK(parse({"-v"}).version);
  auto h = parse({"kill", "--help"});
  CHECK(h.help);
  CHECK(h.command == "kill");
  for (const auto& c : cli::commands()) {
    auto text = cli::command_usage(c);
    CHECK_THAT(text, Catch::StartsWith("Usage: ocirun " + std::string(c.name)));
    CHECK_THAT(text, Catch::Contains("--help"));
  }
  CHECK_THAT(cli::usage(), Catch::Contains("features"));
}

TEST_CASE("signals by name, SIG name and number", "[cli]") {
  CHECK(container::parse_signal("KILL") == SIGKILL);
  CHECK(container::parse_signal("SIGKILL") == SIGKILL);
  CHECK(container::parse_signal("9") == 9);
  CHECK(container::parse_signal("TERM") == SIGTERM);
  CHECK(container::parse_signal("SIGUSR1") == SIGUSR1);
  CHECK(container::parse_signal("RTMIN+2") == SIGRTMIN + 2);
  CHECK_THROWS_WITH(container::parse_signal("SIGNOPE"),
                    Catch::Contains("unknown signal \"SIGNOPE\""));
  CHECK(container::parse_signal("0") == 0);  // the liveness probe
  CHECK_THROWS(container::parse_signal("-1"));
  CHECK_THROWS(container::parse_signal("99"));
}

TEST_CASE("list table has runc's columns", "[cli]") {
  std::vector<nlohmann::json> states{{{"id", "c1"},
                                      {"pid", 42},
                                      {"status", "running"},
                                      {"bundle", "/b"},
                                      {"created", "2026-11-26T18:00:00Z"},
                                      {"owner", "root"}}};
  auto t = cli::list_table(states);
  CHECK_THAT(t, Catch::StartsWith("ID   PID   STATUS    BUNDLE   CREATED                OWNER\n"));
  CHECK_THAT(t, Catch::Contains("c1   42    running   /b       2026-11-26T18:00:00Z   root\n"));
}

TEST_CASE("log lines: runc's text form and one JSON object per line", "[cli]") {
  auto j = nlohmann::json::parse(
      log::format_line(log::Format::Json, "error", "bad \"x\"", "2026-11-26T18:00:00Z"));
  CHECK(j["level"] == "error");
  CHECK(j["msg"] == "bad \"x\"");
  CHECK(j["time"] == "2026-11-26T18:00:00Z");
  CHECK(log::format_line(log::Format::Text, "warning", "w", "T") ==
        "time=\"T\" level=warning msg=\"w\"\n");
  auto now = log::now_rfc3339();
  CHECK(now.size() == 30);
  CHECK(now[10] == 'T');
  CHECK(now.back() == 'Z');
}

// ---- update's flags, ps's output filter and command line ----

#include "runtime/cli/update_flags.hpp"
#include "runtime/sys/error.hpp"

namespace {

nlohmann::json update_json(std::vector<std::string> v, const std::string& text = "") {
  v.insert(v.begin(), "update");
  v.push_back("c1");
  return cli::update_resources(parse(v), text);
}

constexpr int64_t kKiB = 1024, kMiB = 1024 * kKiB, kGiB = 1024 * kMiB;

}  // namespace

TEST_CASE("update: sizes in bytes, with binary units", "[cli]") {
  CHECK(cli::parse_bytes("memory", "1024") == 1024);
  CHECK(cli::parse_bytes("memory", "0") == 0);
  CHECK(cli::parse_bytes("memory", "512k") == 512 * kKiB);
  CHECK(cli::parse_bytes("memory", "512K") == 512 * kKiB);
  CHECK(cli::parse_bytes("memory", "512m") == 512 * kMiB);
  CHECK(cli::parse_bytes("memory", "1g") == kGiB);
  CHECK(cli::parse_bytes("memory", "1.5g") == 3 * kGiB / 2);
  CHECK(cli::parse_bytes("memory", "1.5G") == 1610612736);
  CHECK(cli::parse_bytes("memory", "2GiB") == 2 * kGiB);
  CHECK(cli::parse_bytes("memory", "1MB") == kMiB);
  CHECK(cli::parse_bytes("memory", "1kb") == kKiB);
  CHECK(cli::parse_bytes("memory", "2t") == 2 * 1024 * kGiB);
  CHECK(cli::parse_bytes("memory", "1p") == 1024 * 1024 * kGiB);
  CHECK(cli::parse_bytes("memory", "100b") == 100);
  CHECK(cli::parse_bytes("memory", "-1") == -1);
}

TEST_CASE("update: bad sizes are refused, naming the flag", "[cli]") {
  using Catch::Contains;
  CHECK_THROWS_WITH(cli::parse_bytes("memory", "abc"),
                    Catch::Equals("flag --memory: expects a size such as 1024, 512m or 1g, "
                                  "got \"abc\""));
  CHECK_THROWS_WITH(cli::parse_bytes("memory-swap", "10x"),
                    Contains("flag --memory-swap") && Contains("\"10x\""));
  CHECK_THROWS_WITH(cli::parse_bytes("memory-reservation", ""),
                    Contains("flag --memory-reservation") && Contains("got \"\""));
  CHECK_THROWS_WITH(cli::parse_bytes("memory", "-2"), Contains("flag --memory"));
  CHECK_THROWS_WITH(cli::parse_bytes("memory", "-1g"), Contains("flag --memory"));
  CHECK_THROWS_WITH(cli::parse_bytes("memory", "g"), Contains("flag --memory"));
  CHECK_THROWS_WITH(cli::parse_bytes("memory", "1gg"), Contains("flag --memory"));
  CHECK_THROWS_WITH(cli::parse_bytes("memory", "1 g"), Contains("flag --memory"));
  CHECK_THROWS_WITH(cli::parse_bytes("memory", "inf"), Contains("flag --memory"));
  CHECK_THROWS_WITH(cli::parse_bytes("memory", "nan"), Contains("flag --memory"));
  // Too large for 64 bits: refused, not wrapped to a negative number.
  CHECK_THROWS_WITH(cli::parse_bytes("memory", "8589934592g"), Contains("flag --memory"));
  CHECK_THROWS_WITH(cli::parse_bytes("memory", "1e30"), Contains("flag --memory"));
}

TEST_CASE("events: Go durations in milliseconds", "[cli]") {
  CHECK(cli::parse_duration_ms("interval", "5s") == 5000);
  CHECK(cli::parse_duration_ms("interval", "100ms") == 100);
  CHECK(cli::parse_duration_ms("interval", "1m30s") == 90000);
  CHECK(cli::parse_duration_ms("interval", "2h") == 7200000);
  CHECK(cli::parse_duration_ms("interval", "1.5s") == 1500);
  CHECK(cli::parse_duration_ms("interval", "1h1m1s1ms") == 3661001);
  CHECK(cli::parse_duration_ms("interval", "2500us") == 2);
  CHECK(cli::parse_duration_ms("interval", "1000000ns") == 1);
}

TEST_CASE("events: bad durations are refused, naming the flag", "[cli]") {
  using Catch::Contains;
  CHECK_THROWS_WITH(cli::parse_duration_ms("interval", "5"),
                    Catch::Equals("flag --interval: expects a duration such as 5s or 500ms, "
                                  "got \"5\""));
  CHECK_THROWS_WITH(cli::parse_duration_ms("interval", "x"),
                    Contains("flag --interval") && Contains("\"x\""));
  CHECK_THROWS_WITH(cli::parse_duration_ms("interval", "0s"),
                    Contains("flag --interval") && Contains("from 1ms"));
  CHECK_THROWS_WITH(cli::parse_duration_ms("interval", ""), Contains("flag --interval"));
  CHECK_THROWS_WITH(cli::parse_duration_ms("interval", "-5s"), Contains("flag --interval"));
  CHECK_THROWS_WITH(cli::parse_duration_ms("interval", "5d"), Contains("flag --interval"));
  CHECK_THROWS_WITH(cli::parse_duration_ms("interval", "5s3"), Contains("flag --interval"));
  CHECK_THROWS_WITH(cli::parse_duration_ms("interval", "100us"), Contains("from 1ms"));
  CHECK_THROWS_WITH(cli::parse_duration_ms("interval", "infs"), Contains("flag --interval"));
  CHECK_THROWS_WITH(cli::parse_duration_ms("interval", "nans"), Contains("flag --interval"));
}

TEST_CASE("update: memory flags", "[cli]") {
  CHECK(update_json({"--memory", "1g"}) == nlohmann::json{{"memory", {{"limit", kGiB}}}});
  CHECK(update_json({"--memory=512m"}) == nlohmann::json{{"memory", {{"limit", 512 * kMiB}}}});
  CHECK(update_json({"--memory", "1g", "--memory-swap", "-1", "--memory-reservation", "256m"}) ==
        nlohmann::json{{"memory", {{"limit", kGiB}, {"swap", -1}, {"reservation", 256 * kMiB}}}});
  CHECK(update_json({"--memory-swap", "2g"}) == nlohmann::json{{"memory", {{"swap", 2 * kGiB}}}});
  CHECK_THROWS_WITH(update_json({"--memory", "lots"}),
                    Catch::Contains("flag --memory:") && Catch::Contains("\"lots\""));
  CHECK_THROWS_WITH(update_json({"--memory-swap", "1q"}), Catch::Contains("flag --memory-swap:"));
  CHECK_THROWS_WITH(update_json({"--memory-reservation", "x"}),
                    Catch::Contains("flag --memory-reservation:"));
}

TEST_CASE("update: cpu flags, with runc's --cpu-share spelling", "[cli]") {
  CHECK(update_json({"--cpu-shares", "512"}) == nlohmann::json{{"cpu", {{"shares", 512}}}});
  CHECK(update_json({"--cpu-share", "1024"}) == nlohmann::json{{"cpu", {{"shares", 1024}}}});
  CHECK(update_json({"--cpu-quota", "50000", "--cpu-period", "100000"}) ==
        nlohmann::json{{"cpu", {{"quota", 50000}, {"period", 100000}}}});
  CHECK(update_json({"--cpu-quota", "-1"}) == nlohmann::json{{"cpu", {{"quota", -1}}}});
  CHECK(update_json({"--cpuset-cpus", "0-3,7", "--cpuset-mems", "0"}) ==
        nlohmann::json{{"cpu", {{"cpus", "0-3,7"}, {"mems", "0"}}}});
  auto all = update_json({"--cpu-shares", "2", "--cpu-quota", "1000", "--cpu-period", "10000",
                          "--cpuset-cpus", "1", "--cpuset-mems", "0-1"});
  CHECK(all ==
        nlohmann::json{
            {"cpu",
             {{"shares", 2}, {"quota", 1000}, {"period", 10000}, {"cpus", "1"}, {"mems", "0-1"}}}});
  CHECK_THROWS_WITH(update_json({"--cpu-shares", "-1"}),
                    Catch::Contains("flag --cpu-shares") && Catch::Contains("non-negative"));
  CHECK_THROWS_WITH(update_json({"--cpu-share", "x"}), Catch::Contains("flag --cpu-share:"));
  CHECK_THROWS_WITH(update_json({"--cpu-quota", "1.5"}),
                    Catch::Contains("flag --cpu-quota") && Catch::Contains("an integer"));
  CHECK_THROWS_WITH(update_json({"--cpu-period", "-100"}), Catch::Contains("flag --cpu-period"));
  CHECK_THROWS_WITH(update_json({"--cpu-period", ""}), Catch::Contains("flag --cpu-period"));
}

TEST_CASE("update: pids and block I/O weight", "[cli]") {
  CHECK(update_json({"--pids-limit", "100"}) == nlohmann::json{{"pids", {{"limit", 100}}}});
  CHECK(update_json({"--pids-limit", "-1"}) == nlohmann::json{{"pids", {{"limit", -1}}}});
  CHECK_THROWS_WITH(update_json({"--pids-limit", "many"}), Catch::Contains("flag --pids-limit"));
  CHECK(update_json({"--blkio-weight", "10"}) == nlohmann::json{{"blockIO", {{"weight", 10}}}});
  CHECK(update_json({"--blkio-weight", "1000"}) == nlohmann::json{{"blockIO", {{"weight", 1000}}}});
  CHECK(update_json({"--blkio-weight", "0"}) == nlohmann::json{{"blockIO", {{"weight", 0}}}});
  CHECK_THROWS_WITH(update_json({"--blkio-weight", "5"}),
                    Catch::Contains("flag --blkio-weight") && Catch::Contains("10 to 1000"));
  CHECK_THROWS_WITH(update_json({"--blkio-weight", "9"}), Catch::Contains("10 to 1000"));
  CHECK_THROWS_WITH(update_json({"--blkio-weight", "1001"}), Catch::Contains("10 to 1000"));
  CHECK_THROWS_WITH(update_json({"--blkio-weight", "-1"}), Catch::Contains("flag --blkio-weight"));
}

TEST_CASE("update: no flags, no document: an empty object", "[cli]") {
  auto r = update_json({});
  CHECK(r.is_object());
  CHECK(r.empty());
  CHECK(update_json({}, "{}") == nlohmann::json::object());
}

TEST_CASE("update: --resources merged, the flags over it", "[cli]") {
  std::string text = R"({"memory": {"limit": 100, "swap": 200},
                          "cpu": {"shares": 3, "cpus": "0"},
                          "pids": {"limit": 5}})";
  CHECK(update_json({}, text) == nlohmann::json::parse(text));
  auto r = update_json({"-r", "/dev/null", "--memory", "1g", "--cpuset-cpus", "2-3"}, text);
  CHECK(r == nlohmann::json{{"memory", {{"limit", kGiB}, {"swap", 200}}},
                            {"cpu", {{"shares", 3}, {"cpus", "2-3"}}},
                            {"pids", {{"limit", 5}}}});
  // A flag adds to a section the document lacks.
  CHECK(update_json({"--blkio-weight", "500"}, R"({"pids": {"limit": 5}})") ==
        nlohmann::json{{"pids", {{"limit", 5}}}, {"blockIO", {{"weight", 500}}}});
}

TEST_CASE("update: a --resources document that is not a JSON object is refused", "[cli]") {
  using Catch::Contains;
  CHECK_THROWS_AS(update_json({}, "{\"memory\": "), Error);
  CHECK_THROWS_WITH(update_json({}, "{\"memory\": "), Contains("--resources: invalid JSON"));
  CHECK_THROWS_WITH(update_json({"--memory", "1g"}, "not json"),
                    Contains("--resources: invalid JSON"));
  CHECK_THROWS_WITH(update_json({}, "[1, 2]"), Contains("--resources: expects a LinuxResources"));
  CHECK_THROWS_WITH(update_json({}, "42"), Contains("--resources: expects a LinuxResources"));
  CHECK_THROWS_WITH(update_json({}, "null"), Contains("--resources: expects a LinuxResources"));
  // Found by fuzz_cli (tests/fuzz/crashes/cli/): a member a flag writes
  // into that is not an object escaped as nlohmann's type_error.
  CHECK_THROWS_WITH(update_json({"--memory", "1m"}, R"({"memory": "x"})"),
                    Catch::Equals(R"(--resources: memory: must be an object, got "x")"));
  CHECK_THROWS_WITH(update_json({"--cpu-quota", "1"}, R"({"cpu": [1]})"),
                    Catch::Equals("--resources: cpu: must be an object, got [1]"));
  CHECK(update_json({"--pids-limit", "5"}, R"({"pids": null})") ==
        nlohmann::json::parse(R"({"pids": {"limit": 5}})"));
}

TEST_CASE("ps: ps -ef output filtered by the PID column (the second)", "[cli]") {
  std::string out =
      "UID          PID    PPID  C STIME TTY          TIME CMD\n"
      "root           1       0  0 10:00 ?        00:00:01 /sbin/init splash\n"
      "root         812       1  0 10:01 ?        00:00:00 sleep 100\n"
      "root         900     812  0 10:01 ?        00:00:00 sh -c echo 812\n"
      "root         813       1  0 10:01 pts/0    00:00:00 bash\n";
  CHECK(cli::filter_ps_output(out, {812, 813}) ==
        "UID          PID    PPID  C STIME TTY          TIME CMD\n"
        "root         812       1  0 10:01 ?        00:00:00 sleep 100\n"
        "root         813       1  0 10:01 pts/0    00:00:00 bash\n");
  CHECK(cli::filter_ps_output(out, {900}) ==
        "UID          PID    PPID  C STIME TTY          TIME CMD\n"
        "root         900     812  0 10:01 ?        00:00:00 sh -c echo 812\n");
  // None of ours: the header alone.
  CHECK(cli::filter_ps_output(out, {}) ==
        "UID          PID    PPID  C STIME TTY          TIME CMD\n");
  CHECK(cli::filter_ps_output(out, {4242}) ==
        "UID          PID    PPID  C STIME TTY          TIME CMD\n");
  // A line too short to have the PID column does not match by its last word,
  // nor does an empty line.
  CHECK(cli::filter_ps_output("UID   PID CMD\n812\n\nroot  812 sh\n", {812}) ==
        "UID   PID CMD\nroot  812 sh\n");
}

TEST_CASE("ps: ps -o pid,comm output filtered by the first column", "[cli]") {
  std::string out =
      "    PID COMMAND\n"
      "      1 systemd\n"
      "     81 sleep\n"
      "    812 sh\n"
      "   8120 cat";  // no newline at the end
  CHECK(cli::filter_ps_output(out, {812, 8120}) == "    PID COMMAND\n    812 sh\n   8120 cat\n");
  CHECK(cli::filter_ps_output(out, {1}) == "    PID COMMAND\n      1 systemd\n");
  // A header alone.
  CHECK(cli::filter_ps_output("    PID COMMAND\n", {1}) == "    PID COMMAND\n");
  CHECK(cli::filter_ps_output("    PID COMMAND", {1}) == "    PID COMMAND\n");
  // PPID is not PID.
  CHECK(cli::filter_ps_output("PPID   PID CMD\n   1   812 sh\n  812   9 x\n", {812}) ==
        "PPID   PID CMD\n   1   812 sh\n");
}

TEST_CASE("ps: output without a PID column is refused", "[cli]") {
  using Catch::Contains;
  CHECK_THROWS_AS(cli::filter_ps_output("USER COMMAND\nroot sh\n", {1}), Error);
  CHECK_THROWS_WITH(cli::filter_ps_output("USER COMMAND\nroot sh\n", {1}),
                    Contains("no PID column"));
  CHECK_THROWS_WITH(cli::filter_ps_output("   PPID CMD\n      1 sh\n", {1}),
                    Contains("no PID column"));
  CHECK_THROWS_WITH(cli::filter_ps_output("", {1}), Contains("no PID column"));
}

TEST_CASE("ps: words after the container id go to ps", "[cli]") {
  auto a = parse({"ps", "c1", "-ef"});
  CHECK(a.command == "ps");
  CHECK(a.args == std::vector<std::string>{"c1", "-ef"});
  CHECK(a.flags.empty());

  auto f = parse({"ps", "--format", "json", "c1"});
  CHECK(f.value("format") == "json");
  CHECK(f.args == std::vector<std::string>{"c1"});
  CHECK(parse({"ps", "-f", "table", "c1"}).value("format") == "table");

  auto d = parse({"ps", "c1", "--", "-o", "pid"});
  CHECK(d.args == std::vector<std::string>{"c1", "-o", "pid"});
  CHECK(d.flags.empty());

  // After the id, even ps's own --format goes to ps(1).
  auto late = parse({"ps", "c1", "--format", "json"});
  CHECK(late.args == std::vector<std::string>{"c1", "--format", "json"});
  CHECK(late.value("format").empty());

  CHECK_THROWS_WITH(parse({"ps"}), Catch::Contains("\"ps\" takes"));
  CHECK_THROWS_WITH(parse({"ps", "-ef", "c1"}), Catch::Contains("unknown flag \"-ef\" for \"ps\""));
}

TEST_CASE("rootless mode: settled as runc does; the state dir follows it", "[cli][rootless]") {
  using cli::Rootless;
  CHECK(cli::parse_rootless("") == Rootless::Auto);
  CHECK(cli::parse_rootless("auto") == Rootless::Auto);
  CHECK(cli::parse_rootless("true") == Rootless::True);
  CHECK(cli::parse_rootless("false") == Rootless::False);
  CHECK_THROWS_WITH(cli::parse_rootless("yes"),
                    "--rootless: must be true, false or auto, got \"yes\"");

  const std::string initial = "         0          0 4294967295\n";
  const std::string podman = "         0       1000          1\n         1     100000      65536\n";
  CHECK(cli::initial_user_namespace(initial));
  CHECK_FALSE(cli::initial_user_namespace(podman));
  CHECK_FALSE(cli::initial_user_namespace(""));
  // auto: not root, or root of a user namespace that is not the initial one
  CHECK_FALSE(cli::rootless_mode(Rootless::Auto, 0, initial));
  CHECK(cli::rootless_mode(Rootless::Auto, 1000, initial));
  CHECK(cli::rootless_mode(Rootless::Auto, 0, podman));
  // the flag wins
  CHECK_FALSE(cli::rootless_mode(Rootless::False, 1000, podman));
  CHECK(cli::rootless_mode(Rootless::True, 0, initial));

  CHECK(cli::state_root(std::string("/x"), true, nullptr) == "/x");
  CHECK(cli::state_root(std::nullopt, false, "/run/user/1000") == "/run/ocirun");
  CHECK(cli::state_root(std::nullopt, true, "/run/user/1000") == "/run/user/1000/ocirun");
  CHECK_THROWS_WITH(cli::state_root(std::nullopt, true, nullptr),
                    Catch::StartsWith("--root: not given, and XDG_RUNTIME_DIR is not set"));
  CHECK_THROWS_WITH(cli::state_root(std::nullopt, true, ""),
                    Catch::StartsWith("--root: not given, and XDG_RUNTIME_DIR is not set"));
  CHECK_THROWS_WITH(cli::state_root(std::nullopt, true, "run/user"),
                    "XDG_RUNTIME_DIR: must be an absolute path, got \"run/user\"");
}
