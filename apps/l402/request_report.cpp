#include "request_report.hpp"

#include "exit_codes.hpp"
#include "l402/encoding.hpp"
#include "units.hpp"

namespace l402::cli {

int request_exit_code(const PerformResult& result) {
  switch (result.outcome) {
    case PerformOutcome::kDone:
      return result.status >= 400 ? kExitHttpStatus : kExitOk;
    case PerformOutcome::kDryRun:
      return kExitOk;
    case PerformOutcome::kBudgetRefused:
      return kExitBudgetRefused;
    case PerformOutcome::kBadChallenge:
      return kExitPaymentRefused;
    case PerformOutcome::kPaymentFailed:
      // The wallet not answering is not the same trouble as a payment it could not make.
      if (result.error && result.error->code() == ErrorCode::kUnavailable) {
        return kExitWalletUnavailable;
      }
      return kExitPaymentFailed;
    case PerformOutcome::kPaymentLoop:
      return kExitPaymentLoop;
    case PerformOutcome::kPurchasePending:
      return kExitPurchasePending;
    case PerformOutcome::kHttpError:
      return kExitTransport;
    case PerformOutcome::kStoreError:
      return kExitStore;
  }
  return kExitTransport;
}

std::string request_failure_message(const PerformResult& result) {
  std::string why = result.error ? result.error->message() : std::string();
  switch (result.outcome) {
    case PerformOutcome::kDone:
      if (result.status < 400) return {};
      return "HTTP " + std::to_string(result.status) + " from " + result.url;
    case PerformOutcome::kDryRun:
      return {};
    case PerformOutcome::kBudgetRefused:
      return "not paying (budget): " + why;
    case PerformOutcome::kBadChallenge:
      return "not paying (bad challenge): " + why;
    case PerformOutcome::kPaymentFailed:
      return "payment failed: " + why;
    case PerformOutcome::kPaymentLoop:
      return "the server answered 402 to the token just bought; not paying again: " + why;
    case PerformOutcome::kPurchasePending:
      return "an earlier payment to this server is still in flight; not paying again "
             "(run the request later): " +
             why;
    case PerformOutcome::kHttpError:
      return "request failed: " + why;
    case PerformOutcome::kStoreError:
      return "token store: " + why;
  }
  return why;
}

nlohmann::ordered_json request_json(const PerformResult& result,
                                    const std::optional<std::string>& output_file,
                                    std::chrono::milliseconds total) {
  nlohmann::ordered_json json;
  json["url"] = result.url;
  json["status"] = result.status;
  json["outcome"] = perform_outcome_name(result.outcome);
  const bool paid = result.purchase && result.purchase->paid;
  json["paid_msat"] = paid ? result.purchase->amount.value() : 0;
  json["fee_msat"] = paid ? result.purchase->fee.value() : 0;
  json["token_id"] = result.token_id ? nlohmann::ordered_json(*result.token_id) : nullptr;
  if (result.purchase) {
    const PurchaseInfo& purchase = *result.purchase;
    json["purchase"] = {{"origin", purchase.origin},
                        {"service", purchase.service},
                        {"token_id", purchase.token_id},
                        {"payment_hash", hex::encode(as_view(purchase.payment_hash))},
                        {"amount_msat", purchase.amount.value()},
                        {"max_fee_msat", purchase.max_fee.value()},
                        {"fee_msat", purchase.fee.value()},
                        {"paid", purchase.paid}};
  } else {
    json["purchase"] = nullptr;
  }
  json["refusal"] =
      result.refusal ? nlohmann::ordered_json(refusal_name(*result.refusal)) : nullptr;
  json["error"] = result.error ? nlohmann::ordered_json(result.error->message()) : nullptr;
  json["body_bytes"] = result.body_bytes;
  json["output"] = output_file ? nlohmann::ordered_json(*output_file) : nullptr;
  json["timings_ms"] = {{"request", result.request_time.count()},
                        {"payment", result.payment_time.count()},
                        {"total", total.count()}};
  return json;
}

}  // namespace l402::cli
