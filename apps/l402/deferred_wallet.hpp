// The wallet of `l402 get` and `l402 request`, opened when a payment first needs it: a free
// URL, or one with a stored token, works with no wallet configured or reachable.
#pragma once

#include <memory>

#include "client_config.hpp"
#include "l402/lightning.hpp"

namespace l402::cli {

// A Backend that opens `wallet` (open_wallet) on its first call. When that fails, the call
// fails with kUnavailable ("wallet: <why>"), which `l402` reports as the wallet being
// unavailable; the next call tries again.
std::unique_ptr<Backend> open_wallet_when_needed(WalletConfig wallet);

}  // namespace l402::cli
