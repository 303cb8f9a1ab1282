// open_devnet_backend: the node as one account's Backend.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "devnet_test_node.hpp"
#include "l402/bolt11.hpp"
#include "lightning_test_helpers.hpp"

namespace l402::test {
namespace {

using namespace std::chrono_literals;

class DevnetBackendTest : public DevnetNodeTest {
 protected:
  void SetUp() override {
    DevnetNodeTest::SetUp();
    ASSERT_NE(node_, nullptr);
    receiver_ = open_devnet_backend(*node_);
    payer_ = open_devnet_backend(*node_, "payer");
  }

  IssuedInvoice issue(std::uint64_t amount) {
    Result<IssuedInvoice> issued = receiver_->create_invoice({Msat(amount), "backend", 600});
    EXPECT_OK(issued);
    return issued.ok() ? *issued : IssuedInvoice{};
  }

  bool pay(const IssuedInvoice& invoice) { return payer_->pay(pay_request(invoice.bolt11)).ok(); }

  std::unique_ptr<Backend> receiver_;
  std::unique_ptr<Backend> payer_;
};

TEST_F(DevnetBackendTest, CreatesLooksUpAndPaysThroughTheNode) {
  ASSERT_OK_AND_ASSIGN(NodeInfo info, receiver_->get_info());
  EXPECT_EQ(info.implementation, "devnet");
  const IssuedInvoice issued = issue(2'000);
  ASSERT_OK_AND_ASSIGN(Invoice decoded, decode_invoice(issued.bolt11));
  EXPECT_EQ(decoded.payee, info.node_id);
  EXPECT_EQ(decoded.description, "backend");
  EXPECT_EQ(decoded.expiry, 600u);

  ASSERT_OK_AND_ASSIGN(PaymentStatus before, payer_->lookup_payment(issued.payment_hash));
  EXPECT_EQ(before.state, PaymentState::kUnknown);

  const PayOutcome outcome = payer_->pay(pay_request(issued.bolt11));
  ASSERT_TRUE(outcome.ok()) << outcome.message();
  EXPECT_EQ(sha256(as_view(outcome.payment().preimage)), issued.payment_hash);
  EXPECT_EQ(outcome.payment().amount, Msat(2'000));
  EXPECT_EQ(outcome.payment().fee, Msat(1'020));

  ASSERT_OK_AND_ASSIGN(InvoiceStatus status, receiver_->lookup_invoice(issued.payment_hash));
  EXPECT_EQ(status.state, InvoiceState::kSettled);
  EXPECT_EQ(status.amount_paid, Msat(2'000));
  ASSERT_OK_AND_ASSIGN(PaymentStatus after, payer_->lookup_payment(issued.payment_hash));
  ASSERT_EQ(after.state, PaymentState::kSucceeded);
  EXPECT_EQ(after.payment->preimage, outcome.payment().preimage);

  const PayOutcome again = payer_->pay(pay_request(issued.bolt11));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.failure(), PayFailure::kAlreadyPaid);
}

TEST_F(DevnetBackendTest, RefusalsBecomePayFailures) {
  EXPECT_TRUE(
      HasError(receiver_->create_invoice({Msat(0), "zero", 600}), ErrorCode::kInvalidArgument));
  EXPECT_TRUE(HasError(receiver_->create_invoice({Msat(1'000), "no expiry", 0}),
                       ErrorCode::kInvalidArgument));
  const PayOutcome garbage = payer_->pay(pay_request("not an invoice"));
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.failure(), PayFailure::kInvalidInvoice);

  const IssuedInvoice big = issue(5'000'000);
  const PayOutcome poor = payer_->pay(pay_request(big.bolt11));
  ASSERT_FALSE(poor.ok());
  EXPECT_EQ(poor.failure(), PayFailure::kInsufficientBalance);
  ASSERT_OK_AND_ASSIGN(PaymentStatus status, payer_->lookup_payment(big.payment_hash));
  EXPECT_EQ(status.state, PaymentState::kFailed);
  EXPECT_EQ(status.failure, PayFailure::kInsufficientBalance);
}

TEST_F(DevnetBackendTest, AnotherAccountsInvoiceIsUnknownToTheBackend) {
  const IssuedInvoice issued = issue(1'000);
  EXPECT_TRUE(HasError(payer_->lookup_invoice(issued.payment_hash), ErrorCode::kNotFound));
}

TEST_F(DevnetBackendTest, SubscriptionReplaysThenDeliversLiveWithoutDuplicates) {
  const IssuedInvoice first = issue(1'000);
  const IssuedInvoice second = issue(2'000);
  ASSERT_TRUE(pay(first));
  ASSERT_TRUE(pay(second));

  SettlementRecorder recorder;
  ASSERT_OK_AND_ASSIGN(auto subscription, receiver_->subscribe_settlements(0, recorder.handler()));
  ASSERT_EQ(recorder.wait_for(2).size(), 2u);

  const IssuedInvoice third = issue(3'000);
  ASSERT_TRUE(pay(third));
  std::vector<InvoiceStatus> settled = recorder.wait_for(3);
  ASSERT_EQ(settled.size(), 3u);
  EXPECT_EQ(settled[0].payment_hash, first.payment_hash);
  EXPECT_EQ(settled[1].payment_hash, second.payment_hash);
  EXPECT_EQ(settled[2].payment_hash, third.payment_hash);
  EXPECT_EQ(settled[2].amount_paid, Msat(3'000));
  for (std::size_t i = 0; i < settled.size(); ++i) {
    EXPECT_EQ(settled[i].settle_index, i + 1);
    EXPECT_EQ(settled[i].state, InvoiceState::kSettled);
  }
  EXPECT_TRUE(subscription->connected());
  EXPECT_EQ(recorder.wait_for(4, 200ms).size(), 3u) << "nothing is delivered twice";
}

TEST_F(DevnetBackendTest, SubscriptionResumesAfterTheGivenIndex) {
  const IssuedInvoice first = issue(1'000);
  const IssuedInvoice second = issue(2'000);
  ASSERT_TRUE(pay(first));
  ASSERT_TRUE(pay(second));
  SettlementRecorder recorder;
  ASSERT_OK_AND_ASSIGN(auto subscription, receiver_->subscribe_settlements(1, recorder.handler()));
  std::vector<InvoiceStatus> settled = recorder.wait_for(2, 300ms);
  ASSERT_EQ(settled.size(), 1u);
  EXPECT_EQ(settled[0].payment_hash, second.payment_hash);
}

TEST_F(DevnetBackendTest, SettlementsDuringTheReplayAreDeliveredOnceInOrder) {
  // Many settlements before and while the subscription starts: each index exactly once.
  constexpr std::size_t kBefore = 300;  // more than one replay batch
  constexpr std::size_t kDuring = 100;
  std::vector<IssuedInvoice> invoices;
  for (std::size_t i = 0; i < kBefore + kDuring; ++i) invoices.push_back(issue(1'000));
  for (std::size_t i = 0; i < kBefore; ++i)
    ASSERT_TRUE(payer_->pay(pay_request(invoices[i].bolt11)).ok());

  SettlementRecorder recorder;
  std::thread paying([&] {
    auto rich = open_devnet_backend(*node_, "rich");
    for (std::size_t i = kBefore; i < kBefore + kDuring; ++i) {
      EXPECT_TRUE(rich->pay(pay_request(invoices[i].bolt11)).ok());
    }
  });
  ASSERT_OK_AND_ASSIGN(auto subscription, receiver_->subscribe_settlements(0, recorder.handler()));
  paying.join();
  const std::vector<InvoiceStatus> settled = recorder.wait_for(kBefore + kDuring);
  ASSERT_EQ(settled.size(), kBefore + kDuring);
  for (std::size_t i = 0; i < settled.size(); ++i) EXPECT_EQ(settled[i].settle_index, i + 1);
  EXPECT_EQ(recorder.wait_for(kBefore + kDuring + 1, 200ms).size(), settled.size());
}

TEST_F(DevnetBackendTest, SubscriptionSkipsOtherAccountsSettlements) {
  auto payer_receiver = open_devnet_backend(*node_, "payer");
  SettlementRecorder recorder;
  ASSERT_OK_AND_ASSIGN(auto subscription, receiver_->subscribe_settlements(0, recorder.handler()));
  Result<IssuedInvoice> theirs = payer_receiver->create_invoice({Msat(1'000), "theirs", 600});
  ASSERT_OK(theirs);
  ASSERT_TRUE(open_devnet_backend(*node_, "rich")->pay(pay_request(theirs->bolt11)).ok());
  const IssuedInvoice mine = issue(1'000);
  ASSERT_TRUE(pay(mine));
  const std::vector<InvoiceStatus> settled = recorder.wait_for(1);
  ASSERT_EQ(settled.size(), 1u);
  EXPECT_EQ(settled[0].payment_hash, mine.payment_hash);
  EXPECT_EQ(recorder.wait_for(2, 200ms).size(), 1u);
}

TEST_F(DevnetBackendTest, DestroyedSubscriptionDeliversNothingMore) {
  std::atomic<int> calls{0};
  auto subscription = receiver_->subscribe_settlements(0, [&](const InvoiceStatus&) { ++calls; });
  ASSERT_OK(subscription);
  const IssuedInvoice first = issue(1'000);
  ASSERT_TRUE(pay(first));
  for (int i = 0; i < 200 && calls.load() < 1; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_EQ(calls.load(), 1);
  subscription->reset();
  const IssuedInvoice second = issue(1'000);
  ASSERT_TRUE(pay(second));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(calls.load(), 1);
}

}  // namespace
}  // namespace l402::test
