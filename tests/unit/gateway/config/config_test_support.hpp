// Helpers for the configuration tests: an injected environment (variables and files held in
// maps, nothing read from the machine) and lookups into a load's diagnostics.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/config/config.hpp"

namespace l402::gateway::test {

struct FakeEnvironment {
  std::map<std::string, std::string> variables;
  std::map<std::string, std::string> files;  // by path as given (after ~ and base resolution)

  ConfigEnvironment environment() const {
    ConfigEnvironment env;
    env.getenv = [this](const std::string& name) -> std::optional<std::string> {
      auto it = variables.find(name);
      if (it == variables.end()) return std::nullopt;
      return it->second;
    };
    env.read_file = [this](const std::filesystem::path& path) -> std::optional<std::string> {
      auto it = files.find(path.string());
      if (it == files.end()) return std::nullopt;
      return it->second;
    };
    env.home = "/home/tester";
    env.default_data_dir = "/home/tester/.local/share/l402d";
    return env;
  }
};

inline ConfigLoad parse(const std::string& yaml, const FakeEnvironment& fake = {}) {
  return parse_config(yaml, fake.environment());
}

// The first diagnostic whose message contains `text`, or nullptr.
inline const ConfigDiagnostic* find_diagnostic(const std::vector<ConfigDiagnostic>& list,
                                               std::string_view text) {
  for (const ConfigDiagnostic& diagnostic : list) {
    if (diagnostic.message.find(text) != std::string::npos) return &diagnostic;
  }
  return nullptr;
}

// Passes when there is an error containing `text` on `line`.
inline ::testing::AssertionResult HasErrorOnLine(const ConfigLoad& load, std::string_view text,
                                                 int line) {
  std::string all;
  for (const ConfigDiagnostic& error : load.errors) {
    if (error.message.find(text) != std::string::npos && error.line == line) {
      return ::testing::AssertionSuccess();
    }
    all += "\n  " + std::to_string(error.line) + ":" + std::to_string(error.column) + " " +
           error.message;
  }
  return ::testing::AssertionFailure()
         << "no error mentioning \"" << text << "\" on line " << line << "; errors:" << all;
}

inline std::string describe_errors(const ConfigLoad& load) {
  return format_diagnostics("config.yaml", load);
}

}  // namespace l402::gateway::test
