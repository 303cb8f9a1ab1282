// plan_purchase: the checks before paying a challenge, in the order purchase_policy.hpp
// lists, and the journal record for a plan.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "client/policy/amount_text.hpp"
#include "client/policy/budget.hpp"
#include "l402/encoding.hpp"
#include "l402/macaroon_format.hpp"
#include "l402/purchase_policy.hpp"

namespace l402 {

namespace {

using client_policy::fit_budget;
using client_policy::time_text;

PurchaseRefusal refuse(Refusal reason, std::string message) {
  return {reason, std::move(message), 0};
}

PurchaseRefusal bad_challenge(std::string_view what, const Error& error) {
  return refuse(Refusal::kBadChallenge, std::string(what) + ": " + error.message());
}

std::int64_t to_seconds(std::uint64_t value) {
  return static_cast<std::int64_t>(
      std::min<std::uint64_t>(value, std::numeric_limits<std::int64_t>::max()));
}

// What the caveats say about the services and the first service's expiry. A condition may be
// repeated, each time narrowing: the last occurrence is the one that binds.
struct CaveatFacts {
  std::vector<ServiceTier> services;
  std::optional<std::int64_t> valid_until;
};

std::variant<CaveatFacts, PurchaseRefusal> read_caveats(const Macaroon& macaroon) {
  CaveatFacts facts;
  for (const Caveat& caveat : macaroon.caveats()) {
    if (!caveat.is_first_party()) continue;
    const std::optional<CaveatParts> parts = split_caveat(caveat.id);
    if (!parts || parts->condition != caveat::kServices) continue;
    Result<std::vector<ServiceTier>> services = parse_services(parts->value);
    if (!services.ok()) return bad_challenge("the macaroon's services caveat", services.error());
    facts.services = std::move(services).value();
  }
  if (facts.services.empty()) return facts;
  const std::string condition = valid_until_condition(facts.services.front().name);
  for (const Caveat& caveat : macaroon.caveats()) {
    const std::optional<CaveatParts> parts = split_caveat(caveat.id);
    if (!caveat.is_first_party() || !parts || parts->condition != condition) continue;
    const Result<std::int64_t> until = parse_unix_seconds(parts->value);
    if (!until.ok()) return bad_challenge("the macaroon's " + condition + " caveat", until.error());
    facts.valid_until = *until;
  }
  return facts;
}

// Steps 1-2 of the policy: everything decodes. Leaves amount and max_fee unset.
std::variant<PurchasePlan, PurchaseRefusal> decode_challenge(const Challenge& challenge) {
  if (challenge.version && *challenge.version != "0") {
    return refuse(Refusal::kBadChallenge,
                  "the challenge has version \"" + *challenge.version + "\"; only 0 is supported");
  }
  const HeaderLimits limits;
  if (challenge.macaroon_base64.size() > limits.max_value_size) {
    return refuse(Refusal::kBadChallenge, "the challenge's macaroon is longer than " +
                                              std::to_string(limits.max_value_size) +
                                              " characters");
  }
  Result<std::string> binary = base64::decode(challenge.macaroon_base64);
  if (!binary.ok()) return bad_challenge("the challenge's macaroon is not base64", binary.error());
  Result<Macaroon> macaroon = parse_binary(*binary, limits.macaroon);
  if (!macaroon.ok()) return bad_challenge("the challenge's macaroon", macaroon.error());
  Result<Identifier> identifier = decode_identifier(macaroon->identifier());
  if (!identifier.ok()) return bad_challenge("the macaroon's identifier", identifier.error());
  Result<Invoice> invoice = decode_invoice(challenge.invoice);
  if (!invoice.ok()) return bad_challenge("the challenge's invoice", invoice.error());
  std::variant<CaveatFacts, PurchaseRefusal> facts = read_caveats(*macaroon);
  if (auto* refusal = std::get_if<PurchaseRefusal>(&facts)) return std::move(*refusal);
  CaveatFacts& caveats = std::get<CaveatFacts>(facts);

  const Identifier id = *identifier;
  std::string macaroon_base64 = base64::encode_std(to_binary_v2(*macaroon));
  const std::int64_t invoice_expires_at = to_seconds(invoice->expires_at());
  std::string service = caveats.services.empty() ? std::string() : caveats.services.front().name;
  return PurchasePlan{
      .challenge_index = 0,
      .challenge = challenge,
      .invoice = std::move(invoice).value(),
      .macaroon = std::move(macaroon).value(),
      .macaroon_base64 = std::move(macaroon_base64),
      .identifier = id,
      .token_id = hex::encode(id.token_id),
      .services = std::move(caveats.services),
      .service = std::move(service),
      .amount = Msat(0),
      .max_fee = Msat(0),
      .invoice_expires_at = invoice_expires_at,
      .token_expires_at = caveats.valid_until,
  };
}

// Steps 3-7: the decoded challenge is for us and payable now.
std::optional<PurchaseRefusal> check_payable(const PurchasePlan& plan, Network wallet_network,
                                             std::int64_t now) {
  const Invoice& invoice = plan.invoice;
  if (invoice.payment_hash != plan.identifier.payment_hash) {
    return refuse(Refusal::kHashMismatch, "the invoice pays payment hash " +
                                              hex::encode(invoice.payment_hash) +
                                              " but the macaroon was minted for " +
                                              hex::encode(plan.identifier.payment_hash) +
                                              ": paying would not make the token valid");
  }
  if (invoice.network != wallet_network) {
    return refuse(Refusal::kWrongNetwork,
                  "the invoice is for " + std::string(network_name(invoice.network)) +
                      " but the wallet is on " + std::string(network_name(wallet_network)));
  }
  if (now >= plan.invoice_expires_at) {
    return refuse(Refusal::kInvoiceExpired, "the invoice expired at " +
                                                time_text(plan.invoice_expires_at) + " (now " +
                                                time_text(now) + ")");
  }
  if (plan.token_expires_at && *plan.token_expires_at <= now) {
    return refuse(Refusal::kTokenExpired, "the token offered for " + plan.service + " expired at " +
                                              time_text(*plan.token_expires_at) + " (now " +
                                              time_text(now) + ")");
  }
  if (!invoice.amount) {
    return refuse(Refusal::kNoAmount,
                  "the invoice does not state an amount (any amount may be paid), so its price "
                  "cannot be checked against the budget");
  }
  return std::nullopt;
}

PurchaseDecision plan_one(const Challenge& challenge, Network wallet_network, std::int64_t now,
                          const Budget& budget, const SpentToday& spent) {
  std::variant<PurchasePlan, PurchaseRefusal> decoded = decode_challenge(challenge);
  if (auto* refusal = std::get_if<PurchaseRefusal>(&decoded)) return std::move(*refusal);
  PurchasePlan& plan = std::get<PurchasePlan>(decoded);
  if (std::optional<PurchaseRefusal> refusal = check_payable(plan, wallet_network, now)) {
    return std::move(*refusal);
  }
  plan.amount = *plan.invoice.amount;
  std::variant<Msat, PurchaseRefusal> fee = fit_budget(plan.amount, budget, spent);
  if (auto* refusal = std::get_if<PurchaseRefusal>(&fee)) return std::move(*refusal);
  plan.max_fee = std::get<Msat>(fee);
  return std::move(plan);
}

}  // namespace

Msat fee_limit_for(Msat amount, const FeeLimit& fee) {
  // amount * ppm / 1e6 without overflow: split the amount at 1e6; saturate the (huge) rest.
  constexpr std::uint64_t kMillion = 1'000'000;
  const std::uint64_t whole = amount.value() / kMillion;
  const std::uint64_t part = amount.value() % kMillion;
  std::uint64_t proportional = 0;
  if (__builtin_mul_overflow(whole, std::uint64_t{fee.ppm}, &proportional) ||
      __builtin_add_overflow(proportional, part * fee.ppm / kMillion, &proportional)) {
    proportional = UINT64_MAX;
  }
  return std::max(fee.absolute, Msat(proportional));
}

std::string_view refusal_name(Refusal refusal) {
  switch (refusal) {
    case Refusal::kBadChallenge:
      return "bad_challenge";
    case Refusal::kHashMismatch:
      return "hash_mismatch";
    case Refusal::kWrongNetwork:
      return "wrong_network";
    case Refusal::kInvoiceExpired:
      return "invoice_expired";
    case Refusal::kTokenExpired:
      return "token_expired";
    case Refusal::kNoAmount:
      return "no_amount";
    case Refusal::kOverMaxPrice:
      return "over_max_price";
    case Refusal::kOverHostBudget:
      return "over_host_budget";
    case Refusal::kOverTotalBudget:
      return "over_total_budget";
  }
  return "unknown";
}

PurchaseDecision plan_purchase(std::span<const Challenge> challenges, Network wallet_network,
                               std::int64_t now, const Budget& budget, const SpentToday& spent) {
  if (challenges.empty()) {
    return refuse(Refusal::kBadChallenge, "the response carries no L402 challenge");
  }
  std::optional<PurchaseRefusal> first_refusal;
  for (std::size_t i = 0; i < challenges.size(); ++i) {
    PurchaseDecision decision = plan_one(challenges[i], wallet_network, now, budget, spent);
    if (decision.approved()) {
      PurchasePlan plan = std::move(decision).plan();
      plan.challenge_index = i;
      return plan;
    }
    if (!first_refusal) {
      first_refusal = decision.refusal();
      first_refusal->challenge_index = i;
    }
  }
  return std::move(*first_refusal);
}

PendingPurchase make_pending_purchase(const PurchasePlan& plan, std::string origin,
                                      std::string_view path, std::int64_t now) {
  path = path.substr(0, path.find_first_of("?#"));
  PendingPurchase pending;
  pending.payment_hash = plan.identifier.payment_hash;
  pending.token_id = plan.token_id;
  pending.invoice = plan.challenge.invoice;
  pending.macaroon_base64 = plan.macaroon_base64;
  pending.origin = std::move(origin);
  pending.service = plan.service;
  pending.path = path.empty() ? std::string("/") : std::string(path);
  pending.amount = plan.amount;
  pending.max_fee = plan.max_fee;
  pending.started_at = now;
  pending.expires_at = plan.token_expires_at;
  return pending;
}

}  // namespace l402
