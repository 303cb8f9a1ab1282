#include "lnd/lnd_errors.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <string>

namespace l402::lnd {
namespace {

// gRPC status codes (google.golang.org/grpc/codes).
constexpr int kGrpcInvalidArgument = 3;
constexpr int kGrpcDeadlineExceeded = 4;
constexpr int kGrpcNotFound = 5;
constexpr int kGrpcAlreadyExists = 6;
constexpr int kGrpcUnavailable = 14;
constexpr int kGrpcUnauthenticated = 16;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool mentions_any(std::string_view message, std::initializer_list<std::string_view> phrases) {
  const std::string text = lower(message);
  return std::any_of(phrases.begin(), phrases.end(), [&](std::string_view phrase) {
    return text.find(phrase) != std::string::npos;
  });
}

std::string lnd_text(const LndError& error) {
  if (error.message.empty()) return "lnd: error code " + std::to_string(error.code);
  return "lnd: " + error.message;
}

std::string http_text(long http_status) {
  return "lnd: HTTP " + std::to_string(http_status) + " without an LND error body";
}

}  // namespace

bool is_macaroon_error(std::string_view message) {
  return mentions_any(message, {"macaroon", "verification failed", "permission denied"});
}

Error error_from_lnd(const LndError& error) {
  std::string text = lnd_text(error);
  if (error.code == kGrpcUnauthenticated || is_macaroon_error(error.message)) {
    return Error(ErrorCode::kUnauthenticated, std::move(text));
  }
  switch (error.code) {
    case kGrpcNotFound:
      return Error(ErrorCode::kNotFound, std::move(text));
    case kGrpcUnavailable:
      return Error(ErrorCode::kUnavailable, std::move(text));
    case kGrpcDeadlineExceeded:
      return Error(ErrorCode::kDeadlineExceeded, std::move(text));
    case kGrpcInvalidArgument:
      return Error(ErrorCode::kInvalidArgument, std::move(text));
    case kGrpcAlreadyExists:
      return Error(ErrorCode::kAlreadyExists, std::move(text));
    default:
      return Error(ErrorCode::kInternal, std::move(text));
  }
}

Error error_from_http(long http_status, std::string_view body) {
  if (const std::optional<LndError> error = parse_error_body(body)) return error_from_lnd(*error);
  switch (http_status) {
    case 502:
    case 503:
    case 504:
      return Error(ErrorCode::kUnavailable, http_text(http_status));
    case 401:
      return Error(ErrorCode::kUnauthenticated, http_text(http_status));
    case 404:
      return Error(ErrorCode::kNotFound, http_text(http_status));
    default:
      return Error(ErrorCode::kInternal, http_text(http_status));
  }
}

PayOutcome pay_outcome_from_lnd(const LndError& error) {
  std::string text = lnd_text(error);
  // routerrpc answers AlreadyExists for all three; older versions used code 2.
  if (error.code == kGrpcAlreadyExists ||
      mentions_any(error.message, {"invoice is already paid", "payment is in transition",
                                   "payment already exists", "already paid"})) {
    return PayOutcome::failure(PayFailure::kAlreadyPaid, std::move(text));
  }
  if (mentions_any(error.message, {"invoice expired"})) {
    return PayOutcome::failure(PayFailure::kInvoiceExpired, std::move(text));
  }
  if (is_macaroon_error(error.message) || error.code == kGrpcUnauthenticated) {
    return PayOutcome::failure(PayFailure::kRejected, std::move(text));
  }
  // "invoice not for current active network", "amount must (not) be specified when paying
  // a ... amount invoice", and bech32/BOLT 11 decoding errors.
  if (error.code == kGrpcInvalidArgument ||
      mentions_any(error.message,
                   {"not for current active network", "amount must", "zero amount invoice",
                    "invalid bech32", "checksum failed", "invalid payment request", "malformed"})) {
    return PayOutcome::failure(PayFailure::kInvalidInvoice, std::move(text));
  }
  if (error.code == kGrpcUnavailable) {
    return PayOutcome::failure(PayFailure::kUnavailable, std::move(text));
  }
  if (error.code == kGrpcDeadlineExceeded) {
    return PayOutcome::failure(PayFailure::kTimeout, std::move(text));
  }
  return PayOutcome::failure(PayFailure::kRejected, std::move(text));
}

PayOutcome pay_outcome_from_http(long http_status, std::string_view body) {
  if (const std::optional<LndError> error = parse_error_body(body)) {
    return pay_outcome_from_lnd(*error);
  }
  return pay_outcome_from_error(error_from_http(http_status, body));
}

PayOutcome pay_outcome_from_error(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kUnavailable:
      return PayOutcome::failure(PayFailure::kUnavailable, error.message());
    case ErrorCode::kDeadlineExceeded:
      return PayOutcome::failure(PayFailure::kTimeout, error.message());
    case ErrorCode::kAlreadyExists:
      return PayOutcome::failure(PayFailure::kAlreadyPaid, error.message());
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kLimitExceeded:
      return PayOutcome::failure(PayFailure::kInvalidInvoice, error.message());
    case ErrorCode::kNotFound:
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kFailedPrecondition:
    case ErrorCode::kInternal:
      return PayOutcome::failure(PayFailure::kRejected, error.message());
  }
  return PayOutcome::failure(PayFailure::kRejected, error.message());
}

PayFailure pay_failure_from_reason(LndFailureReason reason) {
  switch (reason) {
    case LndFailureReason::kNoRoute:
      return PayFailure::kNoRoute;
    case LndFailureReason::kInsufficientBalance:
      return PayFailure::kInsufficientBalance;
    case LndFailureReason::kTimeout:
      return PayFailure::kTimeout;
    case LndFailureReason::kIncorrectPaymentDetails:
    case LndFailureReason::kError:
    case LndFailureReason::kCanceled:
    case LndFailureReason::kNone:
      return PayFailure::kRejected;
  }
  return PayFailure::kRejected;
}

PayFailure pay_failure_from_payment_error(std::string_view payment_error) {
  // SendPaymentSync wrote FailureReason.Error() ("no_route", "insufficient_balance",
  // "timeout", "incorrect_payment_details", "error") or an error's text.
  if (mentions_any(payment_error, {"already paid", "in transition", "already exists"})) {
    return PayFailure::kAlreadyPaid;
  }
  if (mentions_any(payment_error, {"expired"})) return PayFailure::kInvoiceExpired;
  if (mentions_any(payment_error, {"insufficient"})) return PayFailure::kInsufficientBalance;
  if (mentions_any(payment_error,
                   {"no_route", "no route", "unable to find a path", "unable to route"})) {
    return PayFailure::kNoRoute;
  }
  if (mentions_any(payment_error, {"timeout", "timed out"})) return PayFailure::kTimeout;
  if (mentions_any(payment_error, {"not for current active network"})) {
    return PayFailure::kInvalidInvoice;
  }
  return PayFailure::kRejected;
}

}  // namespace l402::lnd
