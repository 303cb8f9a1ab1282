// DevnetNode: paying invoices, and refusing as LND would.
#include <gtest/gtest.h>

#include <string>

#include "devnet_test_node.hpp"
#include "l402/bolt11.hpp"
#include "test_bytes.hpp"
#include "test_invoice_source.hpp"

namespace l402::test {
namespace {

using DevnetPay = DevnetNodeTest;

// The node's fee for `amount` with the fixture's options (1000 msat + 1 %, rounded up).
Msat fee_for(std::uint64_t amount) { return Msat(1'000 + (amount * 10'000 + 999'999) / 1'000'000); }

// An invoice signed by a key that is not the node's.
std::string foreign_invoice(Network network, std::uint64_t timestamp) {
  Hash256 preimage{};
  preimage.fill(3);
  Hash256 secret{};
  secret.fill(4);
  UnsignedInvoice invoice;
  invoice.network = network;
  invoice.amount = Msat(5'000);
  invoice.timestamp = timestamp;
  invoice.fields = {bolt11_field::payment_hash(sha256(as_view(preimage))),
                    bolt11_field::payment_secret(secret), bolt11_field::description("elsewhere"),
                    bolt11_field::expiry(3600)};
  return encode_invoice(invoice, SecretBytes(from_hex(kTestNodeKeyHex))).value();
}

TEST_F(DevnetPay, PaymentSettlesTheInvoiceAndMovesBalancesExactly) {
  ASSERT_OK_AND_ASSIGN(DevnetInvoice invoice, node_->add_invoice(request(50'000)));
  ASSERT_OK_AND_ASSIGN(const Msat payer_before, node_->balance("payer"));
  ASSERT_OK_AND_ASSIGN(const Msat payee_before, node_->balance("default"));

  clock_.advance(5);
  ASSERT_OK_AND_ASSIGN(DevnetPayment payment,
                       node_->pay("payer", pay_request(invoice.status.bolt11)));
  ASSERT_EQ(payment.status, DevnetPaymentStatus::kSucceeded) << payment.failure_message;
  EXPECT_EQ(sha256(as_view(payment.preimage)), invoice.status.payment_hash);
  EXPECT_EQ(payment.payment_hash, invoice.status.payment_hash);
  EXPECT_EQ(payment.amount, Msat(50'000));
  EXPECT_EQ(payment.fee, fee_for(50'000));
  EXPECT_EQ(payment.fee, Msat(1'500));
  EXPECT_EQ(payment.payment_index, 1u);
  EXPECT_FALSE(payment.failure.has_value());

  EXPECT_EQ(node_->balance("payer").value(), Msat(payer_before.value() - 51'500));
  EXPECT_EQ(node_->balance("default").value(), Msat(payee_before.value() + 50'000));

  ASSERT_OK_AND_ASSIGN(DevnetInvoice settled, node_->lookup_invoice(invoice.status.payment_hash));
  EXPECT_EQ(settled.status.state, InvoiceState::kSettled);
  EXPECT_EQ(settled.status.amount_paid, Msat(50'000));
  EXPECT_EQ(settled.status.settled_at, kStartTime + 5);
  EXPECT_EQ(settled.status.settle_index, 1u);

  ASSERT_OK_AND_ASSIGN(DevnetPayment looked_up,
                       node_->lookup_payment("payer", invoice.status.payment_hash));
  EXPECT_EQ(looked_up.status, DevnetPaymentStatus::kSucceeded);
  EXPECT_EQ(looked_up.preimage, payment.preimage);
  EXPECT_EQ(looked_up.fee, payment.fee);
}

TEST_F(DevnetPay, AnAccountMayPayItsOwnInvoiceAndPaysOnlyTheFee) {
  ASSERT_OK_AND_ASSIGN(DevnetInvoice invoice, node_->add_invoice(request(10'000, "payer")));
  ASSERT_OK_AND_ASSIGN(DevnetPayment payment,
                       node_->pay("payer", pay_request(invoice.status.bolt11)));
  ASSERT_EQ(payment.status, DevnetPaymentStatus::kSucceeded) << payment.failure_message;
  EXPECT_EQ(node_->balance("payer").value(), Msat(1'000'000 - fee_for(10'000).value()));
}

TEST_F(DevnetPay, AnyAmountInvoiceTakesTheAmountOfTheRequest) {
  DevnetInvoiceRequest req = request(0);
  req.amount.reset();
  ASSERT_OK_AND_ASSIGN(DevnetInvoice invoice, node_->add_invoice(req));

  ASSERT_OK_AND_ASSIGN(DevnetPayment missing,
                       node_->pay("payer", pay_request(invoice.status.bolt11)));
  EXPECT_EQ(missing.failure, PayFailure::kInvalidInvoice);
  EXPECT_EQ(missing.failure_message, "amount must be specified when paying a zero amount invoice");

  PayRequest with_amount = pay_request(invoice.status.bolt11);
  with_amount.amount = Msat(7'000);
  ASSERT_OK_AND_ASSIGN(DevnetPayment payment, node_->pay("payer", with_amount));
  ASSERT_EQ(payment.status, DevnetPaymentStatus::kSucceeded) << payment.failure_message;
  EXPECT_EQ(payment.amount, Msat(7'000));
  EXPECT_EQ(node_->lookup_invoice(invoice.status.payment_hash)->status.amount_paid, Msat(7'000));
}

TEST_F(DevnetPay, AmountForAFixedAmountInvoiceIsRefused) {
  ASSERT_OK_AND_ASSIGN(DevnetInvoice invoice, node_->add_invoice(request(5'000)));
  PayRequest with_amount = pay_request(invoice.status.bolt11);
  with_amount.amount = Msat(5'000);
  ASSERT_OK_AND_ASSIGN(DevnetPayment payment, node_->pay("payer", with_amount));
  EXPECT_EQ(payment.status, DevnetPaymentStatus::kFailed);
  EXPECT_EQ(payment.failure, PayFailure::kInvalidInvoice);
  EXPECT_EQ(payment.failure_message,
            "amount must not be specified when paying a non-zero amount invoice");
}

TEST_F(DevnetPay, SecondPaymentIsRefusedAsAlreadyPaidAndNotCharged) {
  ASSERT_OK_AND_ASSIGN(DevnetInvoice invoice, node_->add_invoice(request(5'000)));
  ASSERT_OK_AND_ASSIGN(DevnetPayment first,
                       node_->pay("payer", pay_request(invoice.status.bolt11)));
  ASSERT_EQ(first.status, DevnetPaymentStatus::kSucceeded);
  ASSERT_OK_AND_ASSIGN(const Msat after_first, node_->balance("rich"));

  ASSERT_OK_AND_ASSIGN(DevnetPayment again, node_->pay("rich", pay_request(invoice.status.bolt11)));
  EXPECT_EQ(again.status, DevnetPaymentStatus::kFailed);
  EXPECT_EQ(again.failure, PayFailure::kAlreadyPaid);
  EXPECT_EQ(again.failure_message, "invoice is already paid");
  EXPECT_EQ(again.payment_index, 0u) << "a refusal before routing is not recorded";
  EXPECT_EQ(node_->balance("rich").value(), after_first);
  EXPECT_TRUE(
      HasError(node_->lookup_payment("rich", invoice.status.payment_hash), ErrorCode::kNotFound));
}

TEST_F(DevnetPay, ExpiredInvoiceIsRefusedWithItsExpiryTime) {
  DevnetInvoiceRequest req = request(5'000);
  req.expiry_seconds = 60;
  ASSERT_OK_AND_ASSIGN(DevnetInvoice invoice, node_->add_invoice(req));
  clock_.advance(60);
  ASSERT_OK_AND_ASSIGN(DevnetPayment payment,
                       node_->pay("payer", pay_request(invoice.status.bolt11)));
  EXPECT_EQ(payment.status, DevnetPaymentStatus::kFailed);
  EXPECT_EQ(payment.failure, PayFailure::kInvoiceExpired);
  EXPECT_EQ(payment.failure_message, "invoice expired. Valid until 2023-11-14 22:14:20 +0000 UTC");
  EXPECT_EQ(node_->balance("payer").value(), Msat(1'000'000));
}

TEST_F(DevnetPay, InvoiceOneSecondBeforeExpiryIsPaid) {
  DevnetInvoiceRequest req = request(5'000);
  req.expiry_seconds = 60;
  ASSERT_OK_AND_ASSIGN(DevnetInvoice invoice, node_->add_invoice(req));
  clock_.advance(59);
  ASSERT_OK_AND_ASSIGN(DevnetPayment payment,
                       node_->pay("payer", pay_request(invoice.status.bolt11)));
  EXPECT_EQ(payment.status, DevnetPaymentStatus::kSucceeded) << payment.failure_message;
}

TEST_F(DevnetPay, InvoiceOfAnotherNodeHasNoRouteAndIsRecorded) {
  const std::string invoice = foreign_invoice(Network::kRegtest, kStartTime);
  ASSERT_OK_AND_ASSIGN(DevnetPayment payment, node_->pay("payer", pay_request(invoice)));
  EXPECT_EQ(payment.status, DevnetPaymentStatus::kFailed);
  EXPECT_EQ(payment.failure, PayFailure::kNoRoute);
  EXPECT_GT(payment.payment_index, 0u);
  ASSERT_OK_AND_ASSIGN(DevnetPayment recorded,
                       node_->lookup_payment("payer", payment.payment_hash));
  EXPECT_EQ(recorded.status, DevnetPaymentStatus::kFailed);
  EXPECT_EQ(recorded.failure, PayFailure::kNoRoute);
  EXPECT_EQ(node_->balance("payer").value(), Msat(1'000'000));
}

TEST_F(DevnetPay, MainnetInvoiceIsInvalidOnRegtest) {
  const std::string invoice = foreign_invoice(Network::kBitcoin, kStartTime);
  ASSERT_OK_AND_ASSIGN(DevnetPayment payment, node_->pay("payer", pay_request(invoice)));
  EXPECT_EQ(payment.failure, PayFailure::kInvalidInvoice);
  EXPECT_EQ(payment.failure_message, "invoice not for current active network 'regtest'");
  EXPECT_EQ(payment.payment_index, 0u);
}

TEST_F(DevnetPay, FeeAboveTheLimitFindsNoRouteAndTheLimitItselfIsEnough) {
  ASSERT_OK_AND_ASSIGN(DevnetInvoice invoice, node_->add_invoice(request(100'000)));
  const Msat fee = fee_for(100'000);
  ASSERT_OK_AND_ASSIGN(
      DevnetPayment refused,
      node_->pay("payer", pay_request(invoice.status.bolt11, Msat(fee.value() - 1))));
  EXPECT_EQ(refused.failure, PayFailure::kNoRoute);
  EXPECT_EQ(refused.failure_message, "no route within the fee limit");
  EXPECT_GT(refused.payment_index, 0u);

  ASSERT_OK_AND_ASSIGN(DevnetPayment paid,
                       node_->pay("payer", pay_request(invoice.status.bolt11, fee)));
  EXPECT_EQ(paid.status, DevnetPaymentStatus::kSucceeded) << paid.failure_message;
  EXPECT_EQ(paid.fee, fee);
}

TEST_F(DevnetPay, PaymentBeyondTheBalanceIsRefusedAndLeavesTheInvoiceOpen) {
  // 990'000 + fee (10'900) exceeds the payer's 1'000'000.
  ASSERT_OK_AND_ASSIGN(DevnetInvoice invoice, node_->add_invoice(request(990'000)));
  ASSERT_OK_AND_ASSIGN(DevnetPayment payment,
                       node_->pay("payer", pay_request(invoice.status.bolt11)));
  EXPECT_EQ(payment.failure, PayFailure::kInsufficientBalance);
  EXPECT_GT(payment.payment_index, 0u);
  EXPECT_EQ(node_->balance("payer").value(), Msat(1'000'000));
  EXPECT_EQ(node_->lookup_invoice(invoice.status.payment_hash)->status.state, InvoiceState::kOpen);
}

TEST_F(DevnetPay, UnknownPayerAccountIsAnError) {
  ASSERT_OK_AND_ASSIGN(DevnetInvoice invoice, node_->add_invoice(request(1'000)));
  EXPECT_TRUE(
      HasError(node_->pay("nobody", pay_request(invoice.status.bolt11)), ErrorCode::kNotFound));
  EXPECT_TRUE(HasError(node_->balance("nobody"), ErrorCode::kNotFound));
}

TEST_F(DevnetPay, TextThatIsNotAnInvoiceIsAnError) {
  EXPECT_TRUE(HasError(node_->pay("payer", pay_request("lnbcrt1notaninvoice")),
                       ErrorCode::kInvalidArgument));
}

TEST_F(DevnetPay, InvoiceTheNodeNoLongerKnowsHasIncorrectPaymentDetails) {
  // Signed with the node's key (by a node with the same key, reopened elsewhere) but unknown
  // to this database: what the payee reports is "incorrect payment details".
  DevnetOptions twin = options("twin");
  std::filesystem::create_directories(twin.data_dir);
  std::filesystem::permissions(twin.data_dir, std::filesystem::perms::owner_all);
  std::filesystem::copy_file(node_->data_dir() / "node.key", twin.data_dir / "node.key");
  ASSERT_OK_AND_ASSIGN(auto twin_node, DevnetNode::open(twin));
  ASSERT_EQ(twin_node->info().node_id, node_->info().node_id);
  ASSERT_OK_AND_ASSIGN(DevnetInvoice invoice, twin_node->add_invoice(request(1'000)));

  ASSERT_OK_AND_ASSIGN(DevnetPayment payment,
                       node_->pay("payer", pay_request(invoice.status.bolt11)));
  EXPECT_EQ(payment.failure, PayFailure::kRejected);
  EXPECT_EQ(payment.failure_message, "incorrect payment details");
  EXPECT_GT(payment.payment_index, 0u);
}

TEST_F(DevnetPay, LookupReturnsTheLatestPaymentOfTheAccount) {
  ASSERT_OK_AND_ASSIGN(DevnetInvoice invoice, node_->add_invoice(request(100'000)));
  ASSERT_OK_AND_ASSIGN(DevnetPayment refused,
                       node_->pay("payer", pay_request(invoice.status.bolt11, Msat(0))));
  ASSERT_EQ(refused.failure, PayFailure::kNoRoute);
  ASSERT_OK_AND_ASSIGN(DevnetPayment paid, node_->pay("payer", pay_request(invoice.status.bolt11)));
  ASSERT_EQ(paid.status, DevnetPaymentStatus::kSucceeded);
  EXPECT_EQ(paid.payment_index, refused.payment_index + 1);
  ASSERT_OK_AND_ASSIGN(DevnetPayment latest,
                       node_->lookup_payment("payer", invoice.status.payment_hash));
  EXPECT_EQ(latest.payment_index, paid.payment_index);
  EXPECT_EQ(latest.status, DevnetPaymentStatus::kSucceeded);
  EXPECT_TRUE(
      HasError(node_->lookup_payment("rich", invoice.status.payment_hash), ErrorCode::kNotFound));
}

}  // namespace
}  // namespace l402::test
