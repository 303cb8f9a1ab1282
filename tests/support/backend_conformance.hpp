// The conformance suite every Lightning backend passes: one set of cases, one instantiation
// per backend (devnet through our LND client over HTTPS, Core Lightning through its socket).
//
// A harness type H provides:
//   static std::unique_ptr<H> start();   // a fresh node, ready; nullptr with a gtest failure
//   Backend& receiver();                 // creates the invoices
//   Backend& payer();                    // pays them (may be the same node, another account)
//   Msat payer_balance() const;          // what the payer can spend at start
//   Msat routing_fee(Msat amount) const; // the fee the node charges to pay `amount`
//
// Each case starts its own node, so cases do not depend on each other's invoices.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "l402/bolt11.hpp"
#include "l402/crypto.hpp"
#include "l402/lightning.hpp"
#include "lightning_test_helpers.hpp"
#include "result_matchers.hpp"

namespace l402::test {

template <typename Harness>
class BackendConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    harness_ = Harness::start();
    ASSERT_NE(harness_, nullptr);
  }

  Backend& receiver() { return harness_->receiver(); }
  Backend& payer() { return harness_->payer(); }

  IssuedInvoice invoice(Msat amount, std::uint64_t expiry_seconds = 600,
                        std::string memo = "conformance") {
    InvoiceRequest request{amount, std::move(memo), expiry_seconds};
    Result<IssuedInvoice> issued = receiver().create_invoice(request);
    EXPECT_OK(issued);
    return issued.ok() ? *issued : IssuedInvoice{};
  }

  PayOutcome pay(const std::string& bolt11, Msat amount) {
    return payer().pay(pay_request(bolt11, harness_->routing_fee(amount)));
  }

  std::unique_ptr<Harness> harness_;
};

TYPED_TEST_SUITE_P(BackendConformanceTest);

TYPED_TEST_P(BackendConformanceTest, GetInfoReportsARegtestNodeThatSignsItsInvoices) {
  ASSERT_OK_AND_ASSIGN(NodeInfo info, this->receiver().get_info());
  EXPECT_EQ(info.network, Network::kRegtest);
  EXPECT_FALSE(info.version.empty());
  const IssuedInvoice issued = this->invoice(Msat(1000));
  ASSERT_OK_AND_ASSIGN(Invoice decoded, decode_invoice(issued.bolt11));
  EXPECT_EQ(decoded.payee, info.node_id);
}

TYPED_TEST_P(BackendConformanceTest, CreatedInvoiceCarriesTheRequestedTerms) {
  const IssuedInvoice issued = this->invoice(Msat(123'456), 900, "L402 access to /weather");
  ASSERT_OK_AND_ASSIGN(Invoice decoded, decode_invoice(issued.bolt11));
  EXPECT_EQ(decoded.network, Network::kRegtest);
  EXPECT_EQ(issued.bolt11.rfind("lnbcrt", 0), 0u);
  EXPECT_EQ(decoded.amount, Msat(123'456));
  EXPECT_EQ(decoded.description, "L402 access to /weather");
  EXPECT_EQ(decoded.expiry, 900u);
  EXPECT_EQ(decoded.payment_hash, issued.payment_hash);
  EXPECT_NE(decoded.payment_secret, Hash256{});
}

TYPED_TEST_P(BackendConformanceTest, NewInvoiceLooksUpOpenAndUnpaid) {
  const IssuedInvoice issued = this->invoice(Msat(5000));
  ASSERT_OK_AND_ASSIGN(InvoiceStatus status, this->receiver().lookup_invoice(issued.payment_hash));
  EXPECT_EQ(status.state, InvoiceState::kOpen);
  EXPECT_EQ(status.payment_hash, issued.payment_hash);
  EXPECT_EQ(status.amount, Msat(5000));
  EXPECT_EQ(status.amount_paid, Msat(0));
  EXPECT_EQ(status.settle_index, 0u);
  EXPECT_EQ(status.bolt11, issued.bolt11);
}

TYPED_TEST_P(BackendConformanceTest, UnknownInvoiceIsNotFound) {
  Hash256 unknown{};
  unknown.fill(0x42);
  EXPECT_TRUE(HasError(this->receiver().lookup_invoice(unknown), ErrorCode::kNotFound));
}

TYPED_TEST_P(BackendConformanceTest, InvalidInvoiceRequestsAreRefused) {
  EXPECT_TRUE(HasError(this->receiver().create_invoice({Msat(0), "zero", 600}),
                       ErrorCode::kInvalidArgument));
  EXPECT_TRUE(HasError(this->receiver().create_invoice({Msat(1000), "no expiry", 0}),
                       ErrorCode::kInvalidArgument));
}

TYPED_TEST_P(BackendConformanceTest, PayingSettlesTheInvoiceWithThePreimage) {
  const Msat amount(21'000);
  const IssuedInvoice issued = this->invoice(amount);
  const PayOutcome outcome = this->pay(issued.bolt11, amount);
  ASSERT_TRUE(outcome.ok()) << outcome.message();
  EXPECT_EQ(outcome.payment().payment_hash, issued.payment_hash);
  EXPECT_EQ(sha256(as_view(outcome.payment().preimage)), issued.payment_hash);
  EXPECT_EQ(outcome.payment().amount, amount);
  EXPECT_EQ(outcome.payment().fee, this->harness_->routing_fee(amount));

  ASSERT_OK_AND_ASSIGN(InvoiceStatus status, this->receiver().lookup_invoice(issued.payment_hash));
  EXPECT_EQ(status.state, InvoiceState::kSettled);
  EXPECT_EQ(status.amount_paid, amount);
  EXPECT_GT(status.settle_index, 0u);
  EXPECT_GT(status.settled_at, 0u);
}

TYPED_TEST_P(BackendConformanceTest, PayingTwiceIsRefusedAsAlreadyPaid) {
  const IssuedInvoice issued = this->invoice(Msat(3000));
  ASSERT_TRUE(this->pay(issued.bolt11, Msat(3000)).ok());
  const PayOutcome again = this->pay(issued.bolt11, Msat(3000));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.failure(), PayFailure::kAlreadyPaid) << again.message();
}

TYPED_TEST_P(BackendConformanceTest, ExpiredInvoiceIsRefused) {
  const IssuedInvoice issued = this->invoice(Msat(3000), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  const PayOutcome outcome = this->pay(issued.bolt11, Msat(3000));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure(), PayFailure::kInvoiceExpired) << outcome.message();
}

TYPED_TEST_P(BackendConformanceTest, InvoiceOfAnUnknownNodeHasNoRoute) {
  const PayOutcome outcome = this->pay(stranger_invoice(Network::kRegtest, Msat(5000)), Msat(5000));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure(), PayFailure::kNoRoute) << outcome.message();
}

TYPED_TEST_P(BackendConformanceTest, InvoiceForAnotherNetworkIsRefused) {
  const PayOutcome outcome = this->pay(stranger_invoice(Network::kBitcoin, Msat(5000)), Msat(5000));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure(), PayFailure::kInvalidInvoice) << outcome.message();
}

TYPED_TEST_P(BackendConformanceTest, PaymentBeyondTheBalanceIsRefused) {
  const Msat amount = this->harness_->payer_balance().checked_add(Msat(1000)).value();
  const IssuedInvoice issued = this->invoice(amount);
  const PayOutcome outcome = this->pay(issued.bolt11, amount);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure(), PayFailure::kInsufficientBalance) << outcome.message();
  ASSERT_OK_AND_ASSIGN(InvoiceStatus status, this->receiver().lookup_invoice(issued.payment_hash));
  EXPECT_EQ(status.state, InvoiceState::kOpen);
}

TYPED_TEST_P(BackendConformanceTest, FeeAboveTheLimitFindsNoRoute) {
  const Msat amount(50'000);
  const Msat fee = this->harness_->routing_fee(amount);
  ASSERT_GT(fee, Msat(0)) << "the harness must charge a fee for this case to mean anything";
  const IssuedInvoice issued = this->invoice(amount);
  const PayOutcome outcome = this->payer().pay(pay_request(issued.bolt11, Msat(fee.value() - 1)));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.failure(), PayFailure::kNoRoute) << outcome.message();
  // The same invoice within the limit goes through.
  EXPECT_TRUE(this->payer().pay(pay_request(issued.bolt11, fee)).ok());
}

TYPED_TEST_P(BackendConformanceTest, SubscriptionReplaysEarlierSettlementsThenFollowsNewOnes) {
  const IssuedInvoice first = this->invoice(Msat(1000));
  const IssuedInvoice second = this->invoice(Msat(2000));
  ASSERT_TRUE(this->pay(first.bolt11, Msat(1000)).ok());
  ASSERT_TRUE(this->pay(second.bolt11, Msat(2000)).ok());

  SettlementRecorder recorder;
  ASSERT_OK_AND_ASSIGN(auto subscription,
                       this->receiver().subscribe_settlements(0, recorder.handler()));
  std::vector<InvoiceStatus> settled = recorder.wait_for(2);
  ASSERT_EQ(settled.size(), 2u);

  const IssuedInvoice third = this->invoice(Msat(3000));
  ASSERT_TRUE(this->pay(third.bolt11, Msat(3000)).ok());
  settled = recorder.wait_for(3);
  ASSERT_EQ(settled.size(), 3u);
  EXPECT_EQ(settled[0].payment_hash, first.payment_hash);
  EXPECT_EQ(settled[1].payment_hash, second.payment_hash);
  EXPECT_EQ(settled[2].payment_hash, third.payment_hash);
  EXPECT_EQ(settled[2].amount_paid, Msat(3000));
  EXPECT_LT(settled[0].settle_index, settled[1].settle_index);
  EXPECT_LT(settled[1].settle_index, settled[2].settle_index);
  for (const InvoiceStatus& status : settled) EXPECT_EQ(status.state, InvoiceState::kSettled);
  EXPECT_TRUE(subscription->connected());
}

TYPED_TEST_P(BackendConformanceTest, SubscriptionResumesAfterTheIndexGiven) {
  const IssuedInvoice first = this->invoice(Msat(1000));
  const IssuedInvoice second = this->invoice(Msat(2000));
  ASSERT_TRUE(this->pay(first.bolt11, Msat(1000)).ok());
  ASSERT_TRUE(this->pay(second.bolt11, Msat(2000)).ok());
  ASSERT_OK_AND_ASSIGN(InvoiceStatus first_status,
                       this->receiver().lookup_invoice(first.payment_hash));

  SettlementRecorder recorder;
  ASSERT_OK_AND_ASSIGN(auto subscription, this->receiver().subscribe_settlements(
                                              first_status.settle_index, recorder.handler()));
  std::vector<InvoiceStatus> settled = recorder.wait_for(1);
  ASSERT_EQ(settled.size(), 1u);
  EXPECT_EQ(settled[0].payment_hash, second.payment_hash);
  // Nothing else arrives.
  EXPECT_EQ(recorder.wait_for(2, std::chrono::milliseconds(300)).size(), 1u);
}

TYPED_TEST_P(BackendConformanceTest, PaymentLookupTellsTheOutcomeOfAnEarlierPayment) {
  const IssuedInvoice issued = this->invoice(Msat(4000));
  ASSERT_OK_AND_ASSIGN(PaymentStatus before, this->payer().lookup_payment(issued.payment_hash));
  EXPECT_EQ(before.state, PaymentState::kUnknown);

  const PayOutcome outcome = this->pay(issued.bolt11, Msat(4000));
  ASSERT_TRUE(outcome.ok()) << outcome.message();
  ASSERT_OK_AND_ASSIGN(PaymentStatus after, this->payer().lookup_payment(issued.payment_hash));
  ASSERT_EQ(after.state, PaymentState::kSucceeded);
  ASSERT_TRUE(after.payment.has_value());
  EXPECT_EQ(after.payment->preimage, outcome.payment().preimage);
}

TYPED_TEST_P(BackendConformanceTest, ConcurrentCallersGetDistinctInvoicesAndPayments) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 10;
  std::mutex mutex;
  std::set<Hash256> hashes;
  std::atomic<int> paid{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        Result<IssuedInvoice> issued = this->receiver().create_invoice({Msat(1000), "load", 600});
        if (!issued.ok()) continue;
        {
          std::lock_guard lock(mutex);
          hashes.insert(issued->payment_hash);
        }
        if (this->pay(issued->bolt11, Msat(1000)).ok()) ++paid;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(hashes.size(), static_cast<std::size_t>(kThreads * kPerThread));
  EXPECT_EQ(paid.load(), kThreads * kPerThread);
}

REGISTER_TYPED_TEST_SUITE_P(BackendConformanceTest, GetInfoReportsARegtestNodeThatSignsItsInvoices,
                            CreatedInvoiceCarriesTheRequestedTerms, NewInvoiceLooksUpOpenAndUnpaid,
                            UnknownInvoiceIsNotFound, InvalidInvoiceRequestsAreRefused,
                            PayingSettlesTheInvoiceWithThePreimage,
                            PayingTwiceIsRefusedAsAlreadyPaid, ExpiredInvoiceIsRefused,
                            InvoiceOfAnUnknownNodeHasNoRoute, InvoiceForAnotherNetworkIsRefused,
                            PaymentBeyondTheBalanceIsRefused, FeeAboveTheLimitFindsNoRoute,
                            SubscriptionReplaysEarlierSettlementsThenFollowsNewOnes,
                            SubscriptionResumesAfterTheIndexGiven,
                            PaymentLookupTellsTheOutcomeOfAnEarlierPayment,
                            ConcurrentCallersGetDistinctInvoicesAndPayments);

}  // namespace l402::test
