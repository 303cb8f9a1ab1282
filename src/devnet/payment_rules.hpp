// How the devnet node judges a payment before touching its state, in LND's words: the
// checks a payer's node makes on the invoice alone (network, amount, expiry) and the routing
// fee it charges. Pure functions.
//
// Thread safety: stateless; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "l402/amount.hpp"
#include "l402/bolt11.hpp"
#include "l402/lightning.hpp"

namespace l402::devnet {

// LND's messages and failure reasons, for the failures LND reports the same way.
inline constexpr std::string_view kWrongNetworkMessage =
    "invoice not for current active network 'regtest'";
inline constexpr std::string_view kAmountRequiredMessage =
    "amount must be specified when paying a zero amount invoice";
inline constexpr std::string_view kAmountForbiddenMessage =
    "amount must not be specified when paying a non-zero amount invoice";
inline constexpr std::string_view kAlreadyPaidMessage = "invoice is already paid";
inline constexpr std::string_view kIncorrectDetailsMessage = "incorrect payment details";
inline constexpr std::string_view kFeeLimitMessage = "no route within the fee limit";
inline constexpr std::string_view kInsufficientBalanceMessage = "insufficient balance";

// Why a payment was refused.
struct Refusal {
  PayFailure failure;
  std::string message;
};

// The first refusal, in LND's order, that needs only the invoice and the request: another
// network, an amount missing or given when it must not be, the invoice expired at `now`.
// nullopt when the payment may go on.
std::optional<Refusal> check_before_routing(const Invoice& invoice, const PayRequest& request,
                                            std::uint64_t now);

// What the payee receives: the invoice's amount, or the request's for an any-amount invoice.
// Requires: check_before_routing() found nothing.
Msat amount_to_pay(const Invoice& invoice, const PayRequest& request);

// base + ceil(amount * ppm / 1e6); nullopt when it does not fit in 64 bits.
std::optional<Msat> routing_fee(Msat amount, Msat fee_base, std::uint32_t fee_ppm);

// "invoice expired. Valid until 2023-11-14 22:13:20 +0000 UTC", as LND formats it.
std::string expired_message(std::uint64_t expires_at);

}  // namespace l402::devnet
