// config.yaml: the same schema as config.json, written in YAML. The document
// is turned into JSON (plain scalars resolved as YAML's core schema does) and
// then goes through the JSON loader, so both formats give the same Config and
// the same messages.
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <vector>

#include "runtime/spec/loader.hpp"
#include "runtime/sys/error.hpp"

namespace ocirun::spec {
namespace {

using json = nlohmann::json;

bool one_of(std::string_view s, std::initializer_list<std::string_view> words) {
  for (std::string_view w : words)
    if (s == w) return true;
  return false;
}

bool digits_in(std::string_view s, std::string_view allowed) {
  return !s.empty() && s.find_first_not_of(allowed) == std::string_view::npos;
}

// [-+]?[0-9]+, 0x[0-9a-fA-F]+, 0o[0-7]+. A leading 0 followed by octal digits
// ("0644") is read as octal, as YAML 1.1 (and the Go YAML libraries) read it:
// that is what a file mode written that way means.
std::optional<json> plain_integer(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  int base = 10;
  if (s.starts_with("0x") || s.starts_with("0o")) {
    base = s[1] == 'x' ? 16 : 8;
    s.remove_prefix(2);
    if (!digits_in(s, base == 16 ? "0123456789abcdefABCDEF" : "01234567")) return std::nullopt;
  } else if (!digits_in(s, "0123456789")) {
    return std::nullopt;
  } else if (s.size() > 1 && s[0] == '0' && digits_in(s, "01234567")) {
    base = 8;
  }
  uint64_t magnitude = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), magnitude, base);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  if (!negative) return json(magnitude);
  if (magnitude > uint64_t{1} << 63) return std::nullopt;
  return json(static_cast<int64_t>(0 - magnitude));
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, and .inf/.nan spellings.
std::optional<json> plain_float(std::string_view s) {
  std::string_view body = s;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) body.remove_prefix(1);
  if (one_of(body, {".inf", ".Inf", ".INF"})) return json(s[0] == '-' ? -HUGE_VAL : HUGE_VAL);
  if (one_of(s, {".nan", ".NaN", ".NAN"})) return json(NAN);
  size_t exp = body.find_first_of("eE");
  std::string_view mantissa = body.substr(0, exp);
  size_t dot = mantissa.find('.');
  std::string_view whole = mantissa.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? "" : mantissa.substr(dot + 1);
  bool ok = (whole.empty() || digits_in(whole, "0123456789")) &&
            (frac.empty() || digits_in(frac, "0123456789")) && !(whole.empty() && frac.empty());
  if (ok && exp != std::string_view::npos) {
    std::string_view e = body.substr(exp + 1);
    if (!e.empty() && (e[0] == '-' || e[0] == '+')) e.remove_prefix(1);
    ok = digits_in(e, "0123456789");
  }
  if (!ok) return std::nullopt;
  return json(std::strtod(std::string(s).c_str(), nullptr));
}

json plain_scalar(const std::string& s) {
  if (one_of(s, {"", "~", "null", "Null", "NULL"})) return nullptr;
  if (one_of(s, {"true", "True", "TRUE"})) return true;
  if (one_of(s, {"false", "False", "FALSE"})) return false;
  if (auto i = plain_integer(s)) return *i;
  if (auto f = plain_float(s)) return *f;
  return s;
}

[[noreturn]] void fail(std::string_view name, const YAML::Mark& mark, std::string_view msg) {
  std::string where;
  if (!mark.is_null())
    where = "line " + std::to_string(mark.line + 1) + ", column " +
            std::to_string(mark.column + 1) + ": ";
  throw Error(std::string(name) + ": invalid YAML: " + where + std::string(msg));
}

// Bounds on the document once aliases are followed: the nesting the JSON
// reader allows, and a number of values no real config comes near (Docker's
// seccomp profile has about 2000). Without them, an alias inside its own
// anchor (`&a [*a]`) recursed until the stack overflowed, and nested aliases
// expanded exponentially (511 bytes asked for 10^9 values).
constexpr size_t kMaxDepth = 128;
constexpr size_t kMaxValues = 200000;

struct Converter {
  std::string_view name;
  std::vector<YAML::Node> open;  // the collections being converted, outermost first
  size_t values = 0;

  json convert(const YAML::Node& node) {
    if (++values > kMaxValues)
      fail(name, node.Mark(),
           "more than " + std::to_string(kMaxValues) + " values once aliases are expanded");
    switch (node.Type()) {
      case YAML::NodeType::Scalar:
        return scalar(node);
      case YAML::NodeType::Sequence:
      case YAML::NodeType::Map:
        return collection(node);
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        break;
    }
    return nullptr;
  }

  static json scalar(const YAML::Node& node) {
    const std::string& tag = node.Tag();
    // "?": a plain scalar, whose type is read from its text; "!": quoted or
    // a block scalar, always a string. Explicit core tags resolve as plain.
    if (tag == "?" || tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float" ||
        tag == "tag:yaml.org,2002:bool" || tag == "tag:yaml.org,2002:null")
      return plain_scalar(node.Scalar());
    return node.Scalar();
  }

  json collection(const YAML::Node& node) {
    for (const YAML::Node& outer : open)
      if (outer.is(node)) fail(name, node.Mark(), "an alias refers to a node that contains it");
    if (open.size() >= kMaxDepth)
      fail(name, node.Mark(), "nested deeper than " + std::to_string(kMaxDepth) + " levels");
    open.push_back(node);
    json out = node.IsSequence() ? sequence(node) : map(node);
    open.pop_back();
    return out;
  }

  json sequence(const YAML::Node& node) {
    json out = json::array();
    for (const auto& item : node) out.push_back(convert(item));
    return out;
  }

  json map(const YAML::Node& node) {
    json out = json::object();
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) fail(name, kv.first.Mark(), "mapping keys must be scalars");
      const std::string& key = kv.first.Scalar();
      if (out.contains(key)) fail(name, kv.first.Mark(), "duplicate key \"" + key + "\"");
      out[key] = convert(kv.second);
    }
    return out;
  }
};

}  // namespace

json yaml_document(std::string_view text, std::string_view name) {
  try {
    Converter converter{name, {}, 0};
    return converter.convert(YAML::Load(std::string(text)));
  } catch (const YAML::Exception& e) {
    fail(name, e.mark, e.msg);
  }
}

}  // namespace ocirun::spec
