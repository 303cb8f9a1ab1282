// Reads typed values out of a yaml-cpp tree and collects every problem with its line and
// column, so that a configuration's errors are all reported at once. Shared by the l402d and
// the Aperture formats. Never throws: the yaml-cpp calls it makes on nodes of a checked type
// do not throw.
//
// Thread safety: one reader per load.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/config/config.hpp"
#include "gateway/config/value_parsers.hpp"

namespace l402::gateway::config_detail {

// More errors than this are summarised: a file that is not a configuration at all would
// otherwise produce one per line.
inline constexpr std::size_t kMaxDiagnostics = 100;

class ConfigReader {
 public:
  // `base_dir`: where relative paths are resolved.
  ConfigReader(const ConfigEnvironment& env, std::filesystem::path base_dir);

  const ConfigEnvironment& env() const { return env_; }

  void error(const YAML::Node& at, std::string message);
  void error(const YAML::Mark& at, std::string message);
  void warning(const YAML::Node& at, std::string message);
  bool has_errors() const { return !errors_.empty(); }
  std::vector<ConfigDiagnostic> take_errors();
  std::vector<ConfigDiagnostic> take_warnings();

  // Whether `node` is a mapping (a null node, i.e. "key:" with nothing, counts as an empty
  // one); reports an error naming `what` when it is neither.
  bool expect_map(const YAML::Node& node, std::string_view what);
  bool expect_sequence(const YAML::Node& node, std::string_view what);

  // Reports every key of `map` that is not in `allowed` (with a "did you mean" when one is
  // close), keys that are not strings, and keys given twice.
  void check_keys(const YAML::Node& map, std::string_view what,
                  std::initializer_list<std::string_view> allowed);
  // The same over any list of keys; `note` is added to the unknown-key message.
  void check_keys(const YAML::Node& map, std::string_view what,
                  std::span<const std::string_view> allowed, std::string_view note);

  // Typed scalars; nullopt (and an error naming `what`) when the node is not one.
  std::optional<std::string> text(const YAML::Node& node, std::string_view what);
  std::optional<std::string> non_empty_text(const YAML::Node& node, std::string_view what);
  std::optional<bool> boolean(const YAML::Node& node, std::string_view what);
  std::optional<std::uint64_t> integer(const YAML::Node& node, std::string_view what,
                                       std::uint64_t min, std::uint64_t max);
  std::optional<std::chrono::milliseconds> duration(const YAML::Node& node, std::string_view what,
                                                    bool allow_zero = false);
  std::optional<std::uint64_t> size(const YAML::Node& node, std::string_view what);
  std::optional<Msat> price(const YAML::Node& node, std::string_view what);
  std::optional<HostPort> address(const YAML::Node& node, std::string_view what,
                                  bool allow_empty_host = false);
  // A file or directory: "~/" is the home directory; relative paths are resolved against the
  // base directory.
  std::optional<std::filesystem::path> path(const YAML::Node& node, std::string_view what);
  std::filesystem::path resolve(const std::string& path) const;
  // A regex that compiles (std::regex, ECMAScript).
  std::optional<std::string> regex(const YAML::Node& node, std::string_view what);
  bool check_regex_text(const YAML::Node& at, const std::string& pattern, std::string_view what);
  // A sequence of strings (a single string is a list of one).
  std::optional<std::vector<std::string>> string_list(const YAML::Node& node,
                                                      std::string_view what);

  // Reads `map[key]` into `target` with `read` when the key is there.
  template <typename T, typename Read>
  void read_into(const YAML::Node& map, const char* key, std::string_view section, T& target,
                 Read read) {
    const YAML::Node node = map[key];
    if (!node.IsDefined()) return;
    if (auto value = read(node, qualified(section, key))) target = std::move(*value);
  }

  static std::string qualified(std::string_view section, std::string_view key);

 private:
  void add(std::vector<ConfigDiagnostic>& list, const YAML::Mark& at, std::string message);

  const ConfigEnvironment& env_;
  std::filesystem::path base_dir_;
  std::vector<ConfigDiagnostic> errors_;
  std::vector<ConfigDiagnostic> warnings_;
  bool truncated_ = false;
};

// "services[2]" style names for messages.
std::string indexed(std::string_view what, std::size_t index);

}  // namespace l402::gateway::config_detail
