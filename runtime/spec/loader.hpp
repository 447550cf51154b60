// Bundle configuration loading: JSON (config.json) or, when a bundle has none,
// YAML (config.yaml / config.yml) of the very same schema. Every error names the
// file and the path inside the document:
//   config.json: mounts[3].destination: must be an absolute path, got "tmp"
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "runtime/spec/config.hpp"

namespace ocirun::spec {

// Reads the bundle's config file; throws ocirun::Error.
Config load_bundle(const std::string& bundle_dir);

// The bundle's config document (config.json, else config.yaml or config.yml,
// as JSON), not yet validated; `name`, when given, gets the file's name.
nlohmann::json load_bundle_document(const std::string& bundle_dir, std::string* name = nullptr);

// Parses a document already in memory. `name` prefixes every message.
Config parse_json(std::string_view text, std::string_view name = "config.json");
Config parse_yaml(std::string_view text, std::string_view name = "config.yaml");
// The same, stopping before validation: the document as JSON.
nlohmann::json json_document(std::string_view text, std::string_view name);
nlohmann::json yaml_document(std::string_view text, std::string_view name);

// Validates a LinuxResources object (`update --resources`) as linux.resources
// is validated; messages start with `name`.
void check_resources(const nlohmann::json& doc, std::string_view name);

// Validates a parsed document and builds the typed config.
Config from_json(const nlohmann::json& doc, std::string_view name);

}  // namespace ocirun::spec
