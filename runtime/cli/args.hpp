// The command line: one table of commands and their flags, runc-compatible.
// Global flags come before the command; `--flag value`, `--flag=value`, and the
// single-dash long form Go programs accept (`-bundle x`) all work.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ocirun::cli {

struct FlagSpec {
  std::string_view name;  // long name, without dashes
  char short_name;        // 0 if none
  bool takes_value;
  std::string_view value_name;  // for help: "DIR", "FILE", ...
  std::string_view help;
  bool repeatable = false;  // each use adds a value (joined by '\n')
};

struct CommandSpec {
  std::string_view name;
  std::string_view args;  // for help: "<container-id>"
  std::string_view summary;
  int min_args, max_args;
  std::span<const FlagSpec> flags;
  // After the first argument, every word is an argument (ps: `ps ID -ef`).
  bool rest_after_first = false;
};

std::span<const CommandSpec> commands();
std::span<const FlagSpec> global_flags();

struct Invocation {
  std::map<std::string, std::string> globals;  // long name → value ("true" for booleans)
  std::string command;                         // empty: none given
  std::map<std::string, std::string> flags;
  std::vector<std::string> args;
  bool help = false;     // --help / -h (global or for the command)
  bool version = false;  // --version / -v

  bool flag(const std::string& name) const;  // a boolean flag is set
  std::string value(const std::string& name, const std::string& fallback = "") const;
  // Each use of a repeatable flag, in order; empty when it was not given.
  std::vector<std::string> values(const std::string& name) const;
};

// Throws Error for an unknown command or flag, a missing flag value, or a wrong
// number of arguments: `unknown flag "--nope" for "create"`.
Invocation parse(std::span<const std::string> argv);
// The two halves of parse(): global flags first (so that logging can be set up
// before anything else can fail), then the command. parse_globals returns the
// index of the command word.
size_t parse_globals(std::span<const std::string> argv, Invocation& inv);
void parse_command(std::span<const std::string> argv, size_t i, Invocation& inv);

std::string usage();                              // ocirun --help
std::string command_usage(const CommandSpec& c);  // ocirun COMMAND --help
const CommandSpec* find_command(std::string_view name);

}  // namespace ocirun::cli
