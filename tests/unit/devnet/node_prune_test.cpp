// DevnetNode: unpaid invoices long past their expiry are deleted, so that a gateway's
// challenges do not grow the node without bound.
#include <gtest/gtest.h>

#include "devnet_test_node.hpp"

namespace l402::test {
namespace {

using DevnetPrune = DevnetNodeTest;

constexpr std::uint64_t kDay = 24 * 3600;

TEST_F(DevnetPrune, OpenInvoicesExpiredOverADayAgoAreDeletedWhileAddingMore) {
  DevnetInvoiceRequest short_lived = request(1'000);
  short_lived.expiry_seconds = 60;
  std::vector<Hash256> stale;
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK_AND_ASSIGN(DevnetInvoice invoice, node_->add_invoice(short_lived));
    stale.push_back(invoice.status.payment_hash);
  }
  ASSERT_OK_AND_ASSIGN(DevnetInvoice paid, node_->add_invoice(short_lived));
  ASSERT_EQ(node_->pay("rich", pay_request(paid.status.bolt11))->status,
            DevnetPaymentStatus::kSucceeded);
  DevnetInvoiceRequest long_lived = request(1'000);
  long_lived.expiry_seconds = 7 * kDay;
  ASSERT_OK_AND_ASSIGN(DevnetInvoice kept, node_->add_invoice(long_lived));

  // Expired, but less than a day ago: kept.
  clock_.advance(kDay);
  for (int i = 0; i < 1'000; ++i) ASSERT_OK(node_->add_invoice(request(1'000)));
  EXPECT_TRUE(IsOk(node_->lookup_invoice(stale.front())));

  clock_.advance(120);
  for (int i = 0; i < 1'000; ++i) ASSERT_OK(node_->add_invoice(request(1'000)));
  for (const Hash256& hash : stale) {
    EXPECT_TRUE(HasError(node_->lookup_invoice(hash), ErrorCode::kNotFound));
  }
  EXPECT_EQ(node_->lookup_invoice(paid.status.payment_hash)->status.state, InvoiceState::kSettled);
  EXPECT_EQ(node_->lookup_invoice(kept.status.payment_hash)->status.state, InvoiceState::kOpen);
}

TEST_F(DevnetPrune, ReopeningDeletesLongExpiredOpenInvoicesAndKeepsIndexesIncreasing) {
  DevnetInvoiceRequest short_lived = request(1'000);
  short_lived.expiry_seconds = 60;
  ASSERT_OK_AND_ASSIGN(DevnetInvoice stale, node_->add_invoice(short_lived));
  ASSERT_OK_AND_ASSIGN(DevnetInvoice last, node_->add_invoice(short_lived));
  node_.reset();
  clock_.advance(2 * kDay);
  ASSERT_OK_AND_ASSIGN(node_, DevnetNode::open(options()));
  EXPECT_TRUE(HasError(node_->lookup_invoice(stale.status.payment_hash), ErrorCode::kNotFound));
  EXPECT_TRUE(HasError(node_->lookup_invoice(last.status.payment_hash), ErrorCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(DevnetInvoice next, node_->add_invoice(request(1'000)));
  EXPECT_EQ(next.add_index, last.add_index + 1) << "add indexes are never reused";
}

}  // namespace
}  // namespace l402::test
