// Command-line parsing: runc's flag forms, and errors for what is wrong.
#include <signal.h>

#include <catch2/catch.hpp>

#include "runtime/cli/args.hpp"
#include "runtime/cli/commands.hpp"
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
  CHECK_THROWS(container::parse_signal("0"));
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
