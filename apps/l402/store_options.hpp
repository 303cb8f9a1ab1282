// The options every buyer's command that touches the token store shares: --config and
// --data-dir, and opening the store they name.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "client_config.hpp"
#include "l402/client_store.hpp"
#include "l402/result.hpp"

namespace CLI {
class App;
}  // namespace CLI

namespace l402::cli {

struct StoreArguments {
  std::optional<std::string> config_path;
  std::optional<std::string> data_dir;
};

void add_store_options(CLI::App& command, StoreArguments& arguments);

// The configuration, with --data-dir (when given) in place of the configured store.dir.
Result<ClientConfig> load_config_for(const StoreArguments& arguments);

// Opens the token store of `config`. Errors: those of ClientStore::open.
Result<std::unique_ptr<ClientStore>> open_store(const ClientConfig& config);

}  // namespace l402::cli
