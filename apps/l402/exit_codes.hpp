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

}  // namespace l402::cli
