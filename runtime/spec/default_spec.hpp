// `ocirun spec`: the starter config.json a new bundle gets, the same starting
// point `runc spec` gives (with "ocirun" as the hostname).
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

namespace ocirun::spec {

// For `rootless`, the calling user (getuid()/getgid()) becomes root in a new
// user namespace.
nlohmann::json default_spec(bool rootless);

// Same, with the host ids of the rootless mapping given (for tests).
nlohmann::json default_spec(bool rootless, uint32_t host_uid, uint32_t host_gid);

}  // namespace ocirun::spec
