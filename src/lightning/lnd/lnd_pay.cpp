// LndBackend::pay: SendPaymentV2's stream, or SendPaymentSync on nodes before LND 0.10.
#include <string>
#include <utility>

#include "l402/bolt11.hpp"
#include "lnd/lnd_backend.hpp"
#include "lnd/lnd_errors.hpp"
#include "lnd/lnd_rpc.hpp"

namespace l402::lnd {
namespace {

// Said whenever the node may have paid but we cannot tell.
constexpr std::string_view kOutcomeUnknown =
    "; the payment's outcome is unknown: look it up (lookup_payment) before paying again";

std::string_view failure_reason_name(LndFailureReason reason) {
  switch (reason) {
    case LndFailureReason::kNone:
      return "FAILURE_REASON_NONE";
    case LndFailureReason::kTimeout:
      return "FAILURE_REASON_TIMEOUT";
    case LndFailureReason::kNoRoute:
      return "FAILURE_REASON_NO_ROUTE";
    case LndFailureReason::kError:
      return "FAILURE_REASON_ERROR";
    case LndFailureReason::kIncorrectPaymentDetails:
      return "FAILURE_REASON_INCORRECT_PAYMENT_DETAILS";
    case LndFailureReason::kInsufficientBalance:
      return "FAILURE_REASON_INSUFFICIENT_BALANCE";
    case LndFailureReason::kCanceled:
      return "FAILURE_REASON_CANCELED";
  }
  return "FAILURE_REASON_UNKNOWN";
}

// A connection that broke (or a reply we cannot read) once the request may have reached
// the node: the payment may or may not have been made.
PayOutcome outcome_unknown(const Error& error) {
  if (error.code() == ErrorCode::kDeadlineExceeded) {
    return PayOutcome::failure(PayFailure::kTimeout, "lnd: no final payment status in time" +
                                                         std::string(kOutcomeUnknown));
  }
  return PayOutcome::failure(PayFailure::kUnavailable,
                             error.message() + std::string(kOutcomeUnknown));
}

}  // namespace

PayOutcome LndBackend::pay(const PayRequest& request) {
  // Decoded here for the payment hash the preimage must match, whatever the node reports.
  auto invoice = decode_invoice(request.bolt11);
  if (!invoice.ok()) {
    return PayOutcome::failure(PayFailure::kInvalidInvoice,
                               "lnd: not a BOLT 11 invoice: " + invoice.error().message());
  }
  auto legacy = needs_legacy_payment_api();
  if (!legacy.ok()) return pay_outcome_from_error(legacy.error());
  if (*legacy) return pay_sync(request, *invoice);
  return pay_v2(request, invoice->payment_hash);
}

Result<bool> LndBackend::needs_legacy_payment_api() {
  {
    const std::lock_guard<std::mutex> lock(version_mutex_);
    if (version_) return !has_send_payment_v2(*version_);
  }
  L402_ASSIGN_OR_RETURN(const NodeInfo info, get_info());
  // A version we cannot read is a newer format, not an older one.
  auto version = parse_version(info.version);
  return version.ok() && !has_send_payment_v2(*version);
}

PayOutcome LndBackend::pay_v2(const PayRequest& request, const Hash256& payment_hash) {
  // LND gives up after timeout_seconds; HTLCs already out may take a little longer.
  const Clock::time_point deadline = Clock::now() + request.timeout + options_.call_timeout;
  auto opened =
      transport_->open_stream("POST", "/v2/router/send", build_send_payment_body(request));
  if (!opened.ok()) return pay_outcome_from_error(opened.error());
  HttpStream& stream = **opened;
  // With no_inflight_updates, LND sends the headers with the final status.
  auto status = stream.wait_for_status(deadline, /*accept_no_answer=*/false);
  if (!status.ok()) {
    // Not connected: nothing was sent. Connected: the node may be paying.
    if (is_connect_failure(status.error())) {
      return pay_outcome_from_error(status.error());
    }
    return outcome_unknown(status.error());
  }
  if (*status != 200) {
    auto body = stream.read_error_body(deadline);
    if (!body.ok()) return outcome_unknown(body.error());
    return pay_outcome_from_http(*status, *body);
  }
  while (true) {
    auto line = stream.next_line(deadline);
    if (!line.ok()) return outcome_unknown(line.error());
    if (!line->has_value()) {
      return outcome_unknown(
          Error(ErrorCode::kUnavailable, "lnd: the payment stream ended before a final status"));
    }
    auto item = parse_payment_stream_line(**line);
    if (!item.ok()) return outcome_unknown(item.error());
    if (const auto* error = std::get_if<LndError>(&*item)) return pay_outcome_from_lnd(*error);
    const LndPayment& payment = std::get<LndPayment>(*item);
    if (payment.payment_hash != payment_hash) {
      return outcome_unknown(
          Error(ErrorCode::kInternal, "lnd: the payment stream reports another payment hash"));
    }
    switch (payment.status) {
      case LndPaymentStatus::kSucceeded:
        if (!preimage_matches(payment.preimage, payment_hash)) {
          return PayOutcome::failure(PayFailure::kRejected,
                                     "lnd: the preimage does not hash to the payment hash");
        }
        return PayOutcome::success(
            Payment{payment_hash, payment.preimage, payment.value, payment.fee});
      case LndPaymentStatus::kFailed:
        return PayOutcome::failure(pay_failure_from_reason(payment.failure_reason),
                                   "lnd: payment failed (" +
                                       std::string(failure_reason_name(payment.failure_reason)) +
                                       ")");
      case LndPaymentStatus::kUnknown:
      case LndPaymentStatus::kInitiated:
      case LndPaymentStatus::kInFlight:
        break;  // not final: read on
    }
  }
}

PayOutcome LndBackend::pay_sync(const PayRequest& request, const Invoice& invoice) {
  const Hash256& payment_hash = invoice.payment_hash;
  auto response = transport_->request("POST", "/v1/channels/transactions",
                                      build_send_payment_sync_body(request),
                                      request.timeout + options_.call_timeout);
  if (!response.ok()) {
    if (is_connect_failure(response.error())) {
      return pay_outcome_from_error(response.error());
    }
    return outcome_unknown(response.error());
  }
  if (response->status != 200) return pay_outcome_from_http(response->status, response->body);
  auto sent = parse_send_response(response->body);
  if (!sent.ok()) return outcome_unknown(sent.error());
  // SendPaymentSync answers 200 for a failed payment, with the reason as text.
  if (!sent->payment_error.empty()) {
    return PayOutcome::failure(pay_failure_from_payment_error(sent->payment_error),
                               "lnd: " + sent->payment_error);
  }
  if (!preimage_matches(sent->preimage, payment_hash)) {
    return PayOutcome::failure(PayFailure::kRejected,
                               "lnd: the preimage does not hash to the payment hash");
  }
  Payment payment{payment_hash, sent->preimage, Msat(), Msat()};
  if (sent->total_amount && sent->total_fees) {
    payment.fee = *sent->total_fees;
    payment.amount = sent->total_amount->checked_sub(*sent->total_fees).value_or(Msat());
  } else if (request.amount) {
    payment.amount = *request.amount;
  } else if (invoice.amount) {
    payment.amount = *invoice.amount;
  }
  return PayOutcome::success(payment);
}

}  // namespace l402::lnd
