// devnet types -> LND's REST JSON (see lnd_json.hpp for the conventions).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "l402/crypto.hpp"
#include "l402/encoding.hpp"
#include "rest/lnd_json.hpp"

namespace l402::devnet_rest {
namespace {

using nlohmann::json;

// int64/uint64 fields are JSON strings.
std::string int64_text(std::uint64_t value) { return std::to_string(value); }

std::string base64_of(const Hash256& bytes) { return base64::encode_std(as_view(bytes)); }

bool is_zero(const Hash256& bytes) {
  for (const std::uint8_t byte : bytes) {
    if (byte != 0) return false;
  }
  return true;
}

// LND's names of feature bits (lnwire/features.go), by the pair's even bit.
std::string_view feature_name(std::uint32_t bit) {
  struct Named {
    std::uint32_t even_bit;
    std::string_view name;
  };
  static constexpr std::array<Named, 20> kNames{{
      {0, "data-loss-protect"},
      {4, "upfront-shutdown-script"},
      {6, "gossip-queries"},
      {8, "tlv-onion"},
      {12, "static-remote-key"},
      {14, "payment-addr"},
      {16, "multi-path-payments"},
      {18, "wumbo-channels"},
      {20, "anchor-commitments"},
      {22, "anchors-zero-fee-htlc-tx"},
      {24, "route-blinding"},
      {26, "shutdown-any-segwit"},
      {30, "amp"},
      {34, "quiescence"},
      {44, "explicit-commitment-type"},
      {46, "scid-alias"},
      {48, "payment-metadata"},
      {50, "zero-conf"},
      {54, "keysend"},
      {260, "accountable-x"},
  }};
  const std::uint32_t even = bit & ~1u;
  for (const Named& named : kNames) {
    if (named.even_bit == even) return named.name;
  }
  return {};
}

// map<uint32, Feature>: string keys, {"name", "is_required", "is_known"} values.
json features_json(const std::vector<std::uint32_t>& bits) {
  json features = json::object();
  for (const std::uint32_t bit : bits) {
    const std::string_view name = feature_name(bit);
    features[std::to_string(bit)] = {
        {"name", name.empty() ? "unknown" : std::string(name)},
        {"is_required", bit % 2 == 0},
        {"is_known", !name.empty()},
    };
  }
  return features;
}

json route_hints_json(const std::vector<std::vector<RouteHop>>& hints) {
  json out = json::array();
  for (const std::vector<RouteHop>& hint : hints) {
    json hops = json::array();
    for (const RouteHop& hop : hint) {
      hops.push_back({
          {"node_id", hex::encode(hop.pubkey)},
          {"chan_id", int64_text(hop.short_channel_id)},
          {"fee_base_msat", hop.fee_base_msat},
          {"fee_proportional_millionths", hop.fee_proportional_millionths},
          {"cltv_expiry_delta", hop.cltv_expiry_delta},
      });
    }
    out.push_back({{"hop_hints", std::move(hops)}});
  }
  return out;
}

std::string base58_encode(std::string_view bytes) {
  static constexpr std::string_view kAlphabet =
      "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  std::vector<std::uint8_t> digits;  // base 58, least significant first
  for (const char c : bytes) {
    std::uint32_t carry = static_cast<std::uint8_t>(c);
    for (std::uint8_t& digit : digits) {
      carry += static_cast<std::uint32_t>(digit) << 8;
      digit = static_cast<std::uint8_t>(carry % 58);
      carry /= 58;
    }
    while (carry > 0) {
      digits.push_back(static_cast<std::uint8_t>(carry % 58));
      carry /= 58;
    }
  }
  std::string out;
  for (const char c : bytes) {
    if (c != 0) break;
    out.push_back('1');
  }
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) out.push_back(kAlphabet[*it]);
  return out;
}

// The address a fallback field stands for, as LND prints it (btcutil's encodings).
std::string fallback_address(Network network, const Fallback& fallback) {
  const bool mainnet = network == Network::kBitcoin;
  const bool simnet = network == Network::kSimnet;
  if (fallback.version == 17 || fallback.version == 18) {
    std::uint8_t prefix = 0;
    if (fallback.version == 17) {
      prefix = mainnet ? 0x00 : (simnet ? 0x3f : 0x6f);
    } else {
      prefix = mainnet ? 0x05 : (simnet ? 0x7b : 0xc4);
    }
    std::string payload(1, static_cast<char>(prefix));
    payload += fallback.program;
    const Hash256 check = sha256(as_view(sha256(payload)));
    payload.append(reinterpret_cast<const char*>(check.data()), 4);
    return base58_encode(payload);
  }
  std::string_view hrp = "bc";
  switch (network) {
    case Network::kBitcoin:
      hrp = "bc";
      break;
    case Network::kTestnet:
      hrp = "tb";
      break;
    case Network::kSignet:
      hrp = "tb";
      break;
    case Network::kRegtest:
      hrp = "bcrt";
      break;
    case Network::kSimnet:
      hrp = "sb";
      break;
  }
  const std::span<const std::uint8_t> program(
      reinterpret_cast<const std::uint8_t*>(fallback.program.data()), fallback.program.size());
  Result<std::vector<std::uint8_t>> words = bech32::convert_bits(program, 8, 5, /*pad=*/true);
  if (!words.ok()) return {};
  std::vector<std::uint8_t> data{fallback.version};
  data.insert(data.end(), words->begin(), words->end());
  return bech32::encode(
      hrp, data, fallback.version == 0 ? bech32::Variant::kBech32 : bech32::Variant::kBech32m);
}

std::string_view invoice_state_enum(InvoiceState state) {
  switch (state) {
    case InvoiceState::kOpen:
      return "OPEN";
    case InvoiceState::kSettled:
      return "SETTLED";
    case InvoiceState::kCanceled:
      return "CANCELED";
    case InvoiceState::kAccepted:
      return "ACCEPTED";
    // LND has no EXPIRED state: an expired invoice stays OPEN until it is canceled.
    case InvoiceState::kExpired:
      return "OPEN";
  }
  return "OPEN";
}

std::string_view network_enum(Network network) {
  switch (network) {
    case Network::kBitcoin:
      return "mainnet";
    case Network::kTestnet:
      return "testnet";
    case Network::kSignet:
      return "signet";
    case Network::kRegtest:
      return "regtest";
    case Network::kSimnet:
      return "simnet";
  }
  return "regtest";
}

}  // namespace

unsigned http_status_of(GrpcCode code) {
  switch (code) {
    case GrpcCode::kOk:
      return 200;
    case GrpcCode::kCanceled:
      return 499;
    case GrpcCode::kUnknown:
      return 500;
    case GrpcCode::kInvalidArgument:
      return 400;
    case GrpcCode::kDeadlineExceeded:
      return 504;
    case GrpcCode::kNotFound:
      return 404;
    case GrpcCode::kAlreadyExists:
      return 409;
    case GrpcCode::kPermissionDenied:
      return 403;
    case GrpcCode::kResourceExhausted:
      return 429;
    case GrpcCode::kFailedPrecondition:
      return 400;
    case GrpcCode::kAborted:
      return 409;
    case GrpcCode::kOutOfRange:
      return 400;
    case GrpcCode::kUnimplemented:
      return 501;
    case GrpcCode::kInternal:
      return 500;
    case GrpcCode::kUnavailable:
      return 503;
    case GrpcCode::kDataLoss:
      return 500;
    case GrpcCode::kUnauthenticated:
      return 401;
  }
  return 500;
}

json error_json(GrpcCode code, std::string_view message) {
  return {{"code", static_cast<int>(code)}, {"message", message}, {"details", json::array()}};
}

json get_info_json(const NodeInfo& info, std::string_view version) {
  return {
      {"version", version},
      {"commit_hash", ""},
      {"identity_pubkey", hex::encode(info.node_id)},
      {"alias", info.alias},
      {"color", "#3399ff"},  // LND's default
      {"num_pending_channels", 0},
      {"num_active_channels", 0},
      {"num_inactive_channels", 0},
      {"num_peers", 0},
      {"block_height", info.block_height},
      {"block_hash", ""},
      {"best_header_timestamp", "0"},
      // A one-node network is always in sync with itself.
      {"synced_to_chain", true},
      {"synced_to_graph", true},
      {"testnet", info.network == Network::kTestnet},
      {"chains", json::array({{{"chain", "bitcoin"}, {"network", network_enum(info.network)}}})},
      {"uris", json::array()},
      {"features", json::object()},
      {"require_htlc_interceptor", false},
      {"store_final_htlc_resolutions", false},
      {"wallet_synced", true},
      {"graph_cache_status", "GRAPH_CACHE_STATUS_LOADED"},
  };
}

json add_invoice_response_json(const DevnetInvoice& invoice) {
  return {
      {"r_hash", base64_of(invoice.status.payment_hash)},
      {"payment_request", invoice.status.bolt11},
      {"add_index", int64_text(invoice.add_index)},
      {"payment_addr", base64_of(invoice.payment_addr)},
  };
}

json invoice_json(const DevnetInvoice& invoice) {
  const InvoiceStatus& status = invoice.status;
  const std::uint64_t value_msat = status.amount ? status.amount->value() : 0;
  const bool settled = status.state == InvoiceState::kSettled;
  // LND reports the amount paid only once HTLCs were accepted.
  const std::uint64_t paid_msat = settled ? status.amount_paid.value() : 0;
  Result<Invoice> decoded = decode_invoice(status.bolt11);
  return {
      {"memo", invoice.memo},
      {"r_preimage", base64_of(invoice.preimage)},
      {"r_hash", base64_of(status.payment_hash)},
      {"value", int64_text(value_msat / 1000)},
      {"value_msat", int64_text(value_msat)},
      {"settled", settled},
      {"creation_date", int64_text(status.created_at)},
      {"settle_date", int64_text(status.settled_at)},
      {"payment_request", status.bolt11},
      {"description_hash",
       invoice.description_hash ? base64_of(*invoice.description_hash) : std::string()},
      {"expiry", int64_text(invoice.expiry_seconds)},
      {"fallback_addr", ""},
      {"cltv_expiry", int64_text(invoice.cltv_expiry)},
      {"route_hints", json::array()},
      {"private", false},
      {"add_index", int64_text(invoice.add_index)},
      {"settle_index", int64_text(status.settle_index)},
      {"amt_paid", int64_text(paid_msat)},  // deprecated; in msat despite its name
      {"amt_paid_sat", int64_text(paid_msat / 1000)},
      {"amt_paid_msat", int64_text(paid_msat)},
      {"state", invoice_state_enum(status.state)},
      {"htlcs", json::array()},
      {"features", decoded.ok() ? features_json(decoded->features) : json::object()},
      {"is_keysend", false},
      {"payment_addr", base64_of(invoice.payment_addr)},
      {"is_amp", false},
      {"amp_invoice_state", json::object()},
      {"is_blinded", false},
      {"blinded_path_config", nullptr},
  };
}

std::string_view failure_reason_name(PayFailure failure) {
  switch (failure) {
    case PayFailure::kNoRoute:
      return "FAILURE_REASON_NO_ROUTE";
    case PayFailure::kInsufficientBalance:
      return "FAILURE_REASON_INSUFFICIENT_BALANCE";
    case PayFailure::kTimeout:
      return "FAILURE_REASON_TIMEOUT";
    // The payee refusing an expired or unknown invoice is LND's "incorrect payment details".
    case PayFailure::kInvoiceExpired:
      return "FAILURE_REASON_INCORRECT_PAYMENT_DETAILS";
    case PayFailure::kRejected:
      return "FAILURE_REASON_INCORRECT_PAYMENT_DETAILS";
    case PayFailure::kAlreadyPaid:
      return "FAILURE_REASON_ERROR";
    case PayFailure::kUnavailable:
      return "FAILURE_REASON_ERROR";
    case PayFailure::kInvalidInvoice:
      return "FAILURE_REASON_ERROR";
  }
  return "FAILURE_REASON_ERROR";
}

json payment_json(const DevnetPayment& payment, bool in_flight) {
  const bool succeeded = !in_flight && payment.status == DevnetPaymentStatus::kSucceeded;
  const bool failed = !in_flight && payment.status == DevnetPaymentStatus::kFailed;
  std::string_view status = "IN_FLIGHT";
  if (succeeded) status = "SUCCEEDED";
  if (failed) status = "FAILED";
  std::string_view reason = "FAILURE_REASON_NONE";
  if (failed) reason = failure_reason_name(payment.failure.value_or(PayFailure::kRejected));
  // routerrpc writes 32 zero bytes as the preimage until the payment succeeded.
  const Hash256 preimage = succeeded ? payment.preimage : Hash256{};
  const std::uint64_t value_msat = payment.amount.value();
  const std::uint64_t fee_msat = payment.fee.value();
  return {
      {"payment_hash", hex::encode(payment.payment_hash)},
      {"value", int64_text(value_msat / 1000)},
      {"creation_date", int64_text(payment.created_at)},
      {"fee", int64_text(fee_msat / 1000)},
      {"payment_preimage", hex::encode(preimage)},
      {"value_sat", int64_text(value_msat / 1000)},
      {"value_msat", int64_text(value_msat)},
      {"payment_request", payment.bolt11},
      {"status", status},
      {"fee_sat", int64_text(fee_msat / 1000)},
      {"fee_msat", int64_text(fee_msat)},
      {"creation_time_ns", int64_text(payment.created_at * 1'000'000'000ull)},
      {"htlcs", json::array()},
      {"payment_index", int64_text(payment.payment_index)},
      {"failure_reason", reason},
      {"first_hop_custom_records", json::object()},
  };
}

json send_response_json(const DevnetPayment& payment) {
  if (payment.status == DevnetPaymentStatus::kFailed) {
    // SendPaymentSync puts the failure reason's text into payment_error ("no_route", ...).
    const PayFailure failure = payment.failure.value_or(PayFailure::kRejected);
    std::string error(
        failure_reason_name(failure).substr(std::string_view("FAILURE_REASON_").size()));
    for (char& c : error) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return send_error_response_json(payment.payment_hash, error);
  }
  const std::uint64_t amount = payment.amount.value();
  const std::uint64_t fee = payment.fee.value();
  const std::uint64_t total = amount + fee;
  json route = {
      {"total_time_lock", 0},
      {"total_fees", int64_text(fee / 1000)},
      {"total_amt", int64_text(total / 1000)},
      {"hops", json::array()},
      {"total_fees_msat", int64_text(fee)},
      {"total_amt_msat", int64_text(total)},
      {"first_hop_amount_msat", int64_text(total)},
      {"custom_channel_data", ""},
  };
  return {
      {"payment_error", ""},
      {"payment_preimage", base64_of(payment.preimage)},
      {"payment_route", std::move(route)},
      {"payment_hash", base64_of(payment.payment_hash)},
  };
}

json send_error_response_json(const Hash256& payment_hash, std::string_view error) {
  return {
      {"payment_error", error},
      {"payment_preimage", ""},
      {"payment_route", nullptr},
      {"payment_hash", base64_of(payment_hash)},
  };
}

json pay_req_json(const Invoice& invoice) {
  const std::uint64_t msat = invoice.amount ? invoice.amount->value() : 0;
  return {
      {"destination", hex::encode(invoice.payee)},
      {"payment_hash", hex::encode(invoice.payment_hash)},
      {"num_satoshis", int64_text(msat / 1000)},
      {"timestamp", int64_text(invoice.timestamp)},
      {"expiry", int64_text(invoice.expiry)},
      {"description", invoice.description.value_or("")},
      {"description_hash", invoice.description_hash ? hex::encode(*invoice.description_hash) : ""},
      {"fallback_addr", invoice.fallbacks.empty()
                            ? std::string()
                            : fallback_address(invoice.network, invoice.fallbacks.front())},
      {"cltv_expiry", int64_text(invoice.min_final_cltv_expiry)},
      {"route_hints", route_hints_json(invoice.route_hints)},
      {"payment_addr",
       is_zero(invoice.payment_secret) ? std::string() : base64_of(invoice.payment_secret)},
      {"num_msat", int64_text(msat)},
      {"features", features_json(invoice.features)},
      {"blinded_paths", json::array()},
  };
}

std::string json_text(const json& value) {
  // Invalid UTF-8 (which no field should hold) is replaced rather than thrown on.
  return value.dump(-1, ' ', /*ensure_ascii=*/false, json::error_handler_t::replace);
}

std::string stream_result_line(const json& message) {
  std::string line = json_text(json{{"result", message}});
  line.push_back('\n');
  return line;
}

std::string stream_error_line(GrpcCode code, std::string_view message) {
  std::string line = json_text(json{{"error", error_json(code, message)}});
  line.push_back('\n');
  return line;
}

}  // namespace l402::devnet_rest
