#include "client/policy/budget.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

#include "client/policy/amount_text.hpp"

namespace l402::client_policy {

namespace {

struct Limit {
  std::optional<Msat> value;
  Msat spent;
  Refusal reason;
};

PurchaseRefusal over_limit(const Limit& limit, Msat amount) {
  const Msat cap = *limit.value;
  switch (limit.reason) {
    case Refusal::kOverMaxPrice:
      return {limit.reason,
              "the invoice asks " + sat_text(amount) + ", over the maximum price of " +
                  sat_text(cap) + " per purchase",
              0};
    case Refusal::kOverHostBudget:
      return {limit.reason,
              "paying " + sat_text(amount) + " would exceed this host's daily budget of " +
                  sat_text(cap) + " (" + sat_text(limit.spent) + " spent or pending today)",
              0};
    case Refusal::kOverTotalBudget:
      return {limit.reason,
              "paying " + sat_text(amount) + " would exceed the total daily budget of " +
                  sat_text(cap) + " (" + sat_text(limit.spent) + " spent or pending today)",
              0};
    case Refusal::kBadChallenge:
    case Refusal::kHashMismatch:
    case Refusal::kWrongNetwork:
    case Refusal::kInvoiceExpired:
    case Refusal::kTokenExpired:
    case Refusal::kNoAmount:
      break;
  }
  return {limit.reason, "over budget", 0};
}

}  // namespace

std::variant<Msat, PurchaseRefusal> fit_budget(Msat amount, const Budget& budget,
                                               const SpentToday& spent) {
  Msat max_fee = fee_limit_for(amount, budget.fee);
  const Limit limits[] = {
      {budget.max_price, Msat(0), Refusal::kOverMaxPrice},
      {budget.per_host_per_day, spent.host, Refusal::kOverHostBudget},
      {budget.total_per_day, spent.total, Refusal::kOverTotalBudget},
  };
  for (const Limit& limit : limits) {
    if (!limit.value) continue;
    // Spending already past the limit leaves no room at all.
    const Msat room = limit.value->checked_sub(limit.spent).value_or(Msat(0));
    const std::optional<Msat> left = room.checked_sub(amount);
    if (!left) return over_limit(limit, amount);
    max_fee = std::min(max_fee, *left);
  }
  return max_fee;
}

}  // namespace l402::client_policy
