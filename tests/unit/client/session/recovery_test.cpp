// Never paying twice: purchases a crash left pending are settled from the wallet's records.
#include <gtest/gtest.h>

#include "client/http/transport.hpp"
#include "session_test_env.hpp"

namespace l402::client_test {
namespace {

class ClientRecoveryTest : public ClientSessionTest {
 protected:
  // What a client killed mid-purchase leaves behind: a 402 fetched and planned, the purchase
  // journalled and, when `paid`, paid by the wallet; complete_purchase never ran.
  PendingPurchase crash_during_purchase(bool paid) {
    auto transport = client::Transport::create({}).value();
    MemorySink challenge_body;
    HttpRequest request = get("/paid/a");
    Result<client::Exchange> exchange = transport->exchange(
        request, [&](const ResponseHead&) -> Result<BodySink*> { return &challenge_body; });
    EXPECT_TRUE(test::IsOk(exchange));
    const std::vector<std::string_view> values = exchange->head.values("WWW-Authenticate");
    Result<std::vector<Challenge>> challenges = parse_challenges(values);
    EXPECT_TRUE(test::IsOk(challenges));
    const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
    const PurchaseDecision decision =
        plan_purchase(*challenges, Network::kRegtest, now, Budget{}, SpentToday{});
    EXPECT_TRUE(decision.approved());
    const std::string origin = canonical_origin(request.url).value();
    PendingPurchase pending = make_pending_purchase(decision.plan(), origin, "/paid/a", now);
    {
      auto store = ClientStore::open(dir_.file("client")).value();
      EXPECT_TRUE(test::IsOk(store->begin_purchase(pending)));
    }
    if (paid) {
      auto wallet = payer_wallet();
      PayRequest pay;
      pay.bolt11 = pending.invoice;
      pay.max_fee = pending.max_fee;
      EXPECT_TRUE(wallet->pay(pay).ok());
    }
    return pending;
  }
};

TEST_F(ClientRecoveryTest, APaidPurchaseIsCompletedWithoutPayingAgain) {
  start_server();
  const PendingPurchase pending = crash_during_purchase(/*paid=*/true);
  const Msat paid_once(kPrice.value() + kNodeFee.value());
  ASSERT_EQ(spent(), paid_once);
  ASSERT_EQ(pays_.load(), 1);

  auto client = open_client(options());
  MemorySink body;
  const PerformResult result = client->perform(get("/paid/a"), body);
  ASSERT_EQ(result.outcome, PerformOutcome::kDone)
      << (result.error ? result.error->message() : std::string())
      << "; first event: " << (events_.empty() ? std::string() : events_[0].message);
  EXPECT_EQ(result.status, 200);
  EXPECT_FALSE(result.purchase.has_value());
  EXPECT_EQ(result.token_id, pending.token_id);
  EXPECT_EQ(spent(), paid_once);
  EXPECT_EQ(pays_.load(), 1);
  EXPECT_EQ(server_->challenges(), 1);
  ASSERT_FALSE(events_.empty());
  EXPECT_EQ(events_[0].kind, ProgressKind::kRecovered);
  ASSERT_OK_AND_ASSIGN(const std::vector<PendingPurchase> left,
                       client->store().pending_purchases());
  EXPECT_TRUE(left.empty());
}

TEST_F(ClientRecoveryTest, AnUnpaidPurchaseIsClosedAndBoughtOnce) {
  start_server();
  crash_during_purchase(/*paid=*/false);
  ASSERT_EQ(spent(), Msat());

  auto client = open_client(options());
  ASSERT_OK_AND_ASSIGN(const RecoveryReport report, client->recover_pending());
  EXPECT_EQ(report.failed, 1u);
  EXPECT_EQ(report.completed, 0u);
  MemorySink body;
  const PerformResult result = client->perform(get("/paid/a"), body);
  ASSERT_EQ(result.outcome, PerformOutcome::kDone);
  EXPECT_TRUE(result.purchase.has_value());
  EXPECT_EQ(pays_.load(), 1);
  EXPECT_EQ(spent(), Msat(kPrice.value() + kNodeFee.value()));
}

TEST_F(ClientRecoveryTest, APaymentStillInFlightIsNeverPaidAgain) {
  start_server();
  const PendingPurchase pending = crash_during_purchase(/*paid=*/false);
  auto wallet = payer_wallet();
  wallet->lookups_in_flight = true;
  auto client = open_client(options(), std::move(wallet));
  MemorySink body;
  const PerformResult result = client->perform(get("/paid/a"), body);
  EXPECT_EQ(result.outcome, PerformOutcome::kPurchasePending);
  ASSERT_TRUE(result.error.has_value());
  EXPECT_NE(result.error->message().find("in flight"), std::string::npos);
  EXPECT_EQ(pays_.load(), 0);
  EXPECT_EQ(spent(), Msat());
  ASSERT_OK_AND_ASSIGN(const std::vector<PendingPurchase> left,
                       client->store().pending_purchases());
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].payment_hash, pending.payment_hash);
}

TEST_F(ClientRecoveryTest, RecoveryWithNothingPendingReportsNothing) {
  start_server();
  auto client = open_client(options());
  ASSERT_OK_AND_ASSIGN(const RecoveryReport report, client->recover_pending());
  EXPECT_EQ(report.completed + report.failed + report.in_flight, 0u);
  EXPECT_TRUE(events_.empty());
}

}  // namespace
}  // namespace l402::client_test
