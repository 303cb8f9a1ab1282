// What the devnet node writes into an invoice: the checks on an invoice request and the
// signed BOLT 11 invoice made from it. Pure apart from the random source; no storage.
//
// Thread safety: stateless; safe from any thread (with a RandomSource that is).
#pragma once

#include <cstddef>
#include <cstdint>

#include "l402/crypto.hpp"
#include "l402/devnet.hpp"
#include "l402/result.hpp"
#include "l402/secret.hpp"

namespace l402::devnet {

// LND's min_final_cltv_expiry_delta (`bitcoin.timelockdelta`), used for a request of 0.
inline constexpr std::uint64_t kDefaultCltvExpiry = 80;
// LND refuses a CLTV delta that does not fit in 16 bits.
inline constexpr std::uint64_t kMaxCltvExpiry = 65'535;
// BOLT 11: the `d` field holds at most 639 bytes.
inline constexpr std::size_t kMaxDescriptionBytes = 639;
// Amounts are stored as SQLite integers (signed 64 bits).
inline constexpr std::uint64_t kMaxStoredMsat = 9'223'372'036'854'775'807ull;

struct InvoiceLimits {
  std::size_t max_memo_bytes = kMaxDescriptionBytes;
  std::uint64_t max_expiry_seconds = 0;
};

// Errors: kInvalidArgument for an amount of zero or beyond what can be stored, a memo that
// is too long or not UTF-8, an expiry of 0 or over the limit, or a CLTV delta over 65535.
Result<void> check_invoice_request(const DevnetInvoiceRequest& request,
                                   const InvoiceLimits& limits);

// The invoice for a checked request, created at `now` (Unix seconds) and signed with
// `node_key`: fields p, d (or h), c, x, s, 9 in LND's order, regtest, features 8, 14 and 17
// as LND sets them. Draws the payment secret, and the preimage unless the request gives it.
// The result has no add_index yet. Errors: the random source's, or encode_invoice's.
Result<DevnetInvoice> build_invoice(const DevnetInvoiceRequest& request, std::uint64_t now,
                                    const SecretBytes& node_key, RandomSource& random);

}  // namespace l402::devnet
