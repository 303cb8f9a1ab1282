// The buyer's token jar and spending ledger: one SQLite database in a private directory.
//
// Three tables, written only through the calls below:
//   - pending purchases: the never-pay-twice journal. begin_purchase() makes the record
//     durable BEFORE the wallet is asked to pay; complete_purchase() or fail_purchase()
//     closes it. A record still there at start-up is a purchase whose outcome is unknown:
//     ask the wallet (Backend::lookup_payment) and close it, never pay it again.
//   - tokens: paid (or imported) L402 tokens, to be sent again to the origin they were
//     bought from (which one: select_token() in purchase_policy.hpp).
//   - receipts: one per completed purchase, kept when the token is removed; the ledger the
//     budgets are checked against.
//
// Files: the directory is created with mode 0700, and a group- or world-accessible existing
// directory is tightened to 0700 (it is commonly made by `mkdir -p` under a 022 umask). The
// database file `tokens.db` is created 0600 (SQLite gives its -wal and -shm files the same
// mode). An existing database file, -wal or -shm that group or others may read or write is
// REFUSED (kFailedPrecondition, saying `chmod 600 <file>`): it holds preimages, which may
// already have been read, and the owner should know. A symlink or non-regular file in its
// place is refused too. The database runs in WAL mode with synchronous=FULL (a completed
// call is on disk and survives a crash or kill -9) and a busy timeout, so several l402
// processes may use one store at once; writes are BEGIN IMMEDIATE transactions.
//
// Times are Unix seconds; amounts Msat (stored as signed 64-bit: at most INT64_MAX msat).
// Token IDs and payment hashes appear as 64 lower-case hex digits in text. Origins are
// canonical: "scheme://host:port", lower-case scheme and host, the port always written
// (canonical_origin()).
//
// Errors (every call): kUnavailable when the database stays locked beyond the busy timeout or
// the disk fails (retrying may help); kFailedPrecondition for a database that cannot be used
// (corrupt, not a database, read-only, a schema newer than this build, a row holding values
// this build would not have written); kInvalidArgument / kLimitExceeded for bad or oversized
// arguments, naming the field. Messages never contain a preimage.
//
// Thread safety: a ClientStore may be called from any number of threads (calls are
// serialised on one connection). Several ClientStore objects, in one process or many, may
// share a database file.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "l402/amount.hpp"
#include "l402/crypto.hpp"
#include "l402/lightning.hpp"
#include "l402/result.hpp"

namespace l402 {

// Largest sizes the store accepts for text fields (kLimitExceeded beyond, on write; a row
// exceeding them on read is reported as a damaged database).
struct ClientStoreLimits {
  std::size_t max_origin_size = 300;  // "https://" + a 253-character host + ":65535"
  std::size_t max_service_size = 256;
  std::size_t max_path_size = 4096;      // request path (no query) a token was bought for
  std::size_t max_macaroon_size = 8192;  // base64 text, as HeaderLimits::max_value_size
  std::size_t max_invoice_size = 8192;   // as Bolt11Limits::max_length
  // export/import: bytes of the JSON document, and tokens in it.
  std::size_t max_import_size = std::size_t{16} * 1024 * 1024;
  std::size_t max_import_tokens = 10'000;
};

struct ClientStoreOptions {
  // How long a call waits for another process's write lock before failing with
  // kUnavailable. Purchases are short transactions; seconds are plenty.
  std::chrono::milliseconds busy_timeout{5'000};
  ClientStoreLimits limits;
};

// The file the store keeps in its directory.
inline constexpr std::string_view kClientStoreFileName = "tokens.db";

// A token the client holds.
struct StoredToken {
  std::string token_id;         // 64 lower-case hex digits: the identifier's token ID
  std::string origin;           // canonical origin it was bought from
  std::string service;          // first name of the `services` caveat, or ""
  std::string path_scope;       // the request path (no query) it was bought for
  std::string macaroon_base64;  // standard base64 of the V2 binary, as sent in Authorization
  Hash256 payment_hash{};
  Hash256 preimage{};  // sha256(preimage) == payment_hash, checked on every write
  Msat amount;         // paid to the server
  Msat fee;            // routing fee on top
  std::int64_t bought_at = 0;
  std::optional<std::int64_t> expires_at;  // the service's `<service>_valid_until`
  // Set when the server answered this token with a fresh 402 (expired, revoked): it is kept
  // for the record but never sent again.
  bool stale = false;
};

// A purchase between "about to pay" and "the wallet said how it ended".
struct PendingPurchase {
  Hash256 payment_hash{};
  std::string token_id;         // 64 lower-case hex digits, from the macaroon's identifier
  std::string invoice;          // BOLT 11, as received
  std::string macaroon_base64;  // standard base64 of the V2 binary
  std::string origin;           // canonical
  std::string service;
  std::string path;
  Msat amount;
  Msat max_fee;  // the fee limit given to the wallet
  std::int64_t started_at = 0;
  std::optional<std::int64_t> expires_at;  // of the token, copied to the StoredToken
};

// One completed purchase.
struct Receipt {
  std::int64_t at = 0;  // when the purchase completed
  std::string host;     // the origin's host
  std::string origin;
  std::string service;
  Msat amount;
  Msat fee;
  Hash256 payment_hash{};
  Hash256 preimage{};  // the proof of payment
  std::string token_id;
};

// What the ledger says was spent in one UTC day: that day's receipts (amount + fee) plus
// every purchase still pending, whenever it started, at its worst case (amount + max_fee):
// a purchase in flight counts against the budget before it completes, and lands in the
// ledger on the day it completes. Sums saturate at UINT64_MAX msat.
struct SpentToday {
  Msat host;   // for the one host asked about
  Msat total;  // for all hosts
};

// Spending grouped by host or by UTC day ("YYYY-MM-DD"), over receipts only.
struct SpendingSummary {
  std::string key;
  std::uint64_t purchases = 0;
  Msat amount;
  Msat fee;
};

struct ImportReport {
  std::size_t imported = 0;
  std::size_t skipped = 0;  // already held (same token ID or payment hash)
};

class ClientStore {
 public:
  // Opens (creating when missing) the store in `directory`: see the file modes above.
  // Errors: kFailedPrecondition naming the path (cannot create, wrong owner, readable by
  // others, not a regular file, corrupt, newer schema), kUnavailable (locked, I/O).
  static Result<std::unique_ptr<ClientStore>> open(const std::string& directory,
                                                   const ClientStoreOptions& options = {});

  virtual ~ClientStore() = default;

  // ---- The purchase journal

  // Records `pending` durably. Call it before paying, and pay only when it succeeded.
  // Errors: kAlreadyExists when that payment hash is pending or was bought (a receipt or a
  // token holds it): the caller must not pay; kInvalidArgument for a malformed field (a
  // token ID that is not 64 hex digits, a non-canonical origin, an amount of zero or above
  // INT64_MAX msat), kLimitExceeded for an oversized one.
  virtual Result<void> begin_purchase(const PendingPurchase& pending) = 0;

  // The wallet paid: in one transaction stores the token, writes the receipt (amount and fee
  // as the wallet reports them, at `now`) and removes the pending record. Checks that
  // payment.payment_hash == payment_hash and sha256(payment.preimage) == payment_hash first
  // (kUnauthenticated, nothing changed). Idempotent: when this hash was completed already
  // with the same preimage, returns the stored token (two processes may recover one
  // purchase). Errors: kNotFound when the hash is neither pending nor bought.
  virtual Result<StoredToken> complete_purchase(const Hash256& payment_hash, const Payment& payment,
                                                std::int64_t now) = 0;

  // The wallet says the payment failed (nothing was spent): removes the pending record.
  // Errors: kNotFound when the hash is not pending.
  virtual Result<void> fail_purchase(const Hash256& payment_hash) = 0;

  // Every pending purchase, oldest first.
  virtual Result<std::vector<PendingPurchase>> pending_purchases() = 0;

  // ---- Tokens

  // The tokens bought from `origin` (canonical), stale ones included, newest first.
  virtual Result<std::vector<StoredToken>> tokens_for_origin(std::string_view origin) = 0;

  // The token whose ID is `id_or_prefix` or starts with it (1 to 64 hex digits, any case).
  // Errors: kInvalidArgument for a non-hex prefix or one matching several tokens (saying
  // how many), kNotFound.
  virtual Result<StoredToken> find_token(std::string_view id_or_prefix) = 0;

  // Every token, newest first.
  virtual Result<std::vector<StoredToken>> list_tokens() = 0;

  // Marks the token (full 64-hex ID) stale. Errors: kNotFound.
  virtual Result<void> mark_stale(std::string_view token_id) = 0;

  // Deletes the token (full 64-hex ID); its receipt stays in the ledger. Errors: kNotFound.
  virtual Result<void> remove_token(std::string_view token_id) = 0;

  // ---- The ledger

  // What was spent in the UTC day containing `now`, for `host` (lower case, as in the
  // origin) and in total. See SpentToday.
  virtual Result<SpentToday> spent_today(std::string_view host, std::int64_t now) = 0;

  // Receipts with since <= at < until, oldest first.
  virtual Result<std::vector<Receipt>> spending(std::int64_t since, std::int64_t until) = 0;

  // Receipts with since <= at < until grouped by host (sorted by host) or by UTC day
  // (ascending).
  virtual Result<std::vector<SpendingSummary>> spending_by_host(std::int64_t since,
                                                                std::int64_t until) = 0;
  virtual Result<std::vector<SpendingSummary>> spending_by_day(std::int64_t since,
                                                               std::int64_t until) = 0;

  // ---- Moving tokens between machines (docs/client-store.md gives the format)
  //
  //   {"format": "l402-tokens", "version": 1, "tokens": [{"token_id", "origin", "service",
  //    "path_scope", "macaroon", "payment_hash", "preimage", "amount_msat", "fee_msat",
  //    "bought_at", "expires_at" (number or null), "stale"}]}
  //
  // The document holds preimages: whoever has it can spend the tokens. Write it 0600.

  // Every token as that JSON document.
  virtual Result<std::string> export_tokens() = 0;

  // Adds the tokens of a document in one transaction; tokens already held (same token ID or
  // payment hash) are skipped. Every field is checked before anything is written: the
  // macaroon decodes, its identifier carries that token ID and payment hash, sha256(preimage)
  // == payment_hash, the origin is canonical, sizes within limits. Receipts are not
  // imported (the spending happened elsewhere). Errors: kInvalidArgument naming the token
  // index and field (nothing imported), kLimitExceeded for a document or token count over
  // the limits.
  virtual Result<ImportReport> import_tokens(std::string_view json) = 0;
};

// "scheme://host:port" for a URL or origin ("HTTPS://Example.COM/x?y" gives
// "https://example.com:443"). Schemes http (default port 80) and https (443); IPv6 hosts in
// brackets; no user info. Errors: kInvalidArgument saying what is wrong.
Result<std::string> canonical_origin(std::string_view url);

// The host of a canonical origin ("example.com", "[::1]"); empty when it is not one.
std::string_view origin_host(std::string_view origin);

}  // namespace l402
