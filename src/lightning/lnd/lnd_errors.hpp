// How LND's refusals become ours: gRPC codes and known messages to ErrorCode, payment
// failures to PayFailure. Pure functions. Private to src/lightning/.
//
// Most LND errors are plain Go errors (gRPC Unknown, HTTP 500), bad macaroons included, so
// the message decides as often as the code does.
//
// Thread safety: stateless; safe from any thread.
#pragma once

#include <string_view>

#include "l402/lightning.hpp"
#include "l402/result.hpp"
#include "lnd/lnd_json.hpp"

namespace l402::lnd {

// True for LND's refusals of our macaroon ("verification failed", "expected 1 macaroon",
// "cannot get macaroon", "permission denied", ...).
bool is_macaroon_error(std::string_view message);

// 5 -> kNotFound; 16 or a macaroon message -> kUnauthenticated; 14 -> kUnavailable;
// 4 -> kDeadlineExceeded; 3 -> kInvalidArgument; 6 -> kAlreadyExists; others -> kInternal.
// The message is "lnd: <LND's message>".
Error error_from_lnd(const LndError& error);

// A non-2xx answer: by LND's error body when it has one, else by HTTP status (502, 503 and
// 504 from a proxy in front of LND -> kUnavailable; 404 -> kNotFound; others -> kInternal).
Error error_from_http(long http_status, std::string_view body);

// A refused payment call (unary or in-stream error): already paid or in flight, expired,
// wrong network, amount mismatch, bad credential, ...
PayOutcome pay_outcome_from_lnd(const LndError& error);
PayOutcome pay_outcome_from_http(long http_status, std::string_view body);
// Our own error on the way (transport, getinfo): kUnavailable -> kUnavailable,
// kDeadlineExceeded -> kTimeout, kUnauthenticated -> kRejected, ...
PayOutcome pay_outcome_from_error(const Error& error);

// Payment.failure_reason of a FAILED payment.
PayFailure pay_failure_from_reason(LndFailureReason reason);
// SendResponse.payment_error of the legacy SendPaymentSync ("no_route", "timeout", ...).
PayFailure pay_failure_from_payment_error(std::string_view payment_error);

}  // namespace l402::lnd
