// libFuzzer target: the command line (the input split on NUL bytes, one word
// each, the program name left out) parsed as runtime/main.cpp parses it:
// global flags (cli::parse_globals), --log-format checked, then the command
// (cli::parse_command). What follows stays pure: the values of every flag
// given, the help text asked for, `update`'s flags turned into a
// LinuxResources document (cli::update_resources; the --resources value
// stands for the file's text), validated and planned as `update` does, and
// `events --interval`. Every refusal is ocirun::Error.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cgroups/resources.hpp"
#include "runtime/cli/args.hpp"
#include "runtime/cli/update_flags.hpp"
#include "runtime/spec/loader.hpp"
#include "runtime/sys/error.hpp"
#include "tests/fuzz/words.hpp"

namespace {

using namespace ocirun;

void after_parse(const cli::Invocation& inv) {
  for (const auto& [name, value] : inv.flags) (void)inv.values(name);
  if (inv.help) {
    const cli::CommandSpec* c = cli::find_command(inv.command);
    (void)(c ? cli::command_usage(*c) : cli::usage());
    return;
  }
  if (inv.command == "update") {
    nlohmann::json r = cli::update_resources(inv, inv.value("resources"));
    spec::check_resources(r, "--resources");
    (void)cgroups::plan_resources(r);
  } else if (inv.command == "events" && inv.flags.count("interval")) {
    (void)cli::parse_duration_ms("interval", inv.value("interval"));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> args = fuzz::split_words(data, size);
  try {
    cli::Invocation inv;
    size_t command_at = cli::parse_globals(args, inv);
    auto it = inv.globals.find("log-format");
    std::string fmt = it == inv.globals.end() ? "text" : it->second;
    if (fmt != "text" && fmt != "json")
      throw Error("flag --log-format: expects text or json, got \"" + fmt + "\"");
    cli::parse_command(args, command_at, inv);
    after_parse(inv);
  } catch (const Error&) {
  }
  return 0;
}
