// devnet's types written as LND's REST gateway writes them. Pure functions, no I/O. Private to
// src/devnet/rest/.
//
// LND's marshaler (grpc-gateway v2 + protojson with UseProtoNames and EmitUnpopulated) writes
// every field of a message, zero values included, under its proto (snake_case) name: 64-bit
// integers as JSON strings, 32-bit integers and bools as numbers, enums by name, `bytes` as
// standard base64 with padding ("" when empty), an unset sub-message as null, an empty list as
// [] and an empty map as {}. A few byte-like fields are `string` in the proto and hex
// (identity_pubkey, Payment.payment_hash/payment_preimage, PayReq.destination/payment_hash/
// description_hash).
//
// Thread safety: stateless; safe from any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "l402/bolt11.hpp"
#include "l402/devnet.hpp"
#include "l402/lightning.hpp"

namespace l402::devnet_rest {

// gRPC status codes, by the numbers LND's error bodies carry.
enum class GrpcCode {
  kOk = 0,
  kCanceled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// The HTTP status grpc-gateway answers a code with (runtime.HTTPStatusFromCode).
unsigned http_status_of(GrpcCode code);

// {"code": N, "message": "...", "details": []}
nlohmann::json error_json(GrpcCode code, std::string_view message);

// lnrpc.GetInfoResponse. `version` is what the server reports (DevnetServerOptions).
nlohmann::json get_info_json(const NodeInfo& info, std::string_view version);

// lnrpc.AddInvoiceResponse.
nlohmann::json add_invoice_response_json(const DevnetInvoice& invoice);

// lnrpc.Invoice. `features` come from the invoice's own `9` field.
nlohmann::json invoice_json(const DevnetInvoice& invoice);

// lnrpc.Payment as SendPaymentV2/TrackPaymentV2 stream it. With `in_flight`, the update LND
// sends before the outcome: status IN_FLIGHT, no preimage, no failure reason.
nlohmann::json payment_json(const DevnetPayment& payment, bool in_flight);

// lnrpc.PaymentFailureReason name for a failed devnet payment.
std::string_view failure_reason_name(PayFailure failure);

// lnrpc.SendResponse (legacy SendPaymentSync): payment_error is "" on success and the failure
// reason otherwise.
nlohmann::json send_response_json(const DevnetPayment& payment);
// A SendResponse for a payment refused before it was attempted (HTTP 200, as LND answers).
nlohmann::json send_error_response_json(const Hash256& payment_hash, std::string_view error);

// lnrpc.PayReq of a decoded invoice (of any network).
nlohmann::json pay_req_json(const Invoice& invoice);

// Compact JSON text; never throws (invalid UTF-8 is replaced).
std::string json_text(const nlohmann::json& value);

// One line of a server stream: {"result": message}\n or {"error": {...}}\n.
std::string stream_result_line(const nlohmann::json& message);
std::string stream_error_line(GrpcCode code, std::string_view message);

}  // namespace l402::devnet_rest
