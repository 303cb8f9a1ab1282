#include "lnd/lnd_errors.hpp"

#include <gtest/gtest.h>

#include "result_matchers.hpp"

namespace l402::lnd {
namespace {

Result<void> as_result(Error error) { return error; }

TEST(LndErrors, MapsGrpcCodes) {
  EXPECT_EQ(error_from_lnd({5, "unable to locate invoice"}).code(), ErrorCode::kNotFound);
  EXPECT_EQ(error_from_lnd({16, "bad"}).code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(error_from_lnd({14, "transport is closing"}).code(), ErrorCode::kUnavailable);
  EXPECT_EQ(error_from_lnd({4, "context deadline exceeded"}).code(), ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(error_from_lnd({3, "bad field"}).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_from_lnd({2, "something else"}).code(), ErrorCode::kInternal);
}

TEST(LndErrors, TreatsMacaroonMessagesAsUnauthenticatedWhateverTheCode) {
  for (const char* message :
       {"verification failed: signature mismatch after caveat verification",
        "expected 1 macaroon, got 0", "cannot get macaroon: root key with id 0 doesn't exist",
        "permission denied"}) {
    EXPECT_TRUE(test::HasErrorMentioning(as_result(error_from_lnd({2, message})),
                                         ErrorCode::kUnauthenticated, message));
  }
}

TEST(LndErrors, MapsHttpStatusWithoutAnLndBody) {
  EXPECT_EQ(error_from_http(502, "<html>bad gateway</html>").code(), ErrorCode::kUnavailable);
  EXPECT_EQ(error_from_http(503, "").code(), ErrorCode::kUnavailable);
  EXPECT_EQ(error_from_http(504, "").code(), ErrorCode::kUnavailable);
  EXPECT_EQ(error_from_http(500, "oops").code(), ErrorCode::kInternal);
  // LND's body wins over the status.
  EXPECT_EQ(error_from_http(500, R"({"code":5,"message":"unable to locate invoice"})").code(),
            ErrorCode::kNotFound);
}

TEST(LndErrors, MapsPaymentRefusals) {
  const std::pair<LndError, PayFailure> cases[] = {
      {{6, "invoice is already paid"}, PayFailure::kAlreadyPaid},
      {{6, "payment is in transition"}, PayFailure::kAlreadyPaid},
      {{2, "payment already exists"}, PayFailure::kAlreadyPaid},
      {{2, "invoice expired. Valid until 2024-06-08 13:45:16 +0000 UTC"},
       PayFailure::kInvoiceExpired},
      {{2, "invoice not for current active network 'regtest'"}, PayFailure::kInvalidInvoice},
      {{2, "amount must be specified when paying a zero amount invoice"},
       PayFailure::kInvalidInvoice},
      {{2, "amount must not be specified when paying a non-zero amount invoice"},
       PayFailure::kInvalidInvoice},
      {{2, "verification failed: signature mismatch after caveat verification"},
       PayFailure::kRejected},
      {{14, "connection refused"}, PayFailure::kUnavailable},
      {{4, "deadline"}, PayFailure::kTimeout},
      {{2, "who knows"}, PayFailure::kRejected},
  };
  for (const auto& [error, failure] : cases) {
    const PayOutcome outcome = pay_outcome_from_lnd(error);
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.failure(), failure) << error.message;
    EXPECT_NE(outcome.message().find(error.message), std::string::npos);
  }
}

TEST(LndErrors, MapsFailureReasons) {
  EXPECT_EQ(pay_failure_from_reason(LndFailureReason::kNoRoute), PayFailure::kNoRoute);
  EXPECT_EQ(pay_failure_from_reason(LndFailureReason::kInsufficientBalance),
            PayFailure::kInsufficientBalance);
  EXPECT_EQ(pay_failure_from_reason(LndFailureReason::kTimeout), PayFailure::kTimeout);
  EXPECT_EQ(pay_failure_from_reason(LndFailureReason::kIncorrectPaymentDetails),
            PayFailure::kRejected);
  EXPECT_EQ(pay_failure_from_reason(LndFailureReason::kError), PayFailure::kRejected);
  EXPECT_EQ(pay_failure_from_reason(LndFailureReason::kCanceled), PayFailure::kRejected);
}

TEST(LndErrors, MapsLegacyPaymentErrors) {
  EXPECT_EQ(pay_failure_from_payment_error("no_route"), PayFailure::kNoRoute);
  EXPECT_EQ(pay_failure_from_payment_error("unable to find a path to destination"),
            PayFailure::kNoRoute);
  EXPECT_EQ(pay_failure_from_payment_error("insufficient_balance"),
            PayFailure::kInsufficientBalance);
  EXPECT_EQ(pay_failure_from_payment_error("timeout"), PayFailure::kTimeout);
  EXPECT_EQ(pay_failure_from_payment_error("invoice is already paid"), PayFailure::kAlreadyPaid);
  EXPECT_EQ(pay_failure_from_payment_error("invoice expired. Valid until ..."),
            PayFailure::kInvoiceExpired);
  EXPECT_EQ(pay_failure_from_payment_error("incorrect_payment_details"), PayFailure::kRejected);
}

TEST(LndErrors, MapsOurOwnErrorsForPay) {
  EXPECT_EQ(pay_outcome_from_error(Error(ErrorCode::kUnavailable, "x")).failure(),
            PayFailure::kUnavailable);
  EXPECT_EQ(pay_outcome_from_error(Error(ErrorCode::kDeadlineExceeded, "x")).failure(),
            PayFailure::kTimeout);
  EXPECT_EQ(pay_outcome_from_error(Error(ErrorCode::kUnauthenticated, "x")).failure(),
            PayFailure::kRejected);
}

}  // namespace
}  // namespace l402::lnd
