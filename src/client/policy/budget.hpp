// Budget arithmetic for plan_purchase (private to the policy): the fee limit lowered to the
// room every budget leaves, or the first budget the amount does not fit.
#pragma once

#include <variant>

#include "l402/amount.hpp"
#include "l402/client_store.hpp"
#include "l402/purchase_policy.hpp"

namespace l402::client_policy {

// The fee limit for paying `amount` within `budget` given what was `spent` today, or the
// refusal (its challenge_index left 0 for the caller to fill in). Checks max_price, then the
// host's budget, then the total, so the refusal names the narrowest limit that fails.
std::variant<Msat, PurchaseRefusal> fit_budget(Msat amount, const Budget& budget,
                                               const SpentToday& spent);

}  // namespace l402::client_policy
