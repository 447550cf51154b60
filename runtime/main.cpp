// ocirun: an OCI container runtime. Parses the command line, sets up logging,
// runs the command; an error is one line on stderr (and in --log) and exit 1.
#include <string>
#include <vector>

#include "runtime/cli/args.hpp"
#include "runtime/cli/commands.hpp"
#include "runtime/launch/sealed_binary.hpp"
#include "runtime/log.hpp"
#include "runtime/sys/error.hpp"

int main(int argc, char** argv) {
  using namespace ocirun;
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    cli::Invocation inv;
    size_t command_at = cli::parse_globals(args, inv);
    auto& g = inv.globals;
    std::string fmt = g.count("log-format") ? g["log-format"] : "text";
    log::configure(g.count("log") ? g["log"] : "",
                   fmt == "json" ? log::Format::Json : log::Format::Text,
                   g.count("debug") && g["debug"] == "true");
    if (fmt != "text" && fmt != "json")
      throw Error("flag --log-format: expects text or json, got \"" + fmt + "\"");
    cli::parse_command(args, command_at, inv);
    // The commands that make processes the container can see run them from
    // a sealed copy of the runtime (runtime/launch/sealed_binary.hpp).
    const std::string& cmd = inv.command;
    if (!inv.help && !inv.version && (cmd == "create" || cmd == "run" || cmd == "exec"))
      launch::ensure_sealed(argv);
    return cli::dispatch(inv);
  } catch (const Error& e) {
    log::error(e.what());
  } catch (const std::exception& e) {
    log::error(e.what());
  }
  return 1;
}
