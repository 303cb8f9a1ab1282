// The buyer's purchase policy: whether to pay a 402 challenge, how much fee to allow, and
// which stored token to send with a request. Pure: no I/O; the time and the wallet's network
// are arguments, what was spent comes from the ledger (ClientStore::spent_today).
//
// plan_purchase() checks a challenge in this order, cheapest and most telling first:
//   1. the challenge is L402 (`version`, when present, is "0"), its macaroon decodes (base64,
//      then V2 or V1 binary) and its identifier is version 0;            else kBadChallenge
//   2. the invoice decodes and its signature verifies;                   else kBadChallenge
//   3. invoice payment hash == identifier payment hash;                  else kHashMismatch
//   4. invoice network == the wallet's network;                          else kWrongNetwork
//   5. the invoice has not expired (now < timestamp + expiry);           else kInvoiceExpired
//   6. the token is not already expired (its valid_until > now);         else kTokenExpired
//   7. the invoice names an amount (any-amount invoices are refused);    else kNoAmount
//   8. the cost fits max_price, then per_host_per_day, then total_per_day; else kOver...
//
// Cost. Budgets count amount + routing fee. The fee is known only after paying, so the plan
// counts the most it may be: amount + max_fee. max_fee starts from Budget::fee
// (max(absolute, ppm of the amount): by default max(10 sat, 1%)) and is then LOWERED to the
// room each budget leaves, so a purchase never exceeds a budget even at its worst. Hence an
// amount exactly equal to a limit passes with a zero fee limit (only fee-free routes), and
// an amount 1 msat over it is refused. The limits are inclusive: spent + amount + max_fee
// <= limit.
//
// Thread safety: stateless; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "l402/amount.hpp"
#include "l402/bolt11.hpp"
#include "l402/client_store.hpp"
#include "l402/macaroon.hpp"
#include "l402/token.hpp"
#include "l402/token_header.hpp"

namespace l402 {

// The routing fee a purchase may pay: max(absolute, amount * ppm / 1'000'000), before the
// budgets lower it.
struct FeeLimit {
  Msat absolute{10'000};       // 10 sat: enough for a few hops on a small payment
  std::uint32_t ppm = 10'000;  // 1%: what larger payments typically need
};

// Spending limits; nullopt means no limit. All count amount + fee (see Cost above).
struct Budget {
  std::optional<Msat> max_price;         // one purchase
  std::optional<Msat> per_host_per_day;  // one host, one UTC day
  std::optional<Msat> total_per_day;     // all hosts, one UTC day
  FeeLimit fee;
};

// The fee limit of `fee` for `amount` (no budget applied). Never overflows.
Msat fee_limit_for(Msat amount, const FeeLimit& fee);

enum class Refusal {
  kBadChallenge,     // no L402 challenge, or an undecodable macaroon, identifier or invoice
  kHashMismatch,     // the invoice pays for another payment hash than the macaroon's
  kWrongNetwork,     // the invoice is for another chain than the wallet's
  kInvoiceExpired,   // the invoice expired before we could pay it
  kTokenExpired,     // the token's valid_until has passed: paying would buy nothing
  kNoAmount,         // an any-amount invoice: the price is not stated, so it cannot be checked
  kOverMaxPrice,     // amount (+ fee) above Budget::max_price
  kOverHostBudget,   // would take the host's spending today above per_host_per_day
  kOverTotalBudget,  // would take all spending today above total_per_day
};

// Stable snake_case name, e.g. "hash_mismatch".
std::string_view refusal_name(Refusal refusal);

struct PurchaseRefusal {
  Refusal reason = Refusal::kBadChallenge;
  // For people: what was wrong, with amounts in sat/msat and names of networks; never a
  // secret. E.g. "invoice of 2100 sat is over the maximum price of 1000 sat".
  std::string message;
  // The challenge refused (index into the input); 0 when there was none.
  std::size_t challenge_index = 0;
};

// A challenge the policy accepts, decoded, with what paying and storing it needs.
struct PurchasePlan {
  std::size_t challenge_index = 0;  // index into the input
  Challenge challenge;              // as received
  Invoice invoice;
  Macaroon macaroon;
  std::string macaroon_base64;        // standard base64 of the V2 binary (what Authorization sends)
  Identifier identifier;              // version 0, payment hash, token ID
  std::string token_id;               // hex of identifier.token_id
  std::vector<ServiceTier> services;  // from the `services` caveat (the last one); may be empty
  std::string service;                // services[0].name, or ""
  Msat amount;                        // the invoice's amount
  Msat max_fee;                       // fee limit for Backend::pay, already within budgets
  std::int64_t invoice_expires_at = 0;
  std::optional<std::int64_t> token_expires_at;  // `<service>_valid_until` (the last one)
};

class PurchaseDecision {
 public:
  PurchaseDecision(PurchasePlan plan) : value_(std::move(plan)) {}           // NOLINT: implicit
  PurchaseDecision(PurchaseRefusal refusal) : value_(std::move(refusal)) {}  // NOLINT
  bool approved() const { return value_.index() == 0; }
  // Requires: approved().
  const PurchasePlan& plan() const& { return std::get<0>(value_); }
  PurchasePlan&& plan() && { return std::get<0>(std::move(value_)); }
  // Requires: !approved().
  const PurchaseRefusal& refusal() const { return std::get<1>(value_); }

 private:
  std::variant<PurchasePlan, PurchaseRefusal> value_;
};

// Decides whether to pay one of `challenges` (parse_challenges' output, in order): the first
// that passes every check above is planned; when none does, the first one's refusal is
// returned (an empty list is kBadChallenge "no L402 challenge"). `spent` is what the ledger
// says for the origin's host and in total for the UTC day of `now` (Unix seconds).
PurchaseDecision plan_purchase(std::span<const Challenge> challenges, Network wallet_network,
                               std::int64_t now, const Budget& budget, const SpentToday& spent);

// The journal record for paying `plan`, bought for `path` (query and fragment are dropped)
// at `origin` (canonical), at `now`.
PendingPurchase make_pending_purchase(const PurchasePlan& plan, std::string origin,
                                      std::string_view path, std::int64_t now);

// ---- Which token to send

// A token is not sent when it expires within this many seconds: the request would reach the
// server after it lapsed, costing a round trip and a purchase anyway.
inline constexpr std::int64_t kTokenExpiryMargin = 30;

// Chooses the token to send with a request for `request_path` (query and fragment ignored)
// to the origin the candidates were bought from (ClientStore::tokens_for_origin), or nullopt.
// The rule:
//   1. skip stale tokens and those with expires_at <= now + kTokenExpiryMargin;
//   2. prefer the token whose path_scope shares the most leading path segments with the
//      request path ("/api/v1/x" and "/api/v1/y" share 2; "/api/v1" and "/api/v2" share 1);
//      a token sharing none is still a candidate: L402 services often span paths;
//   3. then the newest (bought_at), then the greatest token ID (so the choice is stable).
// Returns the index into `candidates`.
std::optional<std::size_t> select_token(std::span<const StoredToken> candidates,
                                        std::string_view request_path, std::int64_t now);

// ---- UTC days, for the ledger

struct UtcDay {
  std::int64_t start = 0;  // first second of the day
  std::int64_t end = 0;    // first second of the next day
};

// The UTC day containing `unix_seconds` (negative times too).
UtcDay utc_day(std::int64_t unix_seconds);

// "YYYY-MM-DD" of the UTC day containing `unix_seconds` (proleptic Gregorian).
std::string utc_date(std::int64_t unix_seconds);

}  // namespace l402
