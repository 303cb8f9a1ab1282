// The JSON of LND's REST gateway, as pure functions: response bodies and stream lines in, our
// types out; request bodies out. No I/O. Private to src/lightning/.
//
// LND's marshaler (grpc-gateway + protojson, UseProtoNames, EmitUnpopulated) writes 64-bit
// integers as strings, enums as names, `bytes` as padded standard base64, and a few byte-like
// `string` fields (identity_pubkey, Payment.payment_hash/payment_preimage) as hex. Readers
// accept numbers where strings are expected and missing fields where older LND versions did
// not write them; anything else that does not fit is kInternal "lnd: malformed response".
//
// Thread safety: stateless; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "l402/amount.hpp"
#include "l402/authority.hpp"
#include "l402/crypto.hpp"
#include "l402/lightning.hpp"
#include "l402/result.hpp"

namespace l402::lnd {

// LND's error body: {"code": <gRPC code>, "message": "...", "details": []}, also written
// {"error": "...", "code": N} by older gateways, and {"error": {...}} inside streams.
struct LndError {
  int code = 2;  // gRPC Unknown: what plain Go errors become
  std::string message;
};

// `version` as "major.minor.patch" numbers ("0.18.3-beta" -> 0, 18, 3).
struct LndVersion {
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  std::uint32_t patch = 0;
};

// SendPaymentV2 (/v2/router/send) exists from LND 0.10 on; older nodes pay through
// SendPaymentSync (/v1/channels/transactions).
bool has_send_payment_v2(const LndVersion& version);

// Fails with kInvalidArgument when `text` does not start with "<n>.<n>".
Result<LndVersion> parse_version(std::string_view text);

// GetInfoResponse. implementation = "lnd".
Result<NodeInfo> parse_get_info(std::string_view body);

struct AddInvoiceResponse {
  Hash256 payment_hash{};
  std::string payment_request;
  std::uint64_t add_index = 0;
};
Result<AddInvoiceResponse> parse_add_invoice_response(std::string_view body);

// An Invoice message with the index our status does not carry.
struct LndInvoice {
  InvoiceStatus status;
  std::uint64_t add_index = 0;
};
Result<LndInvoice> parse_invoice(std::string_view body);

// ListInvoiceResponse: a page of invoices in add_index order.
struct InvoicePage {
  std::vector<LndInvoice> invoices;
  std::uint64_t last_index_offset = 0;
};
Result<InvoicePage> parse_invoice_page(std::string_view body);

enum class LndPaymentStatus { kUnknown, kInitiated, kInFlight, kSucceeded, kFailed };

enum class LndFailureReason {
  kNone,
  kTimeout,
  kNoRoute,
  kError,
  kIncorrectPaymentDetails,
  kInsufficientBalance,
  kCanceled,
};

// lnrpc.Payment, the message of SendPaymentV2 and TrackPaymentV2 streams.
struct LndPayment {
  Hash256 payment_hash{};
  Hash256 preimage{};  // zero until the payment succeeds
  LndPaymentStatus status = LndPaymentStatus::kUnknown;
  LndFailureReason failure_reason = LndFailureReason::kNone;
  Msat value;  // received by the payee
  Msat fee;
};

// SendResponse of the legacy SendPaymentSync (HTTP 200 even when the payment failed).
struct SendResponse {
  std::string payment_error;  // empty on success
  Hash256 payment_hash{};
  Hash256 preimage{};
  std::optional<Msat> total_amount;  // payment_route.total_amt_msat, fees included
  std::optional<Msat> total_fees;    // payment_route.total_fees_msat
};
Result<SendResponse> parse_send_response(std::string_view body);

// One line of an NDJSON stream: {"result": <message>} or {"error": {...}}.
Result<std::variant<LndInvoice, LndError>> parse_invoice_stream_line(std::string_view line);
Result<std::variant<LndPayment, LndError>> parse_payment_stream_line(std::string_view line);

// The error of a non-2xx answer, in any of the shapes above; nullopt when `body` is not one
// (a proxy's HTML page, an empty body).
std::optional<LndError> parse_error_body(std::string_view body);

// POST /v1/invoices: value_msat, memo, expiry (64-bit values as strings).
std::string build_add_invoice_body(const InvoiceRequest& request);
// POST /v2/router/send: payment_request, timeout_seconds (at least 1), fee_limit_msat,
// no_inflight_updates, and amt_msat for an any-amount invoice.
std::string build_send_payment_body(const PayRequest& request);
// POST /v1/channels/transactions: payment_request, fee_limit.fixed_msat, amt_msat.
std::string build_send_payment_sync_body(const PayRequest& request);

}  // namespace l402::lnd
