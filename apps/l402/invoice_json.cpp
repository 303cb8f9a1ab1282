#include "invoice_json.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "l402/encoding.hpp"

namespace l402::cli {
namespace {

using Json = nlohmann::ordered_json;

// BOLT 9 names of the feature bits an invoice may carry (context 9).
std::string_view feature_name(std::uint32_t bit) {
  switch (bit / 2) {
    case 4:
      return "var_onion_optin";
    case 7:
      return "payment_secret";
    case 8:
      return "basic_mpp";
    case 12:
      return "option_route_blinding";
    case 18:
      return "option_attribution_data";
    case 24:
      return "option_payment_metadata";
    default:
      return "unknown";
  }
}

// "block x transaction x output", as lnd and CLN print short channel ids.
std::string short_channel_id(std::uint64_t id) {
  return std::to_string(id >> 40) + "x" + std::to_string((id >> 16) & 0xffffff) + "x" +
         std::to_string(id & 0xffff);
}

}  // namespace

Json invoice_json(const Invoice& invoice) {
  Json out;
  out["network"] = std::string(network_name(invoice.network));
  out["amount_msat"] = invoice.amount ? Json(invoice.amount->value()) : Json(nullptr);
  out["timestamp"] = invoice.timestamp;
  out["expiry"] = invoice.expiry;
  out["expires_at"] = invoice.expires_at();
  out["payment_hash"] = hex::encode(invoice.payment_hash);
  out["payment_secret"] = hex::encode(invoice.payment_secret);
  out["description"] = invoice.description ? Json(*invoice.description) : Json(nullptr);
  out["description_hash"] =
      invoice.description_hash ? Json(hex::encode(*invoice.description_hash)) : Json(nullptr);
  out["payee"] = hex::encode(invoice.payee);
  out["payee_from"] = invoice.payee_field ? "n_field" : "recovery";
  out["min_final_cltv_expiry"] = invoice.min_final_cltv_expiry;

  Json bits = Json::array();
  Json named = Json::array();
  for (const std::uint32_t bit : invoice.features) {
    bits.push_back(bit);
    named.push_back(
        Json{{"bit", bit}, {"name", std::string(feature_name(bit))}, {"required", bit % 2 == 0}});
  }
  out["features"] = Json{{"bits", std::move(bits)}, {"named", std::move(named)}};

  Json hints = Json::array();
  for (const auto& route : invoice.route_hints) {
    Json hops = Json::array();
    for (const RouteHop& hop : route) {
      hops.push_back(Json{{"pubkey", hex::encode(hop.pubkey)},
                          {"short_channel_id", short_channel_id(hop.short_channel_id)},
                          {"fee_base_msat", hop.fee_base_msat},
                          {"fee_proportional_millionths", hop.fee_proportional_millionths},
                          {"cltv_expiry_delta", hop.cltv_expiry_delta}});
    }
    hints.push_back(std::move(hops));
  }
  out["route_hints"] = std::move(hints);

  Json fallbacks = Json::array();
  for (const Fallback& fallback : invoice.fallbacks) {
    fallbacks.push_back(
        Json{{"version", fallback.version}, {"program", hex::encode(fallback.program)}});
  }
  out["fallbacks"] = std::move(fallbacks);

  out["metadata"] = invoice.metadata ? Json(hex::encode(*invoice.metadata)) : Json(nullptr);

  Json unknown = Json::array();
  for (const SkippedField& field : invoice.skipped) {
    unknown.push_back(
        Json{{"type", field.type}, {"data_length", field.data_length}, {"reason", field.reason}});
  }
  out["unknown_fields"] = std::move(unknown);
  // A decode that fails prints nothing, so this is always true; it is there for scripts that
  // check it explicitly.
  out["signature_valid"] = true;
  return out;
}

}  // namespace l402::cli
