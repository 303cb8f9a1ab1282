// PayingClient::buy, purchase and pay: from a challenge (a 402, or another protocol's) to a
// stored token, journalled before paying; token_for, the token to send.
#include "client/session/paying_client.hpp"
#include "l402/encoding.hpp"

namespace l402::client {
namespace {

void stop(PurchaseResult& result, PerformOutcome outcome, Error error) {
  result.outcome = outcome;
  result.error = std::move(error);
}

// The first hex digits of a payment hash: enough to find it in `l402 tokens` or a node's
// logs, and not a secret (the hash is public).
std::string short_hash(const Hash256& hash) { return hex::encode(hash).substr(0, 16); }

}  // namespace

std::optional<StoredToken> PayingClient::buy(const Exchange& exchange, PerformResult& result) {
  PurchaseResult purchased;
  purchase(exchange.url.url, exchange.url.path, exchange.head.values("WWW-Authenticate"),
           purchased);
  result.refusal = purchased.refusal;
  result.purchase = std::move(purchased.purchase);
  result.payment_time += purchased.payment_time;
  if (purchased.token.has_value()) return std::move(purchased.token);
  result.outcome = purchased.outcome;
  result.error = std::move(purchased.error);
  return std::nullopt;
}

PurchaseResult PayingClient::buy(std::string_view url,
                                 const std::vector<std::string_view>& www_authenticate,
                                 std::optional<std::string_view> stale_token_id) {
  PurchaseResult result;
  Result<RecoveryReport> recovered = recover_pending();
  if (!recovered.ok()) {
    stop(result, PerformOutcome::kStoreError, recovered.error());
    return result;
  }
  Result<ParsedUrl> parsed = parse_url(url);
  if (!parsed.ok()) {
    stop(result, PerformOutcome::kHttpError, parsed.error());
    return result;
  }
  if (stale_token_id.has_value()) {
    // Answered with a fresh challenge: expired or revoked. Never sent again.
    Result<void> marked = store_->mark_stale(*stale_token_id);
    if (!marked.ok() && marked.error().code() != ErrorCode::kNotFound) {
      stop(result, PerformOutcome::kStoreError, marked.error());
      return result;
    }
  }
  purchase(parsed->url, parsed->path, www_authenticate, result);
  return result;
}

Result<std::optional<StoredToken>> PayingClient::token_for(std::string_view url) {
  L402_ASSIGN_OR_RETURN(ParsedUrl parsed, parse_url(url));
  L402_ASSIGN_OR_RETURN(std::string origin, canonical_origin(parsed.url));
  return best_token(*store_, origin, parsed.path, now());
}

void PayingClient::purchase(const std::string& url, std::string_view path,
                            const std::vector<std::string_view>& values, PurchaseResult& result) {
  Result<std::vector<Challenge>> challenges = parse_challenges(values);
  if (!challenges.ok()) {
    result.refusal = Refusal::kBadChallenge;
    stop(result, PerformOutcome::kBadChallenge,
         challenges.error().with_context("unreadable challenge from " + url));
    emit(progress_event(ProgressKind::kRefused, url, {}, Msat(), Msat(), result.error->message()));
    return;
  }
  Result<std::string> origin = canonical_origin(url);
  if (!origin.ok()) {
    stop(result, PerformOutcome::kHttpError, origin.error());
    return;
  }
  Result<Network> network = wallet_network();
  if (!network.ok()) {
    stop(result, PerformOutcome::kPaymentFailed, network.error());
    return;
  }
  const std::int64_t at = now();
  Result<SpentToday> spent = store_->spent_today(origin_host(*origin), at);
  if (!spent.ok()) {
    stop(result, PerformOutcome::kStoreError, spent.error());
    return;
  }
  const PurchaseDecision decision =
      plan_purchase(*challenges, *network, at, options_.budget, *spent);
  if (!decision.approved()) {
    const PurchaseRefusal& refusal = decision.refusal();
    const PerformOutcome outcome = outcome_for(refusal.reason);
    result.refusal = refusal.reason;
    stop(result, outcome,
         Error(outcome == PerformOutcome::kBudgetRefused ? ErrorCode::kPermissionDenied
                                                         : ErrorCode::kInvalidArgument,
               std::string(refusal_name(refusal.reason)) + ": " + refusal.message));
    emit(progress_event(ProgressKind::kChallenged, url));
    emit(progress_event(ProgressKind::kRefused, url, {}, Msat(), Msat(), refusal.message));
    return;
  }
  const PurchasePlan& plan = decision.plan();
  PurchaseInfo& info = result.purchase.emplace();
  info.origin = *origin;
  info.service = plan.service;
  info.token_id = plan.token_id;
  info.payment_hash = plan.identifier.payment_hash;
  info.amount = plan.amount;
  info.max_fee = plan.max_fee;
  emit(progress_event(ProgressKind::kChallenged, url, plan.service, plan.amount, plan.max_fee));
  if (options_.dry_run) {
    result.outcome = PerformOutcome::kDryRun;
    emit(progress_event(ProgressKind::kWouldPay, url, plan.service, plan.amount, plan.max_fee,
                        "dry run: not paying"));
    return;
  }

  Result<std::vector<PendingPurchase>> pending = store_->pending_purchases();
  if (!pending.ok()) {
    stop(result, PerformOutcome::kStoreError, pending.error());
    return;
  }
  for (const PendingPurchase& earlier : *pending) {
    if (earlier.origin != *origin) continue;
    // Its outcome is unknown: paying for a new token now could pay twice for one access.
    stop(result, PerformOutcome::kPurchasePending,
         Error(ErrorCode::kFailedPrecondition,
               "a payment to " + *origin + " (payment hash " + short_hash(earlier.payment_hash) +
                   "...) is still in flight; not paying again until the wallet settles it"));
    return;
  }
  const PendingPurchase record = make_pending_purchase(plan, *origin, path, at);
  Result<void> begun = store_->begin_purchase(record);
  if (!begun.ok()) {
    if (begun.error().code() == ErrorCode::kAlreadyExists) {
      stop(result, PerformOutcome::kPaymentLoop,
           Error(ErrorCode::kAlreadyExists, url + " asks again for an invoice already paid (" +
                                                short_hash(record.payment_hash) + "...)"));
    } else {
      stop(result, PerformOutcome::kStoreError, begun.error());
    }
    return;
  }
  result.token = pay(record, url, result);
}

std::optional<StoredToken> PayingClient::pay(const PendingPurchase& pending, const std::string& url,
                                             PurchaseResult& result) {
  emit(
      progress_event(ProgressKind::kPaying, url, pending.service, pending.amount, pending.max_fee));
  const auto started = std::chrono::steady_clock::now();
  const auto paid = [&](StoredToken token) {
    result.payment_time += elapsed_since(started);
    result.purchase->paid = true;
    result.purchase->fee = token.fee;
    ProgressEvent event =
        progress_event(ProgressKind::kPaid, url, token.service, token.amount, token.fee);
    event.elapsed = result.payment_time;
    emit(std::move(event));
    return token;
  };

  PayRequest request;
  request.bolt11 = pending.invoice;
  request.max_fee = pending.max_fee;
  request.timeout = options_.payment_timeout;
  const PayOutcome outcome = wallet_->pay(request);
  if (outcome.ok()) {
    Result<StoredToken> token = record_payment(pending, outcome.payment());
    if (!token.ok()) {
      result.payment_time += elapsed_since(started);
      result.purchase->paid = true;
      result.purchase->fee = outcome.payment().fee;
      stop(result, PerformOutcome::kStoreError,
           token.error().with_context("paid, but the token could not be stored (the next run "
                                      "completes the purchase)"));
      return std::nullopt;
    }
    return paid(std::move(token).value());
  }

  const PayFailure failure = outcome.failure();
  // These leave the payment's fate open: the wallet may have paid, or may still.
  const bool unclear = failure == PayFailure::kTimeout || failure == PayFailure::kUnavailable ||
                       failure == PayFailure::kAlreadyPaid;
  if (unclear) {
    Result<Settlement> settled = settle(pending);
    if (!settled.ok()) {
      result.payment_time += elapsed_since(started);
      stop(result, PerformOutcome::kStoreError, settled.error());
      return std::nullopt;
    }
    switch (settled->state) {
      case Settled::kCompleted:
        return paid(std::move(*settled->token));
      case Settled::kInFlight:
        result.payment_time += elapsed_since(started);
        stop(result, PerformOutcome::kPurchasePending,
             Error(ErrorCode::kDeadlineExceeded,
                   "the payment of " + short_hash(pending.payment_hash) +
                       "... is still in "
                       "flight (" +
                       outcome.message() + "); a later run completes it"));
        return std::nullopt;
      case Settled::kFailed:
        break;
    }
  } else {
    Result<void> closed = store_->fail_purchase(pending.payment_hash);
    if (!closed.ok() && closed.error().code() != ErrorCode::kNotFound) {
      result.payment_time += elapsed_since(started);
      stop(result, PerformOutcome::kStoreError, closed.error());
      return std::nullopt;
    }
  }
  result.payment_time += elapsed_since(started);
  stop(result, PerformOutcome::kPaymentFailed, outcome.to_error());
  emit(progress_event(ProgressKind::kRefused, url, pending.service, pending.amount, Msat(),
                      "payment failed: " + outcome.to_error().message()));
  return std::nullopt;
}

}  // namespace l402::client
