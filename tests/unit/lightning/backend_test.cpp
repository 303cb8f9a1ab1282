#include <gtest/gtest.h>

#include "l402/lightning.hpp"

namespace l402 {
namespace {

TEST(PayOutcomeTest, FailureKeepsItsReasonAndMapsToAnErrorNamingIt) {
  PayOutcome outcome = PayOutcome::failure(PayFailure::kAlreadyPaid, "invoice is already paid");
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure(), PayFailure::kAlreadyPaid);
  Error error = outcome.to_error();
  EXPECT_EQ(error.code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(error.message(), "payment failed (already_paid): invoice is already paid");
}

TEST(PayOutcomeTest, TimeoutAndUnavailableMapToRetryableCodes) {
  EXPECT_EQ(PayOutcome::failure(PayFailure::kTimeout, "").to_error().code(),
            ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(PayOutcome::failure(PayFailure::kUnavailable, "").to_error().code(),
            ErrorCode::kUnavailable);
}

TEST(PayOutcomeTest, SuccessCarriesThePayment) {
  Payment payment;
  payment.fee = Msat(7);
  PayOutcome outcome = PayOutcome::success(payment);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.payment().fee, Msat(7));
}

TEST(LightningNamesTest, EveryFailureAndStateHasAStableName) {
  EXPECT_EQ(pay_failure_name(PayFailure::kNoRoute), "no_route");
  EXPECT_EQ(pay_failure_name(PayFailure::kInsufficientBalance), "insufficient_balance");
  EXPECT_EQ(invoice_state_name(InvoiceState::kSettled), "settled");
  EXPECT_EQ(invoice_state_name(InvoiceState::kExpired), "expired");
}

}  // namespace
}  // namespace l402
