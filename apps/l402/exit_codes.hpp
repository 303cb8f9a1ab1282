// Exit codes of the l402 command line; documented in docs/cli.md.
#pragma once

namespace l402::cli {

inline constexpr int kExitOk = 0;
// The credential was read but does not verify (signature, discharge or caveat).
inline constexpr int kExitInvalid = 1;
// `invoice decode`: the input was read but is not a valid BOLT 11 invoice (the failed rule is
// named on stderr).
inline constexpr int kExitInvalidInvoice = 1;
// Bad usage or unreadable input: wrong option, bad encoding, truncated or oversized data.
inline constexpr int kExitBadInput = 2;
// `pay`: refused before paying (an invoice for another network than the wallet's, expired).
inline constexpr int kExitPaymentRefused = 3;
// `pay`: the wallet tried and the payment failed (no route, already paid, balance, ...).
inline constexpr int kExitPaymentFailed = 4;
// The wallet (or devnet's data directory) cannot be reached or used.
inline constexpr int kExitWalletUnavailable = 5;

}  // namespace l402::cli
