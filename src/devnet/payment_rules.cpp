#include "payment_rules.hpp"

#include <ctime>

namespace l402::devnet {

std::optional<Refusal> check_before_routing(const Invoice& invoice, const PayRequest& request,
                                            std::uint64_t now) {
  if (invoice.network != Network::kRegtest) {
    return Refusal{PayFailure::kInvalidInvoice, std::string(kWrongNetworkMessage)};
  }
  // LND reads an amount of 0 as "not given".
  const bool amount_given = request.amount.has_value() && request.amount->value() > 0;
  if (!invoice.amount.has_value() && !amount_given) {
    return Refusal{PayFailure::kInvalidInvoice, std::string(kAmountRequiredMessage)};
  }
  if (invoice.amount.has_value() && amount_given) {
    return Refusal{PayFailure::kInvalidInvoice, std::string(kAmountForbiddenMessage)};
  }
  if (invoice.is_expired(now)) {
    return Refusal{PayFailure::kInvoiceExpired, expired_message(invoice.expires_at())};
  }
  return std::nullopt;
}

Msat amount_to_pay(const Invoice& invoice, const PayRequest& request) {
  if (invoice.amount.has_value()) return *invoice.amount;
  return request.amount.value_or(Msat(0));
}

std::optional<Msat> routing_fee(Msat amount, Msat fee_base, std::uint32_t fee_ppm) {
  // amount * ppm may not fit in 64 bits: split the amount at a million.
  constexpr std::uint64_t kMillion = 1'000'000;
  const std::uint64_t whole_millions = amount.value() / kMillion;
  const std::uint64_t rest = amount.value() % kMillion;
  if (fee_ppm != 0 && whole_millions > UINT64_MAX / fee_ppm) return std::nullopt;
  const Msat from_millions(whole_millions * fee_ppm);
  // rest * ppm < 1e6 * 2^32: fits.
  const Msat from_rest((rest * fee_ppm + kMillion - 1) / kMillion);
  const std::optional<Msat> proportional = from_millions.checked_add(from_rest);
  if (!proportional.has_value()) return std::nullopt;
  return proportional->checked_add(fee_base);
}

std::string expired_message(std::uint64_t expires_at) {
  const auto seconds = static_cast<std::time_t>(expires_at);
  std::tm utc{};
  char text[64] = {};
  if (gmtime_r(&seconds, &utc) == nullptr ||
      std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S +0000 UTC", &utc) == 0) {
    return "invoice expired. Valid until " + std::to_string(expires_at);
  }
  return std::string("invoice expired. Valid until ") + text;
}

}  // namespace l402::devnet
