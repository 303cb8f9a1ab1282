// Typed reads from a yaml-cpp tree with collected diagnostics (see config_reader.hpp).
#include "gateway/config/config_reader.hpp"

#include <set>
#include <utility>

namespace l402::gateway::config_detail {
namespace {

// Lists longer than this are refused: no configuration needs them, and each entry may cost a
// regex compilation.
constexpr std::size_t kMaxListEntries = 1000;

YAML::Mark mark_of(const YAML::Node& node) {
  // An absent key's node has no position (and yaml-cpp throws when asked for it).
  if (!node.IsDefined()) return YAML::Mark::null_mark();
  return node.Mark();
}

template <typename T>
std::optional<T> value_or_report(ConfigReader& reader, const YAML::Node& node,
                                 std::string_view what, const Parsed<T>& parsed) {
  if (const auto* problem = std::get_if<std::string>(&parsed)) {
    reader.error(node, std::string(what) + " " + *problem);
    return std::nullopt;
  }
  return std::get<T>(parsed);
}

}  // namespace

std::string indexed(std::string_view what, std::size_t index) {
  return std::string(what) + "[" + std::to_string(index) + "]";
}

ConfigReader::ConfigReader(const ConfigEnvironment& env, std::filesystem::path base_dir)
    : env_(env), base_dir_(std::move(base_dir)) {}

std::string ConfigReader::qualified(std::string_view section, std::string_view key) {
  if (section.empty()) return std::string(key);
  return std::string(section) + "." + std::string(key);
}

void ConfigReader::add(std::vector<ConfigDiagnostic>& list, const YAML::Mark& at,
                       std::string message) {
  if (errors_.size() + warnings_.size() >= kMaxDiagnostics) {
    if (!truncated_) {
      truncated_ = true;
      errors_.push_back({0, 0, "too many problems; the rest are not listed"});
    }
    return;
  }
  ConfigDiagnostic diagnostic;
  if (!at.is_null()) {
    diagnostic.line = at.line + 1;
    diagnostic.column = at.column + 1;
  }
  diagnostic.message = std::move(message);
  list.push_back(std::move(diagnostic));
}

void ConfigReader::error(const YAML::Node& at, std::string message) {
  add(errors_, mark_of(at), std::move(message));
}

void ConfigReader::error(const YAML::Mark& at, std::string message) {
  add(errors_, at, std::move(message));
}

void ConfigReader::warning(const YAML::Node& at, std::string message) {
  add(warnings_, mark_of(at), std::move(message));
}

std::vector<ConfigDiagnostic> ConfigReader::take_errors() { return std::move(errors_); }
std::vector<ConfigDiagnostic> ConfigReader::take_warnings() { return std::move(warnings_); }

bool ConfigReader::expect_map(const YAML::Node& node, std::string_view what) {
  if (node.IsMap() || node.IsNull()) return true;
  error(node, std::string(what) + " must be a mapping of keys to values");
  return false;
}

bool ConfigReader::expect_sequence(const YAML::Node& node, std::string_view what) {
  if (node.IsSequence() || node.IsNull()) return true;
  error(node, std::string(what) + " must be a list");
  return false;
}

void ConfigReader::check_keys(const YAML::Node& map, std::string_view what,
                              std::initializer_list<std::string_view> allowed) {
  check_keys(map, what, std::span<const std::string_view>(allowed.begin(), allowed.size()), "");
}

void ConfigReader::check_keys(const YAML::Node& map, std::string_view what,
                              std::span<const std::string_view> allowed, std::string_view note) {
  if (!map.IsMap()) return;
  std::set<std::string> seen;
  for (const auto& entry : map) {
    if (!entry.first.IsScalar()) {
      error(entry.first, "a key in " + std::string(what) + " is not a string");
      continue;
    }
    const std::string key = entry.first.Scalar();
    if (!seen.insert(key).second) {
      error(entry.first, "key '" + key + "' is given twice in " + std::string(what));
      continue;
    }
    bool known = false;
    std::string_view closest;
    std::size_t closest_distance = 3;  // suggest only close spellings
    for (std::string_view name : allowed) {
      if (key == name) {
        known = true;
        break;
      }
      const std::size_t distance = edit_distance(key, name);
      if (distance < closest_distance) {
        closest_distance = distance;
        closest = name;
      }
    }
    if (known) continue;
    std::string message = "unknown key '" + key + "' in " + std::string(what) + std::string(note);
    if (!closest.empty()) message += " (did you mean '" + std::string(closest) + "'?)";
    error(entry.first, std::move(message));
  }
}

std::optional<std::string> ConfigReader::text(const YAML::Node& node, std::string_view what) {
  if (!node.IsScalar()) {
    error(node, std::string(what) + " must be a string");
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<std::string> ConfigReader::non_empty_text(const YAML::Node& node,
                                                        std::string_view what) {
  std::optional<std::string> value = text(node, what);
  if (value && value->empty()) {
    error(node, std::string(what) + " must not be empty");
    return std::nullopt;
  }
  return value;
}

std::optional<bool> ConfigReader::boolean(const YAML::Node& node, std::string_view what) {
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
    error(node, std::string(what) + " must be true or false");
    return std::nullopt;
  }
  return value;
}

std::optional<std::uint64_t> ConfigReader::integer(const YAML::Node& node, std::string_view what,
                                                   std::uint64_t min, std::uint64_t max) {
  std::optional<std::uint64_t> value;
  if (node.IsScalar()) value = parse_unsigned(node.Scalar());
  if (!value || *value < min || *value > max) {
    error(node, std::string(what) + " must be a whole number from " + std::to_string(min) + " to " +
                    std::to_string(max));
    return std::nullopt;
  }
  return value;
}

std::optional<std::chrono::milliseconds> ConfigReader::duration(const YAML::Node& node,
                                                                std::string_view what,
                                                                bool allow_zero) {
  if (!node.IsScalar()) {
    error(node, std::string(what) + " must be a duration (e.g. 10s, 500ms, 5m, 1h)");
    return std::nullopt;
  }
  std::optional<std::chrono::milliseconds> value =
      value_or_report(*this, node, what, parse_duration(node.Scalar()));
  if (value && !allow_zero && value->count() == 0) {
    error(node, std::string(what) + " must be longer than zero (at least 1ms)");
    return std::nullopt;
  }
  return value;
}

std::optional<std::uint64_t> ConfigReader::size(const YAML::Node& node, std::string_view what) {
  if (!node.IsScalar()) {
    error(node, std::string(what) + " must be a size (e.g. 16KiB, 10MiB)");
    return std::nullopt;
  }
  return value_or_report(*this, node, what, parse_size(node.Scalar()));
}

std::optional<Msat> ConfigReader::price(const YAML::Node& node, std::string_view what) {
  if (!node.IsScalar()) {
    error(node, std::string(what) + " must be a price (satoshis, or \"1500 msat\")");
    return std::nullopt;
  }
  return value_or_report(*this, node, what, parse_price(node.Scalar()));
}

std::optional<HostPort> ConfigReader::address(const YAML::Node& node, std::string_view what,
                                              bool allow_empty_host) {
  if (!node.IsScalar()) {
    error(node, std::string(what) + " must be an address (\"host:port\")");
    return std::nullopt;
  }
  return value_or_report(*this, node, what, parse_host_port(node.Scalar(), allow_empty_host));
}

std::filesystem::path ConfigReader::resolve(const std::string& path) const {
  std::filesystem::path out;
  if (path == "~") {
    out = env_.home;
  } else if (path.rfind("~/", 0) == 0) {
    out = env_.home / path.substr(2);
  } else {
    out = path;
  }
  if (out.is_relative() && !base_dir_.empty()) out = base_dir_ / out;
  return out.lexically_normal();
}

std::optional<std::filesystem::path> ConfigReader::path(const YAML::Node& node,
                                                        std::string_view what) {
  std::optional<std::string> value = non_empty_text(node, what);
  if (!value) return std::nullopt;
  if (value->find('\0') != std::string::npos) {
    error(node, std::string(what) + " must not contain a NUL character");
    return std::nullopt;
  }
  return resolve(*value);
}

bool ConfigReader::check_regex_text(const YAML::Node& at, const std::string& pattern,
                                    std::string_view what) {
  if (std::optional<std::string> problem = check_regex(pattern)) {
    error(at, std::string(what) + ": regex " + *problem);
    return false;
  }
  return true;
}

std::optional<std::string> ConfigReader::regex(const YAML::Node& node, std::string_view what) {
  std::optional<std::string> pattern = text(node, what);
  if (!pattern || !check_regex_text(node, *pattern, what)) return std::nullopt;
  return pattern;
}

std::optional<std::vector<std::string>> ConfigReader::string_list(const YAML::Node& node,
                                                                  std::string_view what) {
  if (node.IsScalar()) return std::vector<std::string>{node.Scalar()};
  if (node.IsNull()) return std::vector<std::string>{};
  if (!node.IsSequence()) {
    error(node, std::string(what) + " must be a list of strings");
    return std::nullopt;
  }
  if (node.size() > kMaxListEntries) {
    error(node,
          std::string(what) + " has more than " + std::to_string(kMaxListEntries) + " entries");
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    if (!item.IsScalar()) {
      error(item, indexed(what, i) + " must be a string");
      ok = false;
      continue;
    }
    out.push_back(item.Scalar());
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace l402::gateway::config_detail
