// Runs a parsed command line: each command reads its flags and calls one
// container operation. Returns the process exit status.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/cli/args.hpp"

namespace ocirun::cli {

int dispatch(const Invocation& inv);

// The `list` table (pure; exposed for tests).
std::string list_table(const std::vector<nlohmann::json>& states);

// `ps`: the header and the lines of ps(1)'s output whose PID column holds one
// of `pids` (pure; exposed for tests). Throws when there is no PID column.
std::string filter_ps_output(const std::string& output, const std::vector<pid_t>& pids);

}  // namespace ocirun::cli
