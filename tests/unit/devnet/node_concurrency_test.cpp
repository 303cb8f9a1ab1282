// DevnetNode: many threads at once, and listeners seeing events in index order.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "devnet_test_node.hpp"

namespace l402::test {
namespace {

using DevnetConcurrency = DevnetNodeTest;

TEST_F(DevnetConcurrency, ThreadsAddingAndPayingGetUniqueInvoicesAndExactTotals) {
  constexpr int kThreads = 6;
  constexpr int kPerThread = 40;
  constexpr std::uint64_t kAmount = 1'000;
  const std::uint64_t fee = 1'000 + 10;  // base + 1 % of 1'000
  ASSERT_OK_AND_ASSIGN(const Msat rich_before, node_->balance("rich"));
  ASSERT_OK_AND_ASSIGN(const Msat default_before, node_->balance("default"));

  std::mutex mutex;
  std::set<Hash256> hashes;
  std::set<std::uint64_t> add_indexes;
  std::set<std::uint64_t> payment_indexes;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        Result<DevnetInvoice> invoice = node_->add_invoice(request(kAmount));
        if (!invoice.ok()) {
          ++failures;
          continue;
        }
        Result<DevnetPayment> payment = node_->pay("rich", pay_request(invoice->status.bolt11));
        if (!payment.ok() || payment->status != DevnetPaymentStatus::kSucceeded) {
          ++failures;
          continue;
        }
        std::lock_guard lock(mutex);
        hashes.insert(invoice->status.payment_hash);
        add_indexes.insert(invoice->add_index);
        payment_indexes.insert(payment->payment_index);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  constexpr std::size_t kTotal = kThreads * kPerThread;
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(hashes.size(), kTotal);
  EXPECT_EQ(add_indexes.size(), kTotal);
  EXPECT_EQ(*add_indexes.rbegin(), kTotal);
  EXPECT_EQ(payment_indexes.size(), kTotal);
  EXPECT_EQ(node_->balance("rich").value(), Msat(rich_before.value() - kTotal * (kAmount + fee)));
  EXPECT_EQ(node_->balance("default").value(), Msat(default_before.value() + kTotal * kAmount));
  ASSERT_OK_AND_ASSIGN(std::vector<DevnetInvoice> settled,
                       node_->invoices_settled_after(0, kTotal + 10));
  ASSERT_EQ(settled.size(), kTotal);
  for (std::size_t i = 0; i < settled.size(); ++i) EXPECT_EQ(settled[i].status.settle_index, i + 1);
}

TEST_F(DevnetConcurrency, ListenersSeeAddsAndSettlementsInIndexOrder) {
  std::mutex mutex;
  std::vector<std::uint64_t> added;
  std::vector<std::uint64_t> settled;
  const std::uint64_t id = node_->subscribe([&](const DevnetInvoice& invoice) {
    std::lock_guard lock(mutex);
    if (invoice.status.state == InvoiceState::kSettled) {
      settled.push_back(invoice.status.settle_index);
    } else {
      added.push_back(invoice.add_index);
    }
  });

  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        Result<DevnetInvoice> invoice = node_->add_invoice(request(1'000));
        if (invoice.ok() && i % 2 == 0)
          (void)node_->pay("rich", pay_request(invoice->status.bolt11));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  node_->unsubscribe(id);

  std::lock_guard lock(mutex);
  ASSERT_EQ(added.size(), static_cast<std::size_t>(kThreads * kPerThread));
  for (std::size_t i = 0; i < added.size(); ++i) EXPECT_EQ(added[i], i + 1);
  ASSERT_EQ(settled.size(), static_cast<std::size_t>(kThreads * kPerThread / 2));
  for (std::size_t i = 0; i < settled.size(); ++i) EXPECT_EQ(settled[i], i + 1);
}

TEST_F(DevnetConcurrency, ListenerMayReadTheNode) {
  std::atomic<int> found{0};
  const std::uint64_t id = node_->subscribe([&](const DevnetInvoice& invoice) {
    if (node_->lookup_invoice(invoice.status.payment_hash).ok()) ++found;
  });
  ASSERT_OK(node_->add_invoice(request(1'000)));
  node_->unsubscribe(id);
  EXPECT_EQ(found.load(), 1);
}

TEST_F(DevnetConcurrency, UnsubscribedListenerIsNotCalledAgain) {
  std::atomic<int> calls{0};
  const std::uint64_t id = node_->subscribe([&](const DevnetInvoice&) { ++calls; });
  ASSERT_OK(node_->add_invoice(request(1'000)));
  node_->unsubscribe(id);
  ASSERT_OK(node_->add_invoice(request(1'000)));
  EXPECT_EQ(calls.load(), 1);
}

}  // namespace
}  // namespace l402::test
