// LND's REST endpoints over DevnetNode: routing, authentication and each endpoint's
// request/answer mapping.
#include "rest/routes.hpp"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <string>
#include <utility>

#include "l402/encoding.hpp"
#include "rest/request_reader.hpp"

namespace l402::devnet_rest {
namespace {

using nlohmann::json;

constexpr std::uint64_t kDefaultInvoiceExpiry = 86'400;  // LND's default
constexpr std::uint64_t kDefaultPayTimeoutSeconds = 60;  // routerrpc's default
// ListInvoices: rows read per node query, and the most invoices one answer holds.
constexpr std::size_t kListPage = 500;
constexpr std::uint64_t kMaxListedInvoices = 10'000;

RestReply json_reply(const json& body) { return {200, json_text(body)}; }

// Most of LND's errors are plain Go errors, which gRPC reports as Unknown.
GrpcCode node_error_code(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kUnavailable:
      return GrpcCode::kUnavailable;
    case ErrorCode::kDeadlineExceeded:
      return GrpcCode::kDeadlineExceeded;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kLimitExceeded:
    case ErrorCode::kNotFound:
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kFailedPrecondition:
    case ErrorCode::kInternal:
      return GrpcCode::kUnknown;
  }
  return GrpcCode::kUnknown;
}

RestReply node_error_reply(const Error& error) {
  return RestRoutes::error_reply(node_error_code(error), error.message());
}

// A body that does not decode: grpc-gateway answers InvalidArgument.
RestReply decode_error_reply(const Error& error) {
  return RestRoutes::error_reply(GrpcCode::kInvalidArgument, error.message());
}

// Go's hex.DecodeString, with its error messages (LND returns them as they are).
Result<std::string> go_hex_decode(std::string_view text) {
  auto value_of = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (const char c : text) {
    if (value_of(c) >= 0) continue;
    const auto byte = static_cast<unsigned char>(c);
    char rune[32];
    if (byte >= 0x20 && byte < 0x7f) {
      std::snprintf(rune, sizeof rune, "U+%04X '%c'", byte, c);
    } else {
      std::snprintf(rune, sizeof rune, "U+%04X", byte);
    }
    return Error(ErrorCode::kInvalidArgument, std::string("encoding/hex: invalid byte: ") + rune);
  }
  if (text.size() % 2 != 0) {
    return Error(ErrorCode::kInvalidArgument, "encoding/hex: odd length hex string");
  }
  return hex::decode(text);
}

Hash256 to_hash(std::string_view bytes) {
  Hash256 hash{};
  for (std::size_t i = 0; i < hash.size() && i < bytes.size(); ++i) {
    hash[i] = static_cast<std::uint8_t>(bytes[i]);
  }
  return hash;
}

// lnrpc.UnmarshallAmt: a sat/msat pair of fields, at most one set.
Result<Msat> unmarshal_amount(std::int64_t sat, std::int64_t msat) {
  if (sat != 0 && msat != 0) {
    return Error(ErrorCode::kInvalidArgument, "sat and msat arguments are mutually exclusive");
  }
  if (sat < 0 || msat < 0) return Error(ErrorCode::kInvalidArgument, "amount cannot be negative");
  if (sat != 0) {
    std::optional<Msat> amount = Msat::from_sat(static_cast<std::uint64_t>(sat));
    if (!amount) return Error(ErrorCode::kInvalidArgument, "amount too large");
    return *amount;
  }
  return Msat(static_cast<std::uint64_t>(msat));
}

// A path whose last segment is a parameter: "/v1/invoice/" + "{r_hash_str}".
std::optional<std::string_view> parameter_after(std::string_view path, std::string_view prefix) {
  if (path.size() <= prefix.size() || path.substr(0, prefix.size()) != prefix) return std::nullopt;
  const std::string_view parameter = path.substr(prefix.size());
  if (parameter.find('/') != std::string_view::npos) return std::nullopt;
  return parameter;
}

enum class Endpoint {
  kGetInfo,
  kAddInvoice,
  kListInvoices,
  kLookupInvoice,
  kSubscribeInvoices,
  kSendPaymentV2,
  kTrackPaymentV2,
  kSendPaymentSync,
  kDecodePayReq,
};

struct Route {
  Endpoint endpoint;
  std::string_view method;
  std::string_view parameter;  // the path parameter, percent-encoded as sent
};

// The route for `path` and `method`; a route of the path with another method when only the
// method is wrong (405); nullopt for an unknown path (404).
std::optional<Route> match(std::string_view path, std::string_view method) {
  if (path == "/v1/getinfo") return Route{Endpoint::kGetInfo, "GET", {}};
  if (path == "/v1/invoices") {
    if (method == "GET") return Route{Endpoint::kListInvoices, "GET", {}};
    return Route{Endpoint::kAddInvoice, "POST", {}};
  }
  if (path == "/v1/invoices/subscribe") return Route{Endpoint::kSubscribeInvoices, "GET", {}};
  if (path == "/v2/router/send") return Route{Endpoint::kSendPaymentV2, "POST", {}};
  if (path == "/v1/channels/transactions") return Route{Endpoint::kSendPaymentSync, "POST", {}};
  if (auto p = parameter_after(path, "/v1/invoice/")) {
    return Route{Endpoint::kLookupInvoice, "GET", *p};
  }
  if (auto p = parameter_after(path, "/v2/router/track/")) {
    return Route{Endpoint::kTrackPaymentV2, "GET", *p};
  }
  if (auto p = parameter_after(path, "/v1/payreq/")) {
    return Route{Endpoint::kDecodePayReq, "GET", *p};
  }
  return std::nullopt;
}

// The invoice a payment request names, checked as LND's router checks it before paying:
// decodable, of the node's network, amount given exactly when the invoice has none.
struct PayIntent {
  Invoice invoice;
  PayRequest request;
};

Result<PayIntent> pay_intent(const DevnetNode& node, std::string_view payment_request,
                             Msat requested_amount) {
  if (payment_request.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "devnet pays BOLT 11 invoices only: payment_request is required");
  }
  Result<Invoice> invoice = decode_invoice(payment_request);
  if (!invoice.ok()) return Error(ErrorCode::kInvalidArgument, invoice.error().message());
  const Network network = node.info().network;
  if (invoice->network != network) {
    return Error(ErrorCode::kInvalidArgument, "invoice not for current active network '" +
                                                  std::string(network_name(network)) + "'");
  }
  PayIntent intent{std::move(*invoice), {}};
  intent.request.bolt11 = std::string(payment_request);
  if (!intent.invoice.amount) {
    if (requested_amount.value() == 0) {
      return Error(ErrorCode::kInvalidArgument,
                   "amount must be specified when paying a zero amount invoice");
    }
    intent.request.amount = requested_amount;
  } else if (requested_amount.value() != 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "amount must not be specified when paying a non-zero amount invoice");
  }
  return intent;
}

Msat amount_paid(const PayIntent& intent) {
  return intent.invoice.amount ? *intent.invoice.amount : intent.request.amount.value_or(Msat());
}

class Handler {
 public:
  Handler(DevnetNode& node, std::string_view reported_version, std::string account)
      : node_(node), reported_version_(reported_version), account_(std::move(account)) {}

  RestOutcome get_info() const {
    return json_reply(get_info_json(node_.info(), reported_version_));
  }

  RestOutcome add_invoice(const RequestBody& body) const {
    auto memo = body.string_field("memo");
    auto value = body.int64_field("value");
    auto value_msat = body.int64_field("value_msat");
    auto preimage = body.bytes_field("r_preimage");
    auto description_hash = body.bytes_field("description_hash");
    auto expiry = body.int64_field("expiry");
    auto cltv_expiry = body.uint64_field("cltv_expiry");
    for (const Result<void>& field :
         {status_of(memo), status_of(value), status_of(value_msat), status_of(preimage),
          status_of(description_hash), status_of(expiry), status_of(cltv_expiry)}) {
      if (!field.ok()) return decode_error_reply(field.error());
    }
    Result<Msat> amount = unmarshal_amount(*value, *value_msat);
    if (!amount.ok()) return node_error_reply(amount.error());

    DevnetInvoiceRequest request;
    request.account = account_;
    if (amount->value() != 0) request.amount = *amount;
    request.memo = *memo;
    if (!preimage->empty()) {
      if (preimage->size() != 32) {
        return error_reply_text("invalid preimage length of " + std::to_string(preimage->size()) +
                                ", want 32");
      }
      request.preimage = to_hash(*preimage);
    }
    if (!description_hash->empty()) {
      if (description_hash->size() != 32) {
        return error_reply_text("description hash is " + std::to_string(description_hash->size()) +
                                " bytes, must be 32");
      }
      request.description_hash = to_hash(*description_hash);
    }
    if (*expiry < 0) {
      return error_reply_text("expiry of " + std::to_string(*expiry) + " seconds is negative");
    }
    request.expiry_seconds =
        *expiry == 0 ? kDefaultInvoiceExpiry : static_cast<std::uint64_t>(*expiry);
    if (*cltv_expiry != 0) request.cltv_expiry = *cltv_expiry;

    Result<DevnetInvoice> invoice = node_.add_invoice(request);
    if (!invoice.ok()) return node_error_reply(invoice.error());
    return json_reply(add_invoice_response_json(*invoice));
  }

  RestOutcome lookup_invoice(std::string_view parameter) const {
    Result<std::string> text = percent_decode(parameter, /*plus_is_space=*/false);
    if (!text.ok()) return decode_error_reply(text.error());
    Result<std::string> hash = go_hex_decode(*text);
    if (!hash.ok()) return node_error_reply(hash.error());
    if (hash->size() != 32) {
      return error_reply_text("payment hash must be exactly 32 bytes, is instead " +
                              std::to_string(hash->size()));
    }
    Result<DevnetInvoice> invoice = node_.lookup_invoice(to_hash(*hash));
    if (!invoice.ok() && invoice.error().code() != ErrorCode::kNotFound) {
      return node_error_reply(invoice.error());
    }
    // Another account's invoice is as unknown to this macaroon as a missing one.
    if (!invoice.ok() || invoice->account != account_) {
      return RestRoutes::error_reply(GrpcCode::kNotFound, "unable to locate invoice");
    }
    return json_reply(invoice_json(*invoice));
  }

  // ListInvoices: the account's invoices after index_offset (before it when reversed), at
  // most num_max_invoices (LND's default 100), in add_index order.
  RestOutcome list_invoices(std::string_view query_text) const {
    auto query = parse_query(query_text);
    if (!query.ok()) return decode_error_reply(query.error());
    std::uint64_t numbers[4] = {0, 0, 0, 0};
    const char* number_names[4] = {"index_offset", "num_max_invoices", "creation_date_start",
                                   "creation_date_end"};
    for (std::size_t i = 0; i < 4; ++i) {
      if (auto text = query_value(*query, number_names[i])) {
        Result<std::uint64_t> value = parse_uint64_text(*text, number_names[i]);
        if (!value.ok()) return decode_error_reply(value.error());
        numbers[i] = *value;
      }
    }
    bool flags[2] = {false, false};
    const char* flag_names[2] = {"pending_only", "reversed"};
    for (std::size_t i = 0; i < 2; ++i) {
      if (auto text = query_value(*query, flag_names[i])) {
        Result<bool> value = parse_bool_text(*text, flag_names[i]);
        if (!value.ok()) return decode_error_reply(value.error());
        flags[i] = *value;
      }
    }
    // Plain copies, not structured bindings: the lambda below captures them.
    const std::uint64_t index_offset = numbers[0];
    const std::uint64_t requested_max = numbers[1];
    const std::uint64_t created_from = numbers[2];
    const std::uint64_t created_to = numbers[3];
    const bool pending_only = flags[0];
    const bool reversed = flags[1];
    const std::size_t max_invoices = static_cast<std::size_t>(
        std::min<std::uint64_t>(requested_max == 0 ? 100 : requested_max, kMaxListedInvoices));
    auto wanted = [&](const DevnetInvoice& invoice) {
      if (invoice.account != account_) return false;
      if (pending_only && invoice.status.state != InvoiceState::kOpen) return false;
      if (created_from != 0 && invoice.status.created_at < created_from) return false;
      if (created_to != 0 && invoice.status.created_at > created_to) return false;
      return !reversed || index_offset == 0 || invoice.add_index < index_offset;
    };
    std::deque<DevnetInvoice> listed;
    std::uint64_t after = reversed ? 0 : index_offset;
    for (;;) {
      Result<std::vector<DevnetInvoice>> page = node_.invoices_added_after(after, kListPage);
      if (!page.ok()) return node_error_reply(page.error());
      for (DevnetInvoice& invoice : *page) {
        if (reversed && index_offset != 0 && invoice.add_index >= index_offset) break;
        if (!wanted(invoice)) continue;
        listed.push_back(std::move(invoice));
        // Forward: the first ones. Reversed: the last ones before the offset.
        if (listed.size() > max_invoices) listed.pop_front();
        if (!reversed && listed.size() == max_invoices) break;
      }
      const bool done = page->size() < kListPage || (!reversed && listed.size() == max_invoices) ||
                        (reversed && index_offset != 0 && page->back().add_index >= index_offset);
      if (done || page->empty()) break;
      after = page->back().add_index;
    }
    json invoices = json::array();
    for (const DevnetInvoice& invoice : listed) invoices.push_back(invoice_json(invoice));
    return json_reply({
        {"invoices", std::move(invoices)},
        {"last_index_offset", std::to_string(listed.empty() ? 0 : listed.back().add_index)},
        {"first_index_offset", std::to_string(listed.empty() ? 0 : listed.front().add_index)},
    });
  }

  RestOutcome subscribe_invoices(std::string_view query_text) const {
    auto query = parse_query(query_text);
    if (!query.ok()) return decode_error_reply(query.error());
    RestSubscription subscription{account_, 0, 0};
    if (auto text = query_value(*query, "add_index")) {
      Result<std::uint64_t> index = parse_uint64_text(*text, "add_index");
      if (!index.ok()) return decode_error_reply(index.error());
      subscription.add_index = *index;
    }
    if (auto text = query_value(*query, "settle_index")) {
      Result<std::uint64_t> index = parse_uint64_text(*text, "settle_index");
      if (!index.ok()) return decode_error_reply(index.error());
      subscription.settle_index = *index;
    }
    return subscription;
  }

  RestOutcome send_payment_v2(const RequestBody& body) const {
    auto payment_request = body.string_field("payment_request");
    auto amt = body.int64_field("amt");
    auto amt_msat = body.int64_field("amt_msat");
    auto fee_limit_sat = body.int64_field("fee_limit_sat");
    auto fee_limit_msat = body.int64_field("fee_limit_msat");
    auto timeout_seconds = body.int32_field("timeout_seconds");
    auto no_inflight_updates = body.bool_field("no_inflight_updates");
    for (const Result<void>& field :
         {status_of(payment_request), status_of(amt), status_of(amt_msat), status_of(fee_limit_sat),
          status_of(fee_limit_msat), status_of(timeout_seconds), status_of(no_inflight_updates)}) {
      if (!field.ok()) return decode_error_reply(field.error());
    }
    Result<Msat> amount = unmarshal_amount(*amt, *amt_msat);
    if (!amount.ok()) return node_error_reply(amount.error());
    // routerrpc: no fee limit means zero-fee routes only.
    Result<Msat> fee_limit = unmarshal_amount(*fee_limit_sat, *fee_limit_msat);
    if (!fee_limit.ok()) return node_error_reply(fee_limit.error());
    if (*timeout_seconds < 0) return error_reply_text("timeout_seconds must be positive");
    Result<PayIntent> intent = pay_intent(node_, *payment_request, *amount);
    if (!intent.ok()) return node_error_reply(intent.error());
    intent->request.max_fee = *fee_limit;
    intent->request.timeout =
        std::chrono::seconds(*timeout_seconds == 0 ? kDefaultPayTimeoutSeconds
                                                   : static_cast<std::uint64_t>(*timeout_seconds));

    Result<DevnetPayment> payment = node_.pay(account_, intent->request);
    if (!payment.ok()) return node_error_reply(payment.error());
    if (std::optional<RestReply> refused = preflight_refusal(*payment)) return *refused;
    RestStream stream;
    if (!*no_inflight_updates) stream.lines += stream_result_line(payment_json(*payment, true));
    stream.lines += stream_result_line(payment_json(*payment, false));
    return stream;
  }

  RestOutcome track_payment_v2(std::string_view parameter) const {
    Result<std::string> text = percent_decode(parameter, /*plus_is_space=*/false);
    if (!text.ok()) return decode_error_reply(text.error());
    Result<std::string> hash = base64::decode(*text);
    if (!hash.ok()) {
      return RestRoutes::error_reply(
          GrpcCode::kInvalidArgument,
          "type mismatch, parameter: payment_hash, error: " + hash.error().message());
    }
    if (hash->size() != 32) {
      return error_reply_text("invalid hash length of " + std::to_string(hash->size()) +
                              ", want 32");
    }
    Result<DevnetPayment> payment = node_.lookup_payment(account_, to_hash(*hash));
    if (!payment.ok() && payment.error().code() == ErrorCode::kNotFound) {
      return RestRoutes::error_reply(GrpcCode::kNotFound, "payment isn't initiated");
    }
    if (!payment.ok()) return node_error_reply(payment.error());
    // A devnet payment is final once recorded: TrackPaymentV2 sends its current state only.
    return RestStream{stream_result_line(payment_json(*payment, false))};
  }

  RestOutcome send_payment_sync(const RequestBody& body) const {
    auto payment_request = body.string_field("payment_request");
    auto amt = body.int64_field("amt");
    auto amt_msat = body.int64_field("amt_msat");
    auto fee_limit = body.message_field("fee_limit");
    for (const Result<void>& field :
         {status_of(payment_request), status_of(amt), status_of(amt_msat), status_of(fee_limit)}) {
      if (!field.ok()) return decode_error_reply(field.error());
    }
    Result<LegacyFeeLimit> limit = read_legacy_fee_limit(*fee_limit);
    if (!limit.ok()) return decode_error_reply(limit.error());
    Result<Msat> amount = unmarshal_amount(*amt, *amt_msat);
    if (!amount.ok()) return node_error_reply(amount.error());
    Result<PayIntent> intent = pay_intent(node_, *payment_request, *amount);
    if (!intent.ok()) return node_error_reply(intent.error());
    Result<Msat> max_fee = legacy_max_fee(*limit, amount_paid(*intent));
    if (!max_fee.ok()) return node_error_reply(max_fee.error());
    intent->request.max_fee = *max_fee;
    intent->request.timeout = std::chrono::seconds(kDefaultPayTimeoutSeconds);

    Result<DevnetPayment> payment = node_.pay(account_, intent->request);
    if (!payment.ok()) return node_error_reply(payment.error());
    if (payment->status == DevnetPaymentStatus::kFailed && payment->failure) {
      switch (*payment->failure) {
        // SendPaymentSync reports the payment store's refusal in payment_error, HTTP 200.
        case PayFailure::kAlreadyPaid:
          return json_reply(
              send_error_response_json(payment->payment_hash, "invoice is already paid"));
        // Refused while the request was validated: an RPC error.
        case PayFailure::kInvoiceExpired:
        case PayFailure::kInvalidInvoice:
          return error_reply_text(payment->failure_message);
        case PayFailure::kNoRoute:
        case PayFailure::kInsufficientBalance:
        case PayFailure::kTimeout:
        case PayFailure::kUnavailable:
        case PayFailure::kRejected:
          break;
      }
    }
    return json_reply(send_response_json(*payment));
  }

  RestOutcome decode_pay_req(std::string_view parameter) const {
    Result<std::string> text = percent_decode(parameter, /*plus_is_space=*/false);
    if (!text.ok()) return decode_error_reply(text.error());
    Result<Invoice> invoice = decode_invoice(*text);
    if (!invoice.ok()) return error_reply_text(invoice.error().message());
    return json_reply(pay_req_json(*invoice));
  }

 private:
  template <typename T>
  static Result<void> status_of(const Result<T>& result) {
    if (result.ok()) return ok_result();
    return result.error();
  }

  static RestReply error_reply_text(std::string_view message) {
    return RestRoutes::error_reply(GrpcCode::kUnknown, message);
  }

  // SendPaymentV2 refuses these before streaming, in the unary error shape.
  static std::optional<RestReply> preflight_refusal(const DevnetPayment& payment) {
    if (payment.status != DevnetPaymentStatus::kFailed || !payment.failure) return std::nullopt;
    switch (*payment.failure) {
      case PayFailure::kAlreadyPaid:
        return RestRoutes::error_reply(GrpcCode::kAlreadyExists, "invoice is already paid");
      case PayFailure::kInvoiceExpired:
      case PayFailure::kInvalidInvoice:
        return error_reply_text(payment.failure_message);
      case PayFailure::kNoRoute:
      case PayFailure::kInsufficientBalance:
      case PayFailure::kTimeout:
      case PayFailure::kUnavailable:
      case PayFailure::kRejected:
        return std::nullopt;
    }
    return std::nullopt;
  }

  // lnrpc.FeeLimit, a oneof.
  struct LegacyFeeLimit {
    std::optional<std::int64_t> fixed;
    std::optional<std::int64_t> fixed_msat;
    std::optional<std::int64_t> percent;
  };

  static Result<LegacyFeeLimit> read_legacy_fee_limit(const std::optional<RequestBody>& message) {
    LegacyFeeLimit limit;
    if (!message) return limit;
    const int set = static_cast<int>(message->has("fixed")) +
                    static_cast<int>(message->has("fixed_msat")) +
                    static_cast<int>(message->has("percent"));
    if (set > 1) {
      return Error(ErrorCode::kInvalidArgument, "proto: oneof lnrpc.FeeLimit.limit is already set");
    }
    L402_ASSIGN_OR_RETURN(const std::int64_t fixed, message->int64_field("fixed"));
    L402_ASSIGN_OR_RETURN(const std::int64_t fixed_msat, message->int64_field("fixed_msat"));
    L402_ASSIGN_OR_RETURN(const std::int64_t percent, message->int64_field("percent"));
    if (message->has("fixed")) limit.fixed = fixed;
    if (message->has("fixed_msat")) limit.fixed_msat = fixed_msat;
    if (message->has("percent")) limit.percent = percent;
    return limit;
  }

  // lnrpc.CalculateFeeLimit: fixed sat, fixed msat or a percentage of the amount; without
  // one, lnd's default (all of a payment up to 1000 sat, 5% above).
  static Result<Msat> legacy_max_fee(const LegacyFeeLimit& limit, Msat amount) {
    if (limit.fixed) return unmarshal_amount(*limit.fixed, 0);
    if (limit.fixed_msat) return unmarshal_amount(0, *limit.fixed_msat);
    if (limit.percent) {
      if (*limit.percent < 0)
        return Error(ErrorCode::kInvalidArgument, "amount cannot be negative");
      std::uint64_t product = 0;
      if (__builtin_mul_overflow(amount.value(), static_cast<std::uint64_t>(*limit.percent),
                                 &product)) {
        return Msat(UINT64_MAX);
      }
      return Msat(product / 100);
    }
    if (amount.value() <= 1'000'000) return amount;
    return Msat(amount.value() / 20);
  }

  DevnetNode& node_;
  std::string_view reported_version_;
  std::string account_;
};

}  // namespace

RestReply RestRoutes::error_reply(GrpcCode code, std::string_view message) {
  return {http_status_of(code), json_text(error_json(code, message))};
}

RestOutcome RestRoutes::handle(const RestRequest& request) const {
  const std::size_t question = request.target.find('?');
  const std::string_view path = request.target.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : request.target.substr(question + 1);

  const std::optional<Route> route = match(path, request.method);
  if (!route) return error_reply(GrpcCode::kNotFound, "Not Found");
  if (request.method != route->method) {
    // grpc-gateway's routing error for a known path: code Unimplemented, HTTP 405.
    RestReply reply = error_reply(GrpcCode::kUnimplemented, "Method Not Allowed");
    reply.status = 405;
    return reply;
  }

  // The gateway decodes the body before the gRPC server checks the macaroon.
  std::optional<RequestBody> body;
  if (route->method == "POST") {
    Result<RequestBody> parsed = RequestBody::parse(request.body);
    if (!parsed.ok()) return decode_error_reply(parsed.error());
    body = std::move(*parsed);
  }

  if (!request.macaroon_hex) return error_reply(GrpcCode::kUnknown, "expected 1 macaroon, got 0");
  Result<std::string> macaroon = go_hex_decode(*request.macaroon_hex);
  if (!macaroon.ok()) return error_reply(GrpcCode::kUnknown, macaroon.error().message());
  Result<std::string> account = node_.authenticate(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(macaroon->data()), macaroon->size()));
  if (!account.ok()) return error_reply(GrpcCode::kUnknown, account.error().message());

  const Handler handler(node_, reported_version_, std::move(*account));
  switch (route->endpoint) {
    case Endpoint::kGetInfo:
      return handler.get_info();
    case Endpoint::kAddInvoice:
      return handler.add_invoice(*body);
    case Endpoint::kListInvoices:
      return handler.list_invoices(query);
    case Endpoint::kLookupInvoice:
      return handler.lookup_invoice(route->parameter);
    case Endpoint::kSubscribeInvoices:
      return handler.subscribe_invoices(query);
    case Endpoint::kSendPaymentV2:
      return handler.send_payment_v2(*body);
    case Endpoint::kTrackPaymentV2:
      return handler.track_payment_v2(route->parameter);
    case Endpoint::kSendPaymentSync:
      return handler.send_payment_sync(*body);
    case Endpoint::kDecodePayReq:
      return handler.decode_pay_req(route->parameter);
  }
  return error_reply(GrpcCode::kNotFound, "Not Found");
}

}  // namespace l402::devnet_rest
