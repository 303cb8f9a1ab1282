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
// Refused before paying because of what was asked to pay: `pay`, an invoice for another
// network than the wallet's or expired; `get`/`request`, a 402 whose challenge is unusable
// (none, undecodable, invoice hash differs from the macaroon's, wrong network, expired).
inline constexpr int kExitPaymentRefused = 3;
// The wallet tried and the payment failed (no route, already paid, balance, ...).
inline constexpr int kExitPaymentFailed = 4;
// The wallet (or devnet's data directory) cannot be reached or used.
inline constexpr int kExitWalletUnavailable = 5;
// `get`/`request`: the price is over --max-price or a daily budget; nothing paid.
inline constexpr int kExitBudgetRefused = 6;
// `get`/`request`: the final answer's status is 400 or more (after any purchase).
inline constexpr int kExitHttpStatus = 7;
// `get`/`request`: no answer: connection, TLS, timeout, a size limit, the body or output file.
inline constexpr int kExitTransport = 8;
// `get`/`request`: the server answered 402 to the token just bought; not paid again.
inline constexpr int kExitPaymentLoop = 9;
// `get`/`request`: an earlier payment to this origin is still in flight; not paid again.
inline constexpr int kExitPurchasePending = 10;
// The token store (~/.local/share/l402/tokens.db) cannot be opened or used.
inline constexpr int kExitStore = 11;

}  // namespace l402::cli
