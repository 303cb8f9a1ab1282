// The token jar's records on their way in and out of SQLite (private to src/client/jar/):
// field checks before a write, and rows read back into structs with every value checked, so
// that a damaged or tampered database is reported, not believed.
#pragma once

#include <string>
#include <string_view>

#include "client/jar/sqlite.hpp"
#include "l402/client_store.hpp"
#include "l402/result.hpp"

namespace l402::client_jar {

// Column lists, in the order the readers expect them.
inline constexpr std::string_view kTokenColumns =
    "token_id, origin, service, path_scope, macaroon, payment_hash, preimage, amount_msat, "
    "fee_msat, bought_at, expires_at, stale";
inline constexpr std::string_view kPendingColumns =
    "payment_hash, token_id, invoice, macaroon, origin, service, path, amount_msat, "
    "max_fee_msat, started_at, expires_at";
inline constexpr std::string_view kReceiptColumns =
    "at, host, origin, service, amount_msat, fee_msat, payment_hash, preimage, token_id";

// Field checks for writes. Errors: kInvalidArgument (naming the field), kLimitExceeded.
Result<void> check_token_id(std::string_view token_id);
Result<void> check_pending(const PendingPurchase& pending, const ClientStoreLimits& limits);
// Also checks sha256(preimage) == payment_hash (kUnauthenticated).
Result<void> check_token(const StoredToken& token, const ClientStoreLimits& limits);

// Readers of one row selected with the column list above. Errors: kFailedPrecondition naming
// the table and column that holds what this build would not have written.
Result<StoredToken> read_token(const Statement& row, const Connection& connection,
                               const ClientStoreLimits& limits);
Result<PendingPurchase> read_pending(const Statement& row, const Connection& connection,
                                     const ClientStoreLimits& limits);
Result<Receipt> read_receipt(const Statement& row, const Connection& connection,
                             const ClientStoreLimits& limits);

// Binds the token's fields to parameters 1..12 in kTokenColumns order.
void bind_token(Statement& statement, const StoredToken& token);

// The largest amount the store holds (a signed 64-bit column).
inline constexpr std::uint64_t kMaxStoredMsat = INT64_MAX;

}  // namespace l402::client_jar
