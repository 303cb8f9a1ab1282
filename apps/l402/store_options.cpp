#include "store_options.hpp"

#include <CLI/CLI.hpp>

namespace l402::cli {

void add_store_options(CLI::App& command, StoreArguments& arguments) {
  command.add_option("--config", arguments.config_path,
                     "Configuration file (default: $L402_CONFIG, ~/.config/l402/config.yaml)");
  command.add_option("--data-dir", arguments.data_dir,
                     "Token store directory (default: store.dir, else ~/.local/share/l402)");
}

Result<ClientConfig> load_config_for(const StoreArguments& arguments) {
  L402_ASSIGN_OR_RETURN(ClientConfig config, load_client_config(arguments.config_path));
  if (arguments.data_dir) config.store_dir = *arguments.data_dir;
  return config;
}

Result<std::unique_ptr<ClientStore>> open_store(const ClientConfig& config) {
  return ClientStore::open(config.store_dir);
}

}  // namespace l402::cli
