// The Core Lightning client when lightningd misbehaves: a missing socket, a stall, malformed
// JSON, a connection closed mid-reply, and a restart under a running subscription.
#include <gtest/gtest.h>

#include <string>

#include "cln_test_fixture.hpp"

namespace l402::test {
namespace {

using Clock = std::chrono::steady_clock;

TEST(ClnOpen, RefusesAnUnusableSocketPath) {
  ClnOptions options;
  options.socket_path = "";
  EXPECT_TRUE(HasError(open_cln_backend(options), ErrorCode::kInvalidArgument));
  options.socket_path = "/tmp/" + std::string(120, 's');
  EXPECT_TRUE(HasError(open_cln_backend(options), ErrorCode::kInvalidArgument));
}

TEST(ClnOpen, AMissingSocketIsUnavailableAtOnce) {
  SocketDir dir;
  ClnOptions options;
  options.socket_path = dir.file("no-such-rpc");
  options.call_timeout = 5s;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Backend> backend, open_cln_backend(options));

  const auto start = Clock::now();
  EXPECT_TRUE(HasError(backend->get_info(), ErrorCode::kUnavailable));
  EXPECT_TRUE(HasError(backend->create_invoice({Msat(1000), "m", 60}), ErrorCode::kUnavailable));
  EXPECT_TRUE(HasError(backend->subscribe_settlements(0, [](const InvoiceStatus&) {}),
                       ErrorCode::kUnavailable));
  EXPECT_LT(Clock::now() - start, 1s);
}

TEST_F(ClnTest, PayingThroughAMissingSocketIsUnavailable) {
  const IssuedInvoice issued = create(1000);
  node_->stop_serving();
  const PayOutcome outcome = backend_->pay(pay_request(issued.bolt11));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure(), PayFailure::kUnavailable);
}

TEST_F(ClnTest, AStalledNodeCostsTheCallTimeoutAndNoMore) {
  ClnOptions options = backend_options();
  options.call_timeout = 300ms;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Backend> backend, open_cln_backend(options));
  node_->set_fault(FakeFault::kStall);
  const auto start = Clock::now();
  EXPECT_TRUE(HasError(backend->get_info(), ErrorCode::kDeadlineExceeded));
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, 300ms);
  EXPECT_LT(elapsed, 1300ms);

  // The stalled connection was discarded, not pooled: the next call gets a fresh one.
  node_->clear_faults();
  EXPECT_OK(backend->get_info());
}

TEST_F(ClnTest, AStalledPaymentTimesOut) {
  ClnOptions options = backend_options();
  options.call_timeout = 200ms;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Backend> backend, open_cln_backend(options));
  const IssuedInvoice issued = create(1000);
  node_->set_fault(FakeFault::kStall, "xpay");
  PayRequest request = pay_request(issued.bolt11);
  request.timeout = 300ms;
  const auto start = Clock::now();
  const PayOutcome outcome = backend->pay(request);
  const auto elapsed = Clock::now() - start;
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure(), PayFailure::kTimeout);
  EXPECT_GE(elapsed, 500ms);  // the payment's timeout plus the margin
  EXPECT_LT(elapsed, 1500ms);
}

TEST_F(ClnTest, MalformedJsonIsAnInternalError) {
  node_->set_fault(FakeFault::kMalformedJson, "getinfo");
  EXPECT_TRUE(
      HasErrorMentioning(backend_->get_info(), ErrorCode::kInternal, "cln: malformed response"));
  node_->clear_faults();
  EXPECT_OK(backend_->get_info());
}

TEST_F(ClnTest, MalformedJsonDuringAPaymentLeavesItsOutcomeOpen) {
  const IssuedInvoice issued = create(1000);
  node_->set_fault(FakeFault::kMalformedJson, "xpay");
  const PayOutcome outcome = backend_->pay(pay_request(issued.bolt11));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure(), PayFailure::kUnavailable);
  // The node did pay: lookup_payment tells.
  node_->clear_faults();
  ASSERT_OK_AND_ASSIGN(const PaymentStatus status, backend_->lookup_payment(issued.payment_hash));
  EXPECT_EQ(status.state, PaymentState::kSucceeded);
}

TEST_F(ClnTest, AConnectionClosedMidReplyIsUnavailable) {
  node_->set_fault(FakeFault::kCloseMidReply, "listinvoices");
  Hash256 hash{};
  EXPECT_TRUE(HasError(backend_->lookup_invoice(hash), ErrorCode::kUnavailable));
  const IssuedInvoice issued = create(1000);
  node_->set_fault(FakeFault::kCloseMidReply, "xpay");
  const PayOutcome outcome = backend_->pay(pay_request(issued.bolt11));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure(), PayFailure::kUnavailable);
}

TEST_F(ClnTest, AnErrorWhileLightningdShutsDownIsUnavailable) {
  node_->set_method_error("getinfo", -5, "lightningd is shutting down");
  EXPECT_TRUE(HasError(backend_->get_info(), ErrorCode::kUnavailable));
  node_->set_method_error("listinvoices", -32602, "payment_hash: should be a 32 byte hex value");
  EXPECT_TRUE(HasError(backend_->lookup_invoice(Hash256{}), ErrorCode::kInvalidArgument));
}

TEST_F(ClnTest, PooledConnectionsSurviveARestartOfTheNode) {
  ASSERT_OK(backend_->get_info());
  node_->stop_serving();
  EXPECT_TRUE(HasError(backend_->get_info(), ErrorCode::kUnavailable));
  ASSERT_OK(node_->resume_serving());
  EXPECT_OK(backend_->get_info());
}

TEST_F(ClnTest, SubscriptionResumesAfterARestartWithoutDuplicates) {
  const IssuedInvoice a = create(1000);
  const IssuedInvoice b = create(2000);
  const IssuedInvoice c = create(3000);
  const IssuedInvoice d = create(4000);
  ASSERT_OK(node_->settle_invoice(a.payment_hash));

  SettlementCollector collector;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SettlementSubscription> subscription,
                       backend_->subscribe_settlements(0, collector.handler()));
  ASSERT_TRUE(collector.wait_for(1));
  ASSERT_OK(node_->settle_invoice(b.payment_hash));
  ASSERT_TRUE(collector.wait_for(2));

  // lightningd goes away; an invoice settles while it is down (its database keeps it).
  node_->stop_serving();
  EXPECT_TRUE(eventually([&] { return !subscription->connected(); }));
  ASSERT_OK(node_->settle_invoice(c.payment_hash));
  std::this_thread::sleep_for(100ms);  // a few failed reconnects
  ASSERT_OK(node_->resume_serving());

  ASSERT_TRUE(collector.wait_for(3));
  EXPECT_TRUE(eventually([&] { return subscription->connected(); }));
  ASSERT_OK(node_->settle_invoice(d.payment_hash));
  ASSERT_TRUE(collector.wait_for(4));
  std::this_thread::sleep_for(100ms);  // room for a duplicate to show up
  subscription.reset();
  EXPECT_EQ(collector.indexes(), (std::vector<std::uint64_t>{1, 2, 3, 4}));
}

TEST_F(ClnTest, SubscriptionRidesOutMalformedReplies) {
  // Before subscribing, so that the first waitanyinvoice already gets a malformed reply.
  node_->set_fault(FakeFault::kMalformedJson, "waitanyinvoice");
  SettlementCollector collector;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SettlementSubscription> subscription,
                       backend_->subscribe_settlements(0, collector.handler()));
  const IssuedInvoice issued = create(1000);
  ASSERT_OK(node_->settle_invoice(issued.payment_hash));
  std::this_thread::sleep_for(100ms);
  EXPECT_TRUE(collector.received().empty());
  node_->clear_faults();
  ASSERT_TRUE(collector.wait_for(1));
  EXPECT_EQ(collector.indexes(), std::vector<std::uint64_t>{1});
}

TEST_F(ClnTest, DestroyingAReconnectingSubscriptionIsPrompt) {
  ClnOptions options = backend_options();
  options.reconnect_delay = 10s;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Backend> backend, open_cln_backend(options));
  SettlementCollector collector;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SettlementSubscription> subscription,
                       backend->subscribe_settlements(0, collector.handler()));
  node_->stop_serving();
  EXPECT_TRUE(eventually([&] { return !subscription->connected(); }));
  const auto start = Clock::now();
  subscription.reset();
  EXPECT_LT(Clock::now() - start, 1s);
}

}  // namespace
}  // namespace l402::test
