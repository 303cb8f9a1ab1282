#include "lnd/lnd_json.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "l402/encoding.hpp"

namespace l402::lnd {
namespace {

using Json = nlohmann::json;

Error malformed(std::string_view what) {
  return Error(ErrorCode::kInternal, "lnd: malformed response: " + std::string(what));
}

// Parsing never throws (allow_exceptions = false); a non-object top level is malformed too.
Result<Json> parse_object(std::string_view text, std::string_view message_name) {
  Json document = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return malformed(std::string(message_name) + " is not JSON");
  if (!document.is_object()) return malformed(std::string(message_name) + " is not an object");
  return document;
}

Result<std::uint64_t> parse_decimal(std::string_view text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return Error(ErrorCode::kInvalidArgument, "not a decimal integer");
  }
  return value;
}

std::optional<Msat> sat_to_msat(std::uint64_t sat) { return Msat::from_sat(sat); }

// Reads the fields of one message. Missing and null fields read as their zero value, since
// protojson omits nothing but older LND versions lacked some fields; a field of the wrong
// type is an error naming it.
class Fields {
 public:
  Fields(const Json& object, std::string_view message) : object_(object), message_(message) {}

  const Json* find(const char* key) const {
    const auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return nullptr;
    return &*it;
  }
  bool has(const char* key) const { return find(key) != nullptr; }

  Result<std::uint64_t> u64(const char* key) const {
    const Json* value = find(key);
    if (value == nullptr) return std::uint64_t{0};
    // protojson writes 64-bit integers as strings, 32-bit ones as numbers.
    if (value->is_number_unsigned()) return value->get<std::uint64_t>();
    if (value->is_string()) {
      auto parsed = parse_decimal(value->get_ref<const std::string&>());
      if (parsed.ok()) return *parsed;
    }
    return bad(key, "is not an unsigned integer");
  }

  Result<std::string> string(const char* key) const {
    const Json* value = find(key);
    if (value == nullptr) return std::string();
    if (!value->is_string()) return bad(key, "is not a string");
    return value->get<std::string>();
  }

  Result<bool> boolean(const char* key) const {
    const Json* value = find(key);
    if (value == nullptr) return false;
    if (!value->is_boolean()) return bad(key, "is not a boolean");
    return value->get<bool>();
  }

  // A 32-byte `bytes` field (base64); empty or missing reads as zero unless `required`.
  Result<Hash256> base64_hash(const char* key, bool required) const {
    L402_ASSIGN_OR_RETURN(const std::string text, string(key));
    if (text.empty()) {
      if (required) return bad(key, "is missing");
      return Hash256{};
    }
    auto bytes = base64::decode(text);
    if (!bytes.ok()) return bad(key, "is not base64");
    return to_hash(key, *bytes);
  }

  // A 32-byte value in a hex `string` field; empty or missing reads as zero unless `required`.
  Result<Hash256> hex_hash(const char* key, bool required) const {
    L402_ASSIGN_OR_RETURN(const std::string text, string(key));
    if (text.empty()) {
      if (required) return bad(key, "is missing");
      return Hash256{};
    }
    auto bytes = hex::decode(text);
    if (!bytes.ok()) return bad(key, "is not hex");
    return to_hash(key, *bytes);
  }

  // An msat amount written as `msat_key`, or by older versions only as `sat_key` (or as a
  // deprecated `msat_fallback_key` in msat).
  Result<Msat> msat(const char* msat_key, const char* sat_key,
                    const char* msat_fallback_key = nullptr) const {
    if (has(msat_key)) {
      L402_ASSIGN_OR_RETURN(const std::uint64_t value, u64(msat_key));
      return Msat(value);
    }
    if (msat_fallback_key != nullptr && has(msat_fallback_key)) {
      L402_ASSIGN_OR_RETURN(const std::uint64_t value, u64(msat_fallback_key));
      return Msat(value);
    }
    L402_ASSIGN_OR_RETURN(const std::uint64_t sat, u64(sat_key));
    const std::optional<Msat> value = sat_to_msat(sat);
    if (!value) return bad(sat_key, "overflows when converted to msat");
    return *value;
  }

  Error bad(std::string_view key, std::string_view problem) const {
    return malformed(message_ + "." + std::string(key) + " " + std::string(problem));
  }

 private:
  Result<Hash256> to_hash(std::string_view key, std::string_view bytes) const {
    if (bytes.size() != 32) return bad(key, "is not 32 bytes");
    Hash256 hash{};
    std::copy(bytes.begin(), bytes.end(), hash.begin());
    return hash;
  }

  const Json& object_;
  std::string message_;
};

// An enum field written by name (protojson) or by number (accepted on input everywhere, so
// tolerated here too). `names` is indexed by the enum's number.
template <std::size_t N>
Result<std::size_t> enum_index(const Fields& fields, const char* key,
                               const std::array<std::string_view, N>& names) {
  const Json* value = fields.find(key);
  if (value == nullptr) return std::size_t{0};
  if (value->is_number_unsigned()) {
    const std::uint64_t number = value->get<std::uint64_t>();
    if (number < N) return static_cast<std::size_t>(number);
  } else if (value->is_string()) {
    const std::string& name = value->get_ref<const std::string&>();
    for (std::size_t i = 0; i < N; ++i) {
      if (names[i] == name) return i;
    }
  }
  return fields.bad(key, "has an unknown value");
}

Result<Network> network_from_name(std::string_view name) {
  if (name == "mainnet") return Network::kBitcoin;
  if (name == "testnet" || name == "testnet3" || name == "testnet4") return Network::kTestnet;
  if (name == "signet") return Network::kSignet;
  if (name == "regtest") return Network::kRegtest;
  if (name == "simnet") return Network::kSimnet;
  return malformed("GetInfoResponse.chains[0].network \"" + std::string(name) +
                   "\" is not a known network");
}

// chains[0].network (LND 0.8 and later); before that, chains was a list of names and the
// deprecated `testnet` flag told testnet from mainnet.
Result<Network> parse_network(const Fields& fields) {
  const Json* chains = fields.find("chains");
  if (chains == nullptr || !chains->is_array() || chains->empty()) {
    return fields.bad("chains", "is missing or empty");
  }
  const Json& first = chains->front();
  if (first.is_object()) {
    const Fields chain(first, "GetInfoResponse.chains[0]");
    L402_ASSIGN_OR_RETURN(const std::string network, chain.string("network"));
    return network_from_name(network);
  }
  L402_ASSIGN_OR_RETURN(const bool testnet, fields.boolean("testnet"));
  return testnet ? Network::kTestnet : Network::kBitcoin;
}

Result<LndInvoice> invoice_from_json(const Json& object) {
  if (!object.is_object()) return malformed("Invoice is not an object");
  const Fields fields(object, "Invoice");
  LndInvoice invoice;
  InvoiceStatus& status = invoice.status;
  L402_ASSIGN_OR_RETURN(status.payment_hash, fields.base64_hash("r_hash", /*required=*/true));
  L402_ASSIGN_OR_RETURN(status.bolt11, fields.string("payment_request"));
  if (fields.has("state")) {
    static constexpr std::array<std::string_view, 4> kStates = {"OPEN", "SETTLED", "CANCELED",
                                                                "ACCEPTED"};
    static constexpr std::array<InvoiceState, 4> kOurs = {
        InvoiceState::kOpen, InvoiceState::kSettled, InvoiceState::kCanceled,
        InvoiceState::kAccepted};
    L402_ASSIGN_OR_RETURN(const std::size_t state, enum_index(fields, "state", kStates));
    status.state = kOurs[state];
  } else {
    // LND before 0.5 had only the (now deprecated) flag.
    L402_ASSIGN_OR_RETURN(const bool settled, fields.boolean("settled"));
    status.state = settled ? InvoiceState::kSettled : InvoiceState::kOpen;
  }
  L402_ASSIGN_OR_RETURN(const Msat value, fields.msat("value_msat", "value"));
  if (value.value() != 0) status.amount = value;
  L402_ASSIGN_OR_RETURN(status.amount_paid, fields.msat("amt_paid_msat", "amt_paid_sat",
                                                        /*msat_fallback_key=*/"amt_paid"));
  L402_ASSIGN_OR_RETURN(status.created_at, fields.u64("creation_date"));
  L402_ASSIGN_OR_RETURN(invoice.add_index, fields.u64("add_index"));
  if (status.state == InvoiceState::kSettled) {
    L402_ASSIGN_OR_RETURN(status.settled_at, fields.u64("settle_date"));
    L402_ASSIGN_OR_RETURN(status.settle_index, fields.u64("settle_index"));
  }
  return invoice;
}

Result<LndPayment> payment_from_json(const Json& object) {
  if (!object.is_object()) return malformed("Payment is not an object");
  const Fields fields(object, "Payment");
  LndPayment payment;
  L402_ASSIGN_OR_RETURN(payment.payment_hash, fields.hex_hash("payment_hash", /*required=*/true));
  L402_ASSIGN_OR_RETURN(payment.preimage, fields.hex_hash("payment_preimage", false));
  static constexpr std::array<std::string_view, 5> kStatuses = {"UNKNOWN", "IN_FLIGHT", "SUCCEEDED",
                                                                "FAILED", "INITIATED"};
  static constexpr std::array<LndPaymentStatus, 5> kOurStatuses = {
      LndPaymentStatus::kUnknown, LndPaymentStatus::kInFlight, LndPaymentStatus::kSucceeded,
      LndPaymentStatus::kFailed, LndPaymentStatus::kInitiated};
  L402_ASSIGN_OR_RETURN(const std::size_t status, enum_index(fields, "status", kStatuses));
  payment.status = kOurStatuses[status];
  static constexpr std::array<std::string_view, 7> kReasons = {
      "FAILURE_REASON_NONE",
      "FAILURE_REASON_TIMEOUT",
      "FAILURE_REASON_NO_ROUTE",
      "FAILURE_REASON_ERROR",
      "FAILURE_REASON_INCORRECT_PAYMENT_DETAILS",
      "FAILURE_REASON_INSUFFICIENT_BALANCE",
      "FAILURE_REASON_CANCELED"};
  static constexpr std::array<LndFailureReason, 7> kOurReasons = {
      LndFailureReason::kNone,
      LndFailureReason::kTimeout,
      LndFailureReason::kNoRoute,
      LndFailureReason::kError,
      LndFailureReason::kIncorrectPaymentDetails,
      LndFailureReason::kInsufficientBalance,
      LndFailureReason::kCanceled};
  L402_ASSIGN_OR_RETURN(const std::size_t reason, enum_index(fields, "failure_reason", kReasons));
  payment.failure_reason = kOurReasons[reason];
  // `value` and `fee` are the deprecated sat forms of value_sat and fee_sat.
  L402_ASSIGN_OR_RETURN(payment.value,
                        fields.msat("value_msat", fields.has("value_sat") ? "value_sat" : "value"));
  L402_ASSIGN_OR_RETURN(payment.fee,
                        fields.msat("fee_msat", fields.has("fee_sat") ? "fee_sat" : "fee"));
  return payment;
}

Result<LndError> error_from_json(const Json& object) {
  if (object.is_string()) return LndError{2, object.get<std::string>()};
  if (!object.is_object()) return malformed("error is not an object");
  const auto code = object.find("code");
  const auto message = object.find("message");
  const auto error = object.find("error");
  const bool has_code = code != object.end() && code->is_number_integer();
  const bool has_message = message != object.end() && message->is_string();
  const bool has_error_text = error != object.end() && error->is_string();
  if (!has_code && !has_message && !has_error_text)
    return malformed("error has no code or message");
  LndError result;
  if (has_code) {
    const std::int64_t value = code->get<std::int64_t>();
    result.code = value >= 0 && value <= 16 ? static_cast<int>(value) : 2;
  }
  if (has_message && !message->get_ref<const std::string&>().empty()) {
    result.message = message->get<std::string>();
  } else if (has_error_text) {
    result.message = error->get<std::string>();
  }
  return result;
}

template <typename T, typename Parse>
Result<std::variant<T, LndError>> parse_stream_line(std::string_view line, std::string_view name,
                                                    Parse parse_message) {
  L402_ASSIGN_OR_RETURN(const Json document, parse_object(line, name));
  const auto result = document.find("result");
  if (result != document.end() && !result->is_null()) {
    L402_ASSIGN_OR_RETURN(T message, parse_message(*result));
    return std::variant<T, LndError>(std::move(message));
  }
  const auto error = document.find("error");
  if (error != document.end() && !error->is_null()) {
    L402_ASSIGN_OR_RETURN(LndError lnd_error, error_from_json(*error));
    return std::variant<T, LndError>(std::move(lnd_error));
  }
  // Errors raised before the stream starts come in the unary shape.
  if (document.contains("code") || document.contains("message")) {
    L402_ASSIGN_OR_RETURN(LndError lnd_error, error_from_json(document));
    return std::variant<T, LndError>(std::move(lnd_error));
  }
  return malformed(std::string(name) + " has neither result nor error");
}

std::string dump(const Json& body) {
  // Replace invalid UTF-8 (a memo is caller text) instead of letting dump() throw.
  return body.dump(-1, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

}  // namespace

bool has_send_payment_v2(const LndVersion& version) {
  return version.major > 0 || version.minor >= 10;
}

Result<LndVersion> parse_version(std::string_view text) {
  // "0.18.3-beta commit=v0.18.3-beta", "0.9.2-beta", "0.19.0-beta.rc1".
  LndVersion version;
  std::uint32_t* const parts[] = {&version.major, &version.minor, &version.patch};
  std::size_t pos = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    const char* begin = text.data() + pos;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(begin, end, *parts[i]);
    if (ec != std::errc() || ptr == begin) {
      if (i < 2) return Error(ErrorCode::kInvalidArgument, "lnd: unreadable version");
      break;
    }
    pos = static_cast<std::size_t>(ptr - text.data());
    if (pos >= text.size() || text[pos] != '.') break;
    ++pos;
  }
  return version;
}

Result<NodeInfo> parse_get_info(std::string_view body) {
  L402_ASSIGN_OR_RETURN(const Json document, parse_object(body, "GetInfoResponse"));
  const Fields fields(document, "GetInfoResponse");
  NodeInfo info;
  info.implementation = "lnd";
  L402_ASSIGN_OR_RETURN(info.version, fields.string("version"));
  L402_ASSIGN_OR_RETURN(info.alias, fields.string("alias"));
  L402_ASSIGN_OR_RETURN(const std::string pubkey_hex, fields.string("identity_pubkey"));
  auto pubkey = hex::decode(pubkey_hex);
  if (!pubkey.ok() || pubkey->size() != info.node_id.size()) {
    return fields.bad("identity_pubkey", "is not a 33-byte hex key");
  }
  std::copy(pubkey->begin(), pubkey->end(), info.node_id.begin());
  L402_ASSIGN_OR_RETURN(info.network, parse_network(fields));
  L402_ASSIGN_OR_RETURN(const std::uint64_t height, fields.u64("block_height"));
  if (height > std::numeric_limits<std::uint32_t>::max()) {
    return fields.bad("block_height", "is out of range");
  }
  info.block_height = static_cast<std::uint32_t>(height);
  L402_ASSIGN_OR_RETURN(info.synced_to_chain, fields.boolean("synced_to_chain"));
  return info;
}

Result<AddInvoiceResponse> parse_add_invoice_response(std::string_view body) {
  L402_ASSIGN_OR_RETURN(const Json document, parse_object(body, "AddInvoiceResponse"));
  const Fields fields(document, "AddInvoiceResponse");
  AddInvoiceResponse response;
  L402_ASSIGN_OR_RETURN(response.payment_hash, fields.base64_hash("r_hash", /*required=*/true));
  L402_ASSIGN_OR_RETURN(response.payment_request, fields.string("payment_request"));
  if (response.payment_request.empty()) return fields.bad("payment_request", "is missing");
  L402_ASSIGN_OR_RETURN(response.add_index, fields.u64("add_index"));
  return response;
}

Result<LndInvoice> parse_invoice(std::string_view body) {
  L402_ASSIGN_OR_RETURN(const Json document, parse_object(body, "Invoice"));
  return invoice_from_json(document);
}

Result<InvoicePage> parse_invoice_page(std::string_view body) {
  L402_ASSIGN_OR_RETURN(const Json document, parse_object(body, "ListInvoiceResponse"));
  const Fields fields(document, "ListInvoiceResponse");
  InvoicePage page;
  if (const Json* invoices = fields.find("invoices"); invoices != nullptr) {
    if (!invoices->is_array()) return fields.bad("invoices", "is not a list");
    page.invoices.reserve(invoices->size());
    for (const Json& item : *invoices) {
      L402_ASSIGN_OR_RETURN(LndInvoice invoice, invoice_from_json(item));
      page.invoices.push_back(std::move(invoice));
    }
  }
  L402_ASSIGN_OR_RETURN(page.last_index_offset, fields.u64("last_index_offset"));
  return page;
}

Result<SendResponse> parse_send_response(std::string_view body) {
  L402_ASSIGN_OR_RETURN(const Json document, parse_object(body, "SendResponse"));
  const Fields fields(document, "SendResponse");
  SendResponse response;
  L402_ASSIGN_OR_RETURN(response.payment_error, fields.string("payment_error"));
  L402_ASSIGN_OR_RETURN(response.payment_hash, fields.base64_hash("payment_hash", false));
  L402_ASSIGN_OR_RETURN(response.preimage, fields.base64_hash("payment_preimage", false));
  if (const Json* route = fields.find("payment_route"); route != nullptr) {
    if (!route->is_object()) return fields.bad("payment_route", "is not an object");
    const Fields route_fields(*route, "SendResponse.payment_route");
    if (route_fields.has("total_amt_msat") || route_fields.has("total_amt")) {
      L402_ASSIGN_OR_RETURN(response.total_amount,
                            route_fields.msat("total_amt_msat", "total_amt"));
      L402_ASSIGN_OR_RETURN(response.total_fees,
                            route_fields.msat("total_fees_msat", "total_fees"));
    }
  }
  return response;
}

Result<std::variant<LndInvoice, LndError>> parse_invoice_stream_line(std::string_view line) {
  return parse_stream_line<LndInvoice>(line, "invoice stream line", invoice_from_json);
}

Result<std::variant<LndPayment, LndError>> parse_payment_stream_line(std::string_view line) {
  return parse_stream_line<LndPayment>(line, "payment stream line", payment_from_json);
}

std::optional<LndError> parse_error_body(std::string_view body) {
  Json document = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) return std::nullopt;
  const auto nested = document.find("error");
  if (nested != document.end() && nested->is_object()) {
    auto error = error_from_json(*nested);
    if (error.ok()) return *error;
    return std::nullopt;
  }
  auto error = error_from_json(document);
  if (!error.ok()) return std::nullopt;
  return *error;
}

std::string build_add_invoice_body(const InvoiceRequest& request) {
  Json body = Json::object();
  body["value_msat"] = std::to_string(request.amount.value());
  body["memo"] = request.memo;
  body["expiry"] = std::to_string(request.expiry_seconds);
  return dump(body);
}

std::string build_send_payment_body(const PayRequest& request) {
  // LND rejects timeout_seconds = 0 ("timeout_seconds must be specified"); round up.
  const std::int64_t millis = std::max<std::int64_t>(request.timeout.count(), 1);
  const std::int64_t seconds =
      std::min<std::int64_t>((millis + 999) / 1000, std::numeric_limits<std::int32_t>::max());
  Json body = Json::object();
  body["payment_request"] = request.bolt11;
  body["timeout_seconds"] = seconds;
  body["fee_limit_msat"] = std::to_string(request.max_fee.value());
  body["no_inflight_updates"] = true;
  if (request.amount) body["amt_msat"] = std::to_string(request.amount->value());
  return dump(body);
}

std::string build_send_payment_sync_body(const PayRequest& request) {
  Json body = Json::object();
  body["payment_request"] = request.bolt11;
  body["fee_limit"] = {{"fixed_msat", std::to_string(request.max_fee.value())}};
  if (request.amount) body["amt_msat"] = std::to_string(request.amount->value());
  return dump(body);
}

}  // namespace l402::lnd
