#include "invoice_command.hpp"

#include <CLI/CLI.hpp>
#include <cstdint>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "exit_codes.hpp"
#include "input.hpp"
#include "l402/bolt11.hpp"
#include "l402/crypto.hpp"
#include "l402/encoding.hpp"

namespace l402::cli {
namespace {

using Json = nlohmann::ordered_json;

// Text read from stdin or a file. The decoder's own limit (Bolt11Limits::max_length, 8 KiB)
// is lower; the cap here only bounds what is read before the decoder sees it.
constexpr std::size_t kMaxInvoiceInput = std::size_t{16} * 1024;

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const std::size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const std::size_t last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

template <std::size_t N>
std::string hex_of(const std::array<std::uint8_t, N>& bytes) {
  return hex::encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), N));
}

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

Json describe(const Invoice& invoice) {
  Json out;
  out["network"] = std::string(network_name(invoice.network));
  out["amount_msat"] = invoice.amount ? Json(invoice.amount->value()) : Json(nullptr);
  out["timestamp"] = invoice.timestamp;
  out["expiry"] = invoice.expiry;
  out["expires_at"] = invoice.expires_at();
  out["payment_hash"] = hex_of(invoice.payment_hash);
  out["payment_secret"] = hex_of(invoice.payment_secret);
  out["description"] = invoice.description ? Json(*invoice.description) : Json(nullptr);
  out["description_hash"] =
      invoice.description_hash ? Json(hex_of(*invoice.description_hash)) : Json(nullptr);
  out["payee"] = hex_of(invoice.payee);
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
      hops.push_back(Json{{"pubkey", hex_of(hop.pubkey)},
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

int fail(const Error& error, int code) {
  std::cerr << "l402: " << error.message() << '\n';
  return code;
}

// Too much input is bad usage (2); anything else the decoder refuses is an invalid invoice (1).
int decode_failure_code(const Error& error) {
  return error.code() == ErrorCode::kLimitExceeded ? kExitBadInput : kExitInvalidInvoice;
}

void add_decode(CLI::App& parent, int& exit_code) {
  auto input = std::make_shared<std::string>();
  CLI::App* command = parent.add_subcommand(
      "decode", "Decode and check a BOLT 11 invoice, print it as JSON (exit 1: invalid)");
  command
      ->add_option("invoice", *input,
                   "BOLT 11 invoice (optionally lightning:-prefixed); - for stdin, @file")
      ->required();
  command->callback([input, &exit_code] {
    exit_code = [&]() -> int {
      auto text = read_argument(*input, kMaxInvoiceInput);
      if (!text.ok()) return fail(text.error(), kExitBadInput);
      auto invoice = decode_invoice(trim(*text));
      if (!invoice.ok()) return fail(invoice.error(), decode_failure_code(invoice.error()));
      // A description that is not UTF-8 is printed with U+FFFD in place of each bad byte
      // rather than failing the whole dump.
      std::cout << describe(*invoice).dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
      return kExitOk;
    }();
  });
}

}  // namespace

void add_invoice_command(CLI::App& app, int& exit_code) {
  CLI::App* invoice = app.add_subcommand("invoice", "BOLT 11 invoices");
  invoice->require_subcommand(1);
  add_decode(*invoice, exit_code);
}

}  // namespace l402::cli
