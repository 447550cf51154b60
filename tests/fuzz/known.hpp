// Findings reported and not yet fixed in ocirun's code, which the targets
// step over so that a run goes on to find others (README.md, "Findings").
// Each goes when its fix lands; its reproducer stays under crashes/.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

namespace ocirun::fuzz {

// crashes/config_json/number-overflow.json: spec::json_document lets a number
// too large for a double ("1e999") escape as nlohmann's out_of_range (406), a
// message without the file's name, where every other parse error is an
// ocirun::Error naming it.
inline bool number_overflow(const nlohmann::json::out_of_range& e) {
  return e.id == 406;
}

// crashes/config_json/deep-nesting.json: a value nested 100000 deep where
// the schema wants another type overflows the stack (SIGSEGV): the message
// quotes the value (loader.cpp, shown(): the whole value dumped, recursively,
// then cut to 64 characters). Inputs of the fuzzer's sizes cannot nest that
// deep; this keeps the reproducer itself (run-corpus runs it) from crashing.
inline bool deeply_nested(std::string_view text, size_t limit = 10000) {
  size_t depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

namespace detail {

inline bool bounded(const YAML::Node& node, std::vector<YAML::Node>& path, size_t& budget) {
  if (budget == 0) return false;
  --budget;
  for (const YAML::Node& p : path)
    if (p.is(node)) return false;
  if (!node.IsSequence() && !node.IsMap()) return true;
  path.push_back(node);
  bool ok = true;
  for (auto it = node.begin(); ok && it != node.end(); ++it)
    ok = node.IsSequence() ? bounded(*it, path, budget)
                           : bounded(it->first, path, budget) && bounded(it->second, path, budget);
  path.pop_back();
  return ok;
}

}  // namespace detail

// crashes/config_yaml/alias-cycle.yaml and alias-expansion.yaml: the YAML
// loader (runtime/spec/yaml.cpp, to_json) follows aliases without bound, so
// an alias inside its own anchor recurses until the stack overflows (SIGSEGV)
// and nested aliases expand exponentially (gigabytes from 511 bytes). True
// when the document loads and has neither a cycle nor more than `max_nodes`
// nodes once aliases are expanded. A document yaml-cpp refuses counts as
// bounded: the loader's own error path is for the target to exercise.
inline bool yaml_is_bounded(std::string_view text, size_t max_nodes) {
  // No alias without an anchor: most inputs skip the second parse.
  if (text.find('&') == std::string_view::npos || text.find('*') == std::string_view::npos)
    return true;
  try {
    YAML::Node doc = YAML::Load(std::string(text));
    std::vector<YAML::Node> path;
    return detail::bounded(doc, path, max_nodes);
  } catch (const YAML::Exception&) {
    return true;
  }
}

}  // namespace ocirun::fuzz
