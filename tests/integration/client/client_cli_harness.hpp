// Running the built `l402` as a buyer in the client's end-to-end tests: a configuration file
// that pays from a devnet account (with budgets), a token store of the test's own, and the
// command run with both.
#pragma once

#include <string>

#include "cli_runner.hpp"
#include "temp_dir.hpp"

namespace l402::test {

struct BuyerWallet {
  std::string devnet_dir;  // holds tls.cert and <account>.macaroon
  std::string devnet_url;
  std::string account;
};

class Buyer {
 public:
  // A buyer with its own directory (config.yaml, store/) paying from `wallet`; `budget_yaml`
  // is the contents of the `budget:` mapping, indented by two spaces ("" for none).
  // `store_dir` names a token store to share with another Buyer ("": one of its own).
  explicit Buyer(const BuyerWallet& wallet, const std::string& budget_yaml = "",
                 const std::string& store_dir = "");

  // Runs `l402 ARGS --config CONFIG --data-dir STORE` (ARGS already quoted for the shell).
  CliRun run(const std::string& args) const;

  const std::string& config_path() const { return config_path_; }
  const std::string& store_dir() const { return store_dir_; }
  std::string file(const std::string& name) const { return dir_.file(name); }

 private:
  TempDir dir_{"l402-buyer"};
  std::string config_path_;
  std::string store_dir_;
};

// Single quotes for the shell.
std::string shell_quote(const std::string& text);

}  // namespace l402::test
