// `ocirun features`: the features document of the runtime-spec (features.md),
// generated from the same tables the loader and the launcher use.
#pragma once

#include <nlohmann/json.hpp>

namespace ocirun::cli {

nlohmann::json features();

}  // namespace ocirun::cli
