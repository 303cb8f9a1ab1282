// A running gateway: every object l402d is made of, wired together, in the order they must
// start and stop. main() owns one and drives it with signals.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "gateway/config/config.hpp"
#include "l402/result.hpp"

namespace l402::l402d {

class Runtime {
 public:
  // Opens the data directory, store, Lightning backend (an embedded devnet by default) and
  // starts the listeners. `config_path` (empty: built-in defaults) is what reload() re-reads.
  static Result<std::unique_ptr<Runtime>> start(gateway::GatewayConfig config,
                                                std::filesystem::path config_path);
  ~Runtime();

  // One JSON line: listeners, admin, data directory, devnet details.
  std::string ready_line() const;
  // What to do next, for a person at a terminal.
  std::string guidance() const;

  // Re-reads the config file. On error the running configuration stays and the errors are
  // logged. Settings that need a restart are reported and kept.
  void reload();

  // Drains in-flight requests (up to drain_timeout), records the last paid requests, and
  // stops everything.
  void shut_down();

 private:
  struct Parts;
  explicit Runtime(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace l402::l402d
