// SettlementRecorder against a real devnet node and SQLite store: the node's settlements of the
// gateway's own invoices reach the ledger once, from where the ledger left off; a node that
// is down at first is tried again after the retry interval.
#include "gateway/policy/settlement_recorder.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "gateway_test_env.hpp"
#include "l402/encoding.hpp"

namespace l402::gateway::test {
namespace {

using Clock = std::chrono::steady_clock;
using SettlementRecorderTest = GatewayTest;
using ::l402::test::HasError;

// Writes until the ledger holds `count` settlements (at most 10 s); the ledger's summary.
LedgerSummary write_until(SettlementRecorder& recorder, Store& store, std::uint64_t count) {
  LedgerSummary summary;
  for (int i = 0; i < 1'000; ++i) {
    EXPECT_TRUE(IsOk(recorder.write()));
    Result<LedgerSummary> now = store.summary();
    EXPECT_TRUE(IsOk(now));
    if (now.ok()) summary = *now;
    if (summary.settlements >= count) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return summary;
}

IssuedInvoice invoice(Backend& backend, std::uint64_t msat) {
  Result<IssuedInvoice> issued = backend.create_invoice(InvoiceRequest{Msat(msat), "test", 600});
  EXPECT_TRUE(IsOk(issued));
  return issued.ok() ? *issued : IssuedInvoice{};
}

void pay_invoice(Backend& payer, const IssuedInvoice& invoice) {
  PayRequest request;
  request.bolt11 = invoice.bolt11;
  request.max_fee = Msat(10'000);
  EXPECT_TRUE(payer.pay(request).ok());
}

TEST_F(SettlementRecorderTest, PaidInvoicesOfTheGatewaysChallengesAreRecordedOnceEach) {
  const IssuedInvoice challenged = invoice(*receiver_, 3'000);
  const IssuedChallenge challenge{TokenId{},   challenged.payment_hash, "demo", Msat(3'000),
                                  now_.load(), now_.load() + 600};
  ASSERT_TRUE(IsOk(store_->record_challenges({&challenge, 1})));
  const IssuedInvoice other = invoice(*receiver_, 5'000);  // not the gateway's
  pay_invoice(*payer_, challenged);
  pay_invoice(*payer_, other);

  {
    SettlementRecorder recorder(*receiver_, *store_);
    ASSERT_TRUE(IsOk(recorder.subscribe_if_due(Clock::now())));
    EXPECT_TRUE(recorder.subscribed());
    const LedgerSummary summary = write_until(recorder, *store_, 1);
    EXPECT_EQ(summary.settlements, 1u);
    EXPECT_EQ(summary.settled, Msat(3'000));
  }
  const Result<NodeInfo> info = receiver_->get_info();
  ASSERT_TRUE(IsOk(info));
  EXPECT_EQ(store_->settlements_through(hex::encode(info->node_id)).value(), 2u);

  // A restart resumes after the cursor: nothing is counted twice, new ones are counted.
  const IssuedInvoice later = invoice(*receiver_, 4'000);
  const IssuedChallenge second{TokenId{1},  later.payment_hash, "demo",
                               Msat(4'000), now_.load(),        now_.load() + 600};
  ASSERT_TRUE(IsOk(store_->record_challenges({&second, 1})));
  pay_invoice(*payer_, later);
  SettlementRecorder recorder(*receiver_, *store_);
  ASSERT_TRUE(IsOk(recorder.subscribe_if_due(Clock::now())));
  const LedgerSummary summary = write_until(recorder, *store_, 2);
  EXPECT_EQ(summary.settlements, 2u);
  EXPECT_EQ(summary.settled, Msat(7'000));
}

TEST_F(SettlementRecorderTest, NodeDownAtFirstIsTriedAgainAfterTheRetryInterval) {
  SwitchableBackend node(*receiver_);
  node.info_down = true;
  SettlementRecorder recorder(node, *store_);
  const Clock::time_point start = Clock::now();
  EXPECT_TRUE(HasError(recorder.subscribe_if_due(start), ErrorCode::kUnavailable));
  node.info_down = false;
  EXPECT_TRUE(IsOk(recorder.subscribe_if_due(start + std::chrono::seconds(1))));
  EXPECT_FALSE(recorder.subscribed()) << "tried again before the retry interval";
  EXPECT_TRUE(IsOk(recorder.subscribe_if_due(start + SettlementRecorder::kRetryInterval)));
  EXPECT_TRUE(recorder.subscribed());
}

}  // namespace
}  // namespace l402::gateway::test
