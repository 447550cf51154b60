// Runs a parsed command line: each command reads its flags and calls one
// container operation. Returns the process exit status.
#pragma once

#include <nlohmann/json.hpp>

#include "runtime/cli/args.hpp"

namespace ocirun::cli {

int dispatch(const Invocation& inv);

// The `list` table (pure; exposed for tests).
std::string list_table(const std::vector<nlohmann::json>& states);

}  // namespace ocirun::cli
