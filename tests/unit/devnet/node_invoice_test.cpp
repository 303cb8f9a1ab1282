// DevnetNode: creating and looking up invoices.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "devnet_test_node.hpp"
#include "l402/bolt11.hpp"

namespace l402::test {
namespace {

using DevnetInvoices = DevnetNodeTest;

TEST_F(DevnetInvoices, CreatedInvoiceLooksUpOpenWithEveryField) {
  DevnetInvoiceRequest req = request(21'000);
  req.expiry_seconds = 900;
  req.cltv_expiry = 40;
  ASSERT_OK_AND_ASSIGN(DevnetInvoice created, node_->add_invoice(req));
  EXPECT_EQ(created.add_index, 1u);
  EXPECT_EQ(created.status.state, InvoiceState::kOpen);
  EXPECT_EQ(sha256(as_view(created.preimage)), created.status.payment_hash);

  ASSERT_OK_AND_ASSIGN(DevnetInvoice found, node_->lookup_invoice(created.status.payment_hash));
  EXPECT_EQ(found.status.bolt11, created.status.bolt11);
  EXPECT_EQ(found.status.state, InvoiceState::kOpen);
  EXPECT_EQ(found.status.amount, Msat(21'000));
  EXPECT_EQ(found.status.amount_paid, Msat(0));
  EXPECT_EQ(found.status.created_at, kStartTime);
  EXPECT_EQ(found.status.settle_index, 0u);
  EXPECT_EQ(found.account, "default");
  EXPECT_EQ(found.preimage, created.preimage);
  EXPECT_EQ(found.payment_addr, created.payment_addr);
  EXPECT_EQ(found.memo, "test invoice");
  EXPECT_EQ(found.expiry_seconds, 900u);
  EXPECT_EQ(found.cltv_expiry, 40u);
  EXPECT_EQ(found.add_index, 1u);
}

TEST_F(DevnetInvoices, InvoiceDecodesToTheRequestedTermsSignedByTheNode) {
  DevnetInvoiceRequest req = request(123'456);
  req.memo = "L402 access to /weather";
  req.expiry_seconds = 600;
  ASSERT_OK_AND_ASSIGN(DevnetInvoice created, node_->add_invoice(req));
  ASSERT_OK_AND_ASSIGN(Invoice decoded, decode_invoice(created.status.bolt11));
  EXPECT_EQ(created.status.bolt11.rfind("lnbcrt", 0), 0u);
  EXPECT_EQ(decoded.network, Network::kRegtest);
  EXPECT_EQ(decoded.amount, Msat(123'456));
  EXPECT_EQ(decoded.timestamp, kStartTime);
  EXPECT_EQ(decoded.payment_hash, created.status.payment_hash);
  EXPECT_EQ(decoded.payment_secret, created.payment_addr);
  EXPECT_EQ(decoded.description, "L402 access to /weather");
  EXPECT_FALSE(decoded.description_hash.has_value());
  EXPECT_EQ(decoded.expiry, 600u);
  EXPECT_EQ(decoded.min_final_cltv_expiry, 80u);
  EXPECT_EQ(decoded.features, (std::vector<std::uint32_t>{8, 14, 17}));
  EXPECT_EQ(decoded.payee, node_->info().node_id);
}

TEST_F(DevnetInvoices, DescriptionHashIsWrittenInsteadOfTheMemo) {
  DevnetInvoiceRequest req = request(1'000);
  req.memo = std::string(2'000 / 4, 'x');
  req.description_hash = sha256("a long description");
  ASSERT_OK_AND_ASSIGN(DevnetInvoice created, node_->add_invoice(req));
  ASSERT_OK_AND_ASSIGN(Invoice decoded, decode_invoice(created.status.bolt11));
  EXPECT_EQ(decoded.description_hash, sha256("a long description"));
  EXPECT_FALSE(decoded.description.has_value());
  ASSERT_OK_AND_ASSIGN(DevnetInvoice found, node_->lookup_invoice(created.status.payment_hash));
  EXPECT_EQ(found.description_hash, sha256("a long description"));
}

TEST_F(DevnetInvoices, AnyAmountInvoiceHasNoAmount) {
  DevnetInvoiceRequest req = request(0);
  req.amount.reset();
  ASSERT_OK_AND_ASSIGN(DevnetInvoice created, node_->add_invoice(req));
  ASSERT_OK_AND_ASSIGN(Invoice decoded, decode_invoice(created.status.bolt11));
  EXPECT_FALSE(decoded.amount.has_value());
  ASSERT_OK_AND_ASSIGN(DevnetInvoice found, node_->lookup_invoice(created.status.payment_hash));
  EXPECT_FALSE(found.status.amount.has_value());
}

TEST_F(DevnetInvoices, GivenPreimageIsUsedAndItsReuseIsRefused) {
  DevnetInvoiceRequest req = request(1'000);
  Hash256 preimage{};
  preimage.fill(0x5a);
  req.preimage = preimage;
  ASSERT_OK_AND_ASSIGN(DevnetInvoice created, node_->add_invoice(req));
  EXPECT_EQ(created.preimage, preimage);
  EXPECT_EQ(created.status.payment_hash, sha256(as_view(preimage)));
  EXPECT_TRUE(HasErrorMentioning(node_->add_invoice(req), ErrorCode::kAlreadyExists,
                                 "invoice with payment hash already exists"));
}

TEST_F(DevnetInvoices, AddIndexesIncreaseFromOne) {
  for (std::uint64_t i = 1; i <= 5; ++i) {
    ASSERT_OK_AND_ASSIGN(DevnetInvoice created, node_->add_invoice(request(1'000 * i)));
    EXPECT_EQ(created.add_index, i);
  }
  ASSERT_OK_AND_ASSIGN(std::vector<DevnetInvoice> after, node_->invoices_added_after(2, 2));
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].add_index, 3u);
  EXPECT_EQ(after[1].add_index, 4u);
}

TEST_F(DevnetInvoices, BadRequestsAreRefused) {
  EXPECT_TRUE(HasError(node_->add_invoice(request(0)), ErrorCode::kInvalidArgument));

  DevnetInvoiceRequest long_memo = request(1'000);
  long_memo.memo = std::string(640, 'm');
  EXPECT_TRUE(HasError(node_->add_invoice(long_memo), ErrorCode::kInvalidArgument));

  DevnetInvoiceRequest not_utf8 = request(1'000);
  not_utf8.memo = "\xff\xfe";
  EXPECT_TRUE(HasError(node_->add_invoice(not_utf8), ErrorCode::kInvalidArgument));

  DevnetInvoiceRequest no_expiry = request(1'000);
  no_expiry.expiry_seconds = 0;
  EXPECT_TRUE(HasError(node_->add_invoice(no_expiry), ErrorCode::kInvalidArgument));

  DevnetInvoiceRequest long_expiry = request(1'000);
  long_expiry.expiry_seconds = 365ull * 24 * 3600 + 1;
  EXPECT_TRUE(HasError(node_->add_invoice(long_expiry), ErrorCode::kInvalidArgument));

  DevnetInvoiceRequest high_cltv = request(1'000);
  high_cltv.cltv_expiry = 70'000;
  EXPECT_TRUE(HasError(node_->add_invoice(high_cltv), ErrorCode::kInvalidArgument));
}

TEST_F(DevnetInvoices, InvoiceForAnUnknownAccountIsRefused) {
  EXPECT_TRUE(HasError(node_->add_invoice(request(1'000, "nobody")), ErrorCode::kNotFound));
}

TEST_F(DevnetInvoices, UnknownInvoiceIsNotFound) {
  Hash256 unknown{};
  unknown.fill(1);
  EXPECT_TRUE(HasErrorMentioning(node_->lookup_invoice(unknown), ErrorCode::kNotFound,
                                 "unable to locate invoice"));
}

TEST_F(DevnetInvoices, ExpiredOpenInvoiceIsReportedCanceledAsLndDoes) {
  DevnetInvoiceRequest req = request(1'000);
  req.expiry_seconds = 60;
  ASSERT_OK_AND_ASSIGN(DevnetInvoice created, node_->add_invoice(req));
  clock_.advance(60);
  ASSERT_OK_AND_ASSIGN(DevnetInvoice found, node_->lookup_invoice(created.status.payment_hash));
  EXPECT_EQ(found.status.state, InvoiceState::kCanceled);
}

TEST_F(DevnetInvoices, InfoDescribesARegtestDevnetNode) {
  const NodeInfo info = node_->info();
  EXPECT_EQ(info.implementation, "devnet");
  EXPECT_EQ(info.alias, "l402-devnet");
  EXPECT_EQ(info.network, Network::kRegtest);
  EXPECT_TRUE(info.synced_to_chain);
  EXPECT_GE(info.block_height, 101u);
  EXPECT_FALSE(info.version.empty());
  EXPECT_NE(info.node_id, PublicKey{});
  clock_.advance(6'000);
  EXPECT_EQ(node_->info().block_height, info.block_height + 10);
}

}  // namespace
}  // namespace l402::test
