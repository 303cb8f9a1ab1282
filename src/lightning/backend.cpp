#include <cstdlib>
#include <string>
#include <utility>

#include "l402/lightning.hpp"

namespace l402 {

std::string_view invoice_state_name(InvoiceState state) {
  switch (state) {
    case InvoiceState::kOpen:
      return "open";
    case InvoiceState::kSettled:
      return "settled";
    case InvoiceState::kCanceled:
      return "canceled";
    case InvoiceState::kAccepted:
      return "accepted";
    case InvoiceState::kExpired:
      return "expired";
  }
  return "unknown";
}

std::string_view pay_failure_name(PayFailure failure) {
  switch (failure) {
    case PayFailure::kNoRoute:
      return "no_route";
    case PayFailure::kInvoiceExpired:
      return "invoice_expired";
    case PayFailure::kAlreadyPaid:
      return "already_paid";
    case PayFailure::kInsufficientBalance:
      return "insufficient_balance";
    case PayFailure::kTimeout:
      return "timeout";
    case PayFailure::kUnavailable:
      return "unavailable";
    case PayFailure::kInvalidInvoice:
      return "invalid_invoice";
    case PayFailure::kRejected:
      return "rejected";
  }
  return "rejected";
}

PayOutcome PayOutcome::success(Payment payment) {
  PayOutcome outcome;
  outcome.ok_ = true;
  outcome.payment_ = payment;
  return outcome;
}

PayOutcome PayOutcome::failure(PayFailure failure, std::string message) {
  PayOutcome outcome;
  outcome.failure_ = failure;
  outcome.message_ = std::move(message);
  return outcome;
}

const Payment& PayOutcome::payment() const {
  if (!ok_) std::abort();
  return payment_;
}

PayFailure PayOutcome::failure() const {
  if (ok_) std::abort();
  return failure_;
}

Error PayOutcome::to_error() const {
  if (ok_) std::abort();
  ErrorCode code = ErrorCode::kFailedPrecondition;
  switch (failure_) {
    case PayFailure::kAlreadyPaid:
      code = ErrorCode::kAlreadyExists;
      break;
    case PayFailure::kTimeout:
      code = ErrorCode::kDeadlineExceeded;
      break;
    case PayFailure::kUnavailable:
      code = ErrorCode::kUnavailable;
      break;
    case PayFailure::kInvalidInvoice:
      code = ErrorCode::kInvalidArgument;
      break;
    case PayFailure::kRejected:
      code = ErrorCode::kPermissionDenied;
      break;
    case PayFailure::kNoRoute:
    case PayFailure::kInvoiceExpired:
    case PayFailure::kInsufficientBalance:
      code = ErrorCode::kFailedPrecondition;
      break;
  }
  std::string text = "payment failed (";
  text += pay_failure_name(failure_);
  text += ")";
  if (!message_.empty()) text += ": " + message_;
  return Error(code, std::move(text));
}

}  // namespace l402
