// Settling pending purchases by asking the wallet, at start-up and after an unclear payment.
#include "client/session/paying_client.hpp"
#include "l402/encoding.hpp"

namespace l402::client {

Result<StoredToken> PayingClient::record_payment(const PendingPurchase& pending,
                                                 const Payment& payment) {
  Result<StoredToken> token = store_->complete_purchase(pending.payment_hash, payment, now());
  if (token.ok() || token.error().code() != ErrorCode::kNotFound) return token;
  Result<void> again = store_->begin_purchase(pending);
  if (!again.ok() && again.error().code() != ErrorCode::kAlreadyExists) return again.error();
  return store_->complete_purchase(pending.payment_hash, payment, now());
}

Result<PayingClient::Settlement> PayingClient::settle(const PendingPurchase& pending) {
  Result<PaymentStatus> status = wallet_->lookup_payment(pending.payment_hash);
  // An unreachable wallet tells nothing: the record stays, and nothing is paid over it.
  if (!status.ok()) {
    Settlement unknown;
    unknown.wallet_error = status.error();
    return unknown;
  }
  switch (status->state) {
    case PaymentState::kSucceeded: {
      if (!status->payment.has_value()) return Settlement{};
      L402_ASSIGN_OR_RETURN(StoredToken token, record_payment(pending, *status->payment));
      return Settlement{Settled::kCompleted, std::move(token), std::nullopt, std::nullopt};
    }
    case PaymentState::kFailed:
    case PaymentState::kUnknown: {
      Result<void> closed = store_->fail_purchase(pending.payment_hash);
      if (!closed.ok() && closed.error().code() != ErrorCode::kNotFound) return closed.error();
      return Settlement{Settled::kFailed, std::nullopt, status->failure, std::nullopt};
    }
    case PaymentState::kInFlight:
      return Settlement{};
  }
  return Settlement{};
}

Result<RecoveryReport> PayingClient::recover_pending() {
  L402_ASSIGN_OR_RETURN(const std::vector<PendingPurchase> pending, store_->pending_purchases());
  RecoveryReport report;
  for (const PendingPurchase& purchase : pending) {
    L402_ASSIGN_OR_RETURN(Settlement settled, settle(purchase));
    const std::string hash = hex::encode(purchase.payment_hash).substr(0, 16) + "...";
    ProgressEvent event = progress_event(ProgressKind::kRecovered, purchase.origin + purchase.path,
                                         purchase.service, purchase.amount);
    switch (settled.state) {
      case Settled::kCompleted:
        ++report.completed;
        event.fee = settled.token->fee;
        event.message = "an earlier payment (" + hash + ") had succeeded: token stored";
        break;
      case Settled::kFailed:
        ++report.failed;
        event.message = "an earlier payment (" + hash + ") did not happen: nothing spent";
        break;
      case Settled::kInFlight:
        ++report.in_flight;
        event.message = "an earlier payment (" + hash + ") is still in flight";
        if (settled.wallet_error.has_value()) {
          event.message += " as far as we know: the wallet cannot tell (" +
                           settled.wallet_error->message() + ")";
        }
        break;
    }
    emit(std::move(event));
  }
  return report;
}

}  // namespace l402::client
