#include "client_cli_harness.hpp"

#include <fstream>

namespace l402::test {

Buyer::Buyer(const BuyerWallet& wallet, const std::string& budget_yaml,
             const std::string& store_dir) {
  config_path_ = dir_.file("config.yaml");
  store_dir_ = store_dir.empty() ? dir_.file("store") : store_dir;
  std::ofstream config(config_path_);
  config << "wallet:\n  type: devnet\n  devnet:\n    dir: " << wallet.devnet_dir
         << "\n    url: " << wallet.devnet_url << "\n    account: " << wallet.account << "\n";
  if (!budget_yaml.empty()) config << "budget:\n" << budget_yaml;
}

CliRun Buyer::run(const std::string& args) const {
  return run_program(L402_CLI_PATH, args + " --config " + shell_quote(config_path_) +
                                        " --data-dir " + shell_quote(store_dir_));
}

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

}  // namespace l402::test
