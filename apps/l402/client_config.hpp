// The buyer's configuration file (docs/client-config.md): which wallet pays, within which
// budgets, and where tokens and receipts are kept.
//
// Looked up in this order: --config FILE, $L402_CONFIG, $XDG_CONFIG_HOME/l402/config.yaml,
// ~/.config/l402/config.yaml. No file at all means the defaults: the local devnet.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "l402/lightning.hpp"
#include "l402/purchase_policy.hpp"
#include "l402/result.hpp"

namespace l402::cli {

enum class WalletKind { kDevnet, kLnd, kCln };

struct WalletConfig {
  WalletKind kind = WalletKind::kDevnet;
  // devnet: its data directory and REST address, and the account that pays.
  std::string devnet_dir;  // default: $XDG_DATA_HOME/l402/devnet or ~/.local/share/l402/devnet
  std::string devnet_url = "https://127.0.0.1:18080";
  std::string devnet_account = "default";
  LndOptions lnd;
  ClnOptions cln;
};

struct ClientConfig {
  std::string source;  // the file read, or "" for the defaults
  WalletConfig wallet;
  // Spending limits for `l402 get/request` (none by default: --max-price still applies).
  Budget budget;
  // The token store and ledger (tokens.db); default: default_store_dir().
  std::string store_dir;
};

// The data directory `l402 devnet` uses by default.
std::string default_devnet_dir();

// $XDG_DATA_HOME/l402, else ~/.local/share/l402.
std::string default_store_dir();

// Reads the configuration (explicit path, or the lookup above). Errors: kNotFound for an
// explicit path that does not exist; kInvalidArgument naming the file, line and key for
// anything it does not understand (unknown keys are errors, not ignored).
Result<ClientConfig> load_client_config(const std::optional<std::string>& explicit_path);

// Opens the configured wallet (does not connect yet).
Result<std::unique_ptr<Backend>> open_wallet(const WalletConfig& wallet);

}  // namespace l402::cli
