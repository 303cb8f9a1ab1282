// The Core Lightning client against FakeLightningd: node info, invoices, payments and
// settlement subscriptions, over a real unix socket.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "cln_test_fixture.hpp"
#include "l402/bolt11.hpp"

namespace l402::test {
namespace {

std::size_t count_of(const std::vector<std::string>& methods, const std::string& method) {
  return static_cast<std::size_t>(std::count(methods.begin(), methods.end(), method));
}

TEST_F(ClnTest, GetInfoReportsTheNode) {
  ASSERT_OK_AND_ASSIGN(const NodeInfo info, backend_->get_info());
  EXPECT_EQ(info.implementation, "cln");
  EXPECT_EQ(info.node_id, node_->node_id());
  EXPECT_EQ(info.network, Network::kRegtest);
  EXPECT_EQ(info.alias, "l402-fake-cln");
  EXPECT_EQ(info.block_height, 800'000u);
  EXPECT_TRUE(info.synced_to_chain);

  node_->set_synced(false);
  ASSERT_OK_AND_ASSIGN(const NodeInfo syncing, backend_->get_info());
  EXPECT_FALSE(syncing.synced_to_chain);
}

TEST_F(ClnTest, CreateInvoiceReturnsAnInvoiceSignedByTheNode) {
  InvoiceRequest request;
  request.amount = Msat(21'000);
  request.memo = "L402 access";
  request.expiry_seconds = 600;
  ASSERT_OK_AND_ASSIGN(const IssuedInvoice issued, backend_->create_invoice(request));
  ASSERT_OK_AND_ASSIGN(const Invoice invoice, decode_invoice(issued.bolt11));
  EXPECT_EQ(invoice.payment_hash, issued.payment_hash);
  EXPECT_EQ(invoice.payee, node_->node_id());
  EXPECT_EQ(invoice.amount, Msat(21'000));
  EXPECT_EQ(invoice.description, "L402 access");
  EXPECT_EQ(invoice.expiry, 600u);
  EXPECT_EQ(invoice.network, Network::kRegtest);
}

TEST_F(ClnTest, CreateInvoiceRefusesBadRequestsWithoutAskingTheNode) {
  InvoiceRequest zero;
  zero.memo = "x";
  EXPECT_TRUE(HasError(backend_->create_invoice(zero), ErrorCode::kInvalidArgument));
  InvoiceRequest no_expiry;
  no_expiry.amount = Msat(1000);
  no_expiry.expiry_seconds = 0;
  EXPECT_TRUE(HasError(backend_->create_invoice(no_expiry), ErrorCode::kInvalidArgument));
  InvoiceRequest long_memo;
  long_memo.amount = Msat(1000);
  long_memo.memo = std::string(640, 'm');
  EXPECT_TRUE(HasError(backend_->create_invoice(long_memo), ErrorCode::kInvalidArgument));
  EXPECT_TRUE(node_->methods_called().empty());
}

TEST_F(ClnTest, CreateInvoiceAcceptsAnEmptyMemo) {
  InvoiceRequest request;
  request.amount = Msat(1000);
  ASSERT_OK_AND_ASSIGN(const IssuedInvoice issued, backend_->create_invoice(request));
  ASSERT_OK_AND_ASSIGN(const Invoice invoice, decode_invoice(issued.bolt11));
  EXPECT_EQ(invoice.description, "");
}

TEST_F(ClnTest, CreateInvoiceRetriesOnceWithANewLabelOnDuplicateLabel) {
  node_->set_method_error("invoice", 900, "Duplicate label 'l402-x'");
  EXPECT_TRUE(HasError(backend_->create_invoice({Msat(1000), "m", 60}), ErrorCode::kAlreadyExists));
  EXPECT_EQ(count_of(node_->methods_called(), "invoice"), 2u);
}

TEST_F(ClnTest, ManyInvoicesGetDistinctLabels) {
  // The node refuses a reused label (900), so distinct successes mean distinct labels.
  for (int i = 0; i < 20; ++i) create(1000 + static_cast<std::uint64_t>(i));
  EXPECT_EQ(count_of(node_->methods_called(), "invoice"), 20u);
}

TEST_F(ClnTest, LookupInvoiceFollowsItFromOpenToSettled) {
  const IssuedInvoice issued = create(5000);
  ASSERT_OK_AND_ASSIGN(const InvoiceStatus open, backend_->lookup_invoice(issued.payment_hash));
  EXPECT_EQ(open.state, InvoiceState::kOpen);
  EXPECT_EQ(open.amount, Msat(5000));
  EXPECT_EQ(open.bolt11, issued.bolt11);
  EXPECT_NEAR(static_cast<double>(open.created_at), static_cast<double>(node_->now()), 5.0);

  ASSERT_OK_AND_ASSIGN(const std::uint64_t pay_index,
                       node_->settle_invoice(issued.payment_hash, Msat(6000)));
  ASSERT_OK_AND_ASSIGN(const InvoiceStatus settled, backend_->lookup_invoice(issued.payment_hash));
  EXPECT_EQ(settled.state, InvoiceState::kSettled);
  EXPECT_EQ(settled.amount_paid, Msat(6000));
  EXPECT_EQ(settled.settle_index, pay_index);
  EXPECT_GT(settled.settled_at, 0u);
}

TEST_F(ClnTest, LookupInvoiceReportsExpiryAndUnknownHashes) {
  const IssuedInvoice issued = create(5000, /*expiry=*/60);
  node_->advance_clock(61s);
  ASSERT_OK_AND_ASSIGN(const InvoiceStatus expired, backend_->lookup_invoice(issued.payment_hash));
  EXPECT_EQ(expired.state, InvoiceState::kExpired);
  Hash256 unknown{};
  unknown.fill(0x42);
  EXPECT_TRUE(HasError(backend_->lookup_invoice(unknown), ErrorCode::kNotFound));
}

TEST_F(ClnTest, LookupInvoiceOfAnAnyAmountInvoice) {
  ASSERT_OK_AND_ASSIGN(const IssuedInvoice issued, node_->add_invoice(std::nullopt, "any"));
  ASSERT_OK_AND_ASSIGN(const InvoiceStatus status, backend_->lookup_invoice(issued.payment_hash));
  EXPECT_FALSE(status.amount.has_value());
}

TEST_F(ClnTest, ReadsLegacyMsatStrings) {
  FakeLightningdOptions options = node_options();
  options.legacy_msat_strings = true;
  start_node(options);
  node_->set_fee(Msat(7), 0);
  const IssuedInvoice issued = create(3000);
  const PayOutcome outcome = backend_->pay(pay_request(issued.bolt11));
  ASSERT_TRUE(outcome.ok()) << outcome.message();
  EXPECT_EQ(outcome.payment().amount, Msat(3000));
  EXPECT_EQ(outcome.payment().fee, Msat(7));
  ASSERT_OK_AND_ASSIGN(const InvoiceStatus settled, backend_->lookup_invoice(issued.payment_hash));
  EXPECT_EQ(settled.amount_paid, Msat(3000));
  ASSERT_OK_AND_ASSIGN(const PaymentStatus payment, backend_->lookup_payment(issued.payment_hash));
  EXPECT_EQ(payment.state, PaymentState::kSucceeded);
}

TEST_F(ClnTest, PayPaysAnInvoiceOfTheNodeAndReportsTheFee) {
  node_->set_fee(Msat(1000), 1000);  // 1000 msat + 0.1 %
  const IssuedInvoice issued = create(100'000);
  const Msat balance_before = node_->balance();
  const PayOutcome outcome = backend_->pay(pay_request(issued.bolt11, /*max_fee_msat=*/1100));
  ASSERT_TRUE(outcome.ok()) << outcome.message();
  EXPECT_EQ(outcome.payment().payment_hash, issued.payment_hash);
  EXPECT_EQ(sha256(as_view(outcome.payment().preimage)), issued.payment_hash);
  EXPECT_EQ(outcome.payment().amount, Msat(100'000));
  EXPECT_EQ(outcome.payment().fee, Msat(1100));
  EXPECT_EQ(node_->balance(), Msat(balance_before.value() - 101'100));

  ASSERT_OK_AND_ASSIGN(const InvoiceStatus settled, backend_->lookup_invoice(issued.payment_hash));
  EXPECT_EQ(settled.state, InvoiceState::kSettled);
  ASSERT_OK_AND_ASSIGN(const PaymentStatus payment, backend_->lookup_payment(issued.payment_hash));
  EXPECT_EQ(payment.state, PaymentState::kSucceeded);
  ASSERT_TRUE(payment.payment.has_value());
  EXPECT_EQ(payment.payment->preimage, outcome.payment().preimage);
  EXPECT_EQ(payment.payment->fee, Msat(1100));
}

TEST_F(ClnTest, PayAnAnyAmountInvoiceNeedsAnAmount) {
  ASSERT_OK_AND_ASSIGN(const IssuedInvoice issued, node_->add_invoice(std::nullopt, "any"));
  const PayOutcome without = backend_->pay(pay_request(issued.bolt11));
  ASSERT_FALSE(without.ok());
  EXPECT_EQ(without.failure(), PayFailure::kInvalidInvoice);

  PayRequest request = pay_request(issued.bolt11);
  request.amount = Msat(4242);
  const PayOutcome outcome = backend_->pay(request);
  ASSERT_TRUE(outcome.ok()) << outcome.message();
  EXPECT_EQ(outcome.payment().amount, Msat(4242));
}

TEST_F(ClnTest, PayingTwiceIsAlreadyPaid) {
  const IssuedInvoice issued = create(2000);
  ASSERT_TRUE(backend_->pay(pay_request(issued.bolt11)).ok());
  const PayOutcome again = backend_->pay(pay_request(issued.bolt11));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.failure(), PayFailure::kAlreadyPaid);
}

TEST_F(ClnTest, PayingAnExpiredInvoiceFails) {
  const IssuedInvoice issued = create(2000, /*expiry=*/30);
  node_->advance_clock(31s);
  const PayOutcome outcome = backend_->pay(pay_request(issued.bolt11));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure(), PayFailure::kInvoiceExpired);
}

TEST_F(ClnTest, PayingAnotherNodesInvoiceFindsNoRoute) {
  FakeLightningdOptions other_options = node_options();
  other_options.socket_path = dir_.file("other-rpc");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<FakeLightningd> other, FakeLightningd::start(other_options));
  ASSERT_OK_AND_ASSIGN(const IssuedInvoice foreign, other->add_invoice(Msat(1000), "elsewhere"));
  const PayOutcome outcome = backend_->pay(pay_request(foreign.bolt11));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure(), PayFailure::kNoRoute);
}

TEST_F(ClnTest, PayingMoreThanTheBalanceFails) {
  FakeLightningdOptions options = node_options();
  options.balance = Msat(10'000);
  start_node(options);
  node_->set_fee(Msat(1), 0);
  const IssuedInvoice issued = create(10'000);
  const PayOutcome outcome = backend_->pay(pay_request(issued.bolt11));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure(), PayFailure::kInsufficientBalance);
  EXPECT_EQ(node_->balance(), Msat(10'000));
}

TEST_F(ClnTest, PayingWithAFeeAboveTheLimitFindsNoRoute) {
  node_->set_fee(Msat(501), 0);
  const IssuedInvoice issued = create(10'000);
  const PayOutcome outcome = backend_->pay(pay_request(issued.bolt11, /*max_fee_msat=*/500));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure(), PayFailure::kNoRoute);
  EXPECT_NE(outcome.message().find("206"), std::string::npos) << outcome.message();
  ASSERT_OK_AND_ASSIGN(const InvoiceStatus status, backend_->lookup_invoice(issued.payment_hash));
  EXPECT_EQ(status.state, InvoiceState::kOpen);
}

TEST_F(ClnTest, PayingAZeroFeeRouteWithZeroMaxFeeSucceeds) {
  const IssuedInvoice issued = create(10'000);
  const PayOutcome outcome = backend_->pay(pay_request(issued.bolt11, /*max_fee_msat=*/0));
  ASSERT_TRUE(outcome.ok()) << outcome.message();
  EXPECT_EQ(outcome.payment().fee, Msat(0));
}

TEST_F(ClnTest, PayingGarbageIsAnInvalidInvoiceWithoutAskingTheNode) {
  const PayOutcome outcome = backend_->pay(pay_request("lnbcrt1notaninvoice"));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure(), PayFailure::kInvalidInvoice);
  EXPECT_TRUE(node_->methods_called().empty());
}

TEST_F(ClnTest, PayErrorsOfTheNodeMapToFailures) {
  const IssuedInvoice issued = create(1000);
  const struct {
    std::int64_t code;
    PayFailure failure;
  } cases[] = {{200, PayFailure::kAlreadyPaid},
               {203, PayFailure::kRejected},
               {210, PayFailure::kNoRoute},
               {-32602, PayFailure::kInvalidInvoice},
               {-1, PayFailure::kRejected}};
  for (const auto& c : cases) {
    node_->set_method_error("xpay", c.code, "injected");
    const PayOutcome outcome = backend_->pay(pay_request(issued.bolt11));
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.failure(), c.failure) << c.code << ": " << outcome.message();
  }
  node_->set_method_error("xpay", 200, "Already paying");
  EXPECT_NE(backend_->pay(pay_request(issued.bolt11)).message().find("in flight"),
            std::string::npos);
}

TEST_F(ClnTest, WithoutXpayItFallsBackToPay) {
  node_->set_xpay_available(false);
  node_->set_fee(Msat(3), 0);
  const IssuedInvoice first = create(1000);
  const PayOutcome outcome = backend_->pay(pay_request(first.bolt11));
  ASSERT_TRUE(outcome.ok()) << outcome.message();
  EXPECT_EQ(outcome.payment().fee, Msat(3));
  EXPECT_EQ(sha256(as_view(outcome.payment().preimage)), first.payment_hash);

  const IssuedInvoice second = create(1000);
  ASSERT_TRUE(backend_->pay(pay_request(second.bolt11)).ok());
  const std::vector<std::string> methods = node_->methods_called();
  // xpay is tried once; afterwards the client goes straight to pay.
  EXPECT_EQ(count_of(methods, "xpay"), 1u);
  EXPECT_EQ(count_of(methods, "pay"), 2u);
}

TEST_F(ClnTest, WithoutXpayPayingTwiceIsStillAlreadyPaid) {
  node_->set_xpay_available(false);
  const IssuedInvoice issued = create(1000);
  ASSERT_TRUE(backend_->pay(pay_request(issued.bolt11)).ok());
  const Msat balance = node_->balance();
  // CLN's pay would answer success again; the client asks listpays first.
  const PayOutcome again = backend_->pay(pay_request(issued.bolt11));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.failure(), PayFailure::kAlreadyPaid);
  EXPECT_EQ(count_of(node_->methods_called(), "pay"), 1u);
  EXPECT_EQ(node_->balance(), balance);
}

TEST_F(ClnTest, WithoutXpayFailuresMapAsWithXpay) {
  node_->set_xpay_available(false);
  node_->set_fee(Msat(600), 0);
  const IssuedInvoice expensive = create(1000);
  const PayOutcome outcome = backend_->pay(pay_request(expensive.bolt11, /*max_fee_msat=*/500));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure(), PayFailure::kNoRoute);

  const IssuedInvoice expiring = create(1000, /*expiry=*/10);
  node_->advance_clock(11s);
  const PayOutcome expired = backend_->pay(pay_request(expiring.bolt11));
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.failure(), PayFailure::kInvoiceExpired);
}

TEST_F(ClnTest, LookupPaymentOfAnUnknownHashIsUnknown) {
  Hash256 hash{};
  hash.fill(0x17);
  ASSERT_OK_AND_ASSIGN(const PaymentStatus status, backend_->lookup_payment(hash));
  EXPECT_EQ(status.state, PaymentState::kUnknown);
}

TEST_F(ClnTest, SubscriptionCatchesUpThenDeliversLiveSettlements) {
  const IssuedInvoice a = create(1000);
  const IssuedInvoice b = create(2000);
  const IssuedInvoice c = create(3000);
  ASSERT_OK(node_->settle_invoice(b.payment_hash));
  ASSERT_OK(node_->settle_invoice(a.payment_hash));

  SettlementCollector collector;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SettlementSubscription> subscription,
                       backend_->subscribe_settlements(0, collector.handler()));
  ASSERT_TRUE(collector.wait_for(2));
  EXPECT_TRUE(subscription->connected());

  ASSERT_TRUE(backend_->pay(pay_request(c.bolt11)).ok());
  ASSERT_TRUE(collector.wait_for(3));
  const std::vector<InvoiceStatus> received = collector.received();
  ASSERT_EQ(received.size(), 3u);
  EXPECT_EQ(received[0].payment_hash, b.payment_hash);
  EXPECT_EQ(received[1].payment_hash, a.payment_hash);
  EXPECT_EQ(received[2].payment_hash, c.payment_hash);
  EXPECT_EQ(collector.indexes(), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(received[2].state, InvoiceState::kSettled);
  EXPECT_EQ(received[2].amount_paid, Msat(3000));
}

TEST_F(ClnTest, SubscriptionStartsAfterTheGivenIndex) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(node_->settle_invoice(create(1000 + static_cast<std::uint64_t>(i)).payment_hash));
  }
  SettlementCollector collector;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SettlementSubscription> subscription,
                       backend_->subscribe_settlements(2, collector.handler()));
  ASSERT_TRUE(collector.wait_for(1));
  ASSERT_OK(node_->settle_invoice(create(5000).payment_hash));
  ASSERT_TRUE(collector.wait_for(2));
  subscription.reset();
  EXPECT_EQ(collector.indexes(), (std::vector<std::uint64_t>{3, 4}));
}

TEST_F(ClnTest, DestroyingASubscriptionStopsItPromptly) {
  SettlementCollector collector;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SettlementSubscription> subscription,
                       backend_->subscribe_settlements(0, collector.handler()));
  std::this_thread::sleep_for(100ms);  // let it block in waitanyinvoice
  const auto start = std::chrono::steady_clock::now();
  subscription.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

TEST_F(ClnTest, ASubscriptionMayOutliveItsBackend) {
  SettlementCollector collector;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SettlementSubscription> subscription,
                       backend_->subscribe_settlements(0, collector.handler()));
  backend_.reset();
  ASSERT_OK_AND_ASSIGN(const IssuedInvoice issued, node_->add_invoice(Msat(1000), "late"));
  ASSERT_OK(node_->settle_invoice(issued.payment_hash));
  EXPECT_TRUE(collector.wait_for(1));
}

TEST_F(ClnTest, ConcurrentCallsAllSucceed) {
  std::vector<std::thread> threads;
  std::atomic<int> failures = 0;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        Result<IssuedInvoice> invoice = backend_->create_invoice({Msat(1000), "c", 60});
        if (!invoice.ok() || !backend_->lookup_invoice(invoice->payment_hash).ok() ||
            !backend_->get_info().ok()) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  // The pool keeps at most max_idle_connections (4) open between calls, so six threads need
  // a few connections but not one per call.
  EXPECT_LT(node_->connections_accepted(), 60u);
}

TEST_F(ClnTest, SequentialCallsReuseOneConnection) {
  for (int i = 0; i < 10; ++i) ASSERT_OK(backend_->get_info());
  EXPECT_EQ(node_->connections_accepted(), 1u);
}

}  // namespace
}  // namespace l402::test
