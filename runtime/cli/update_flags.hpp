// The flags of `update` and `events` turned into values (pure).
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/cli/args.hpp"

namespace ocirun::cli {

// "1024", "512k", "512m", "1g", "1.5G", "2GiB", "-1" → bytes (binary units, as
// runc's RAMInBytes). Throws Error naming the flag.
int64_t parse_bytes(const std::string& flag, const std::string& value);

// Go's durations as runc takes them: "5s", "100ms", "1m30s", "2h" → milliseconds.
unsigned parse_duration_ms(const std::string& flag, const std::string& value);

// The LinuxResources object `update`'s flags ask for: the --resources
// document (its text given) with the single-value flags applied over it.
nlohmann::json update_resources(const Invocation& inv, const std::string& resources_text);

}  // namespace ocirun::cli
