// Reading Core Lightning's results (shaped as doc/schemas/*.json describe them) and mapping
// its pay error codes.
#include "cln/cln_json.hpp"

#include <gtest/gtest.h>

#include <string>

#include "l402/bolt11.hpp"
#include "l402/encoding.hpp"
#include "l402/secret.hpp"
#include "result_matchers.hpp"

namespace l402::cln {
namespace {

using nlohmann::json;
using test::HasError;
using test::HasErrorMentioning;

const std::string kNodeId = "02" + std::string(64, 'a');

Hash256 filled(std::uint8_t byte) {
  Hash256 out{};
  out.fill(byte);
  return out;
}

std::string hex_of(const Hash256& hash) { return hex::encode(as_view(hash)); }

// A regtest invoice signed with a fixed test key.
std::string make_bolt11(const Hash256& payment_hash, std::uint64_t timestamp) {
  UnsignedInvoice invoice;
  invoice.network = Network::kRegtest;
  invoice.amount = Msat(1000);
  invoice.timestamp = timestamp;
  invoice.fields = {bolt11_field::payment_hash(payment_hash),
                    bolt11_field::payment_secret(filled(7)), bolt11_field::description("t")};
  const SecretBytes key(std::string(32, '\x01'));
  Result<std::string> text = encode_invoice(invoice, key);
  EXPECT_TRUE(text.ok());
  return text.ok() ? *text : std::string();
}

TEST(ParseMsat, ReadsIntegersAndLegacyMsatStrings) {
  ASSERT_OK_AND_ASSIGN(const Msat from_integer, parse_msat(json(123456), "amount_msat"));
  EXPECT_EQ(from_integer, Msat(123456));
  ASSERT_OK_AND_ASSIGN(const Msat from_string, parse_msat(json("123456msat"), "amount_msat"));
  EXPECT_EQ(from_string, Msat(123456));
  ASSERT_OK_AND_ASSIGN(const Msat largest, parse_msat(json(UINT64_MAX), "amount_msat"));
  EXPECT_EQ(largest, Msat(UINT64_MAX));
  ASSERT_OK_AND_ASSIGN(const Msat zero, parse_msat(json("0msat"), "amount_msat"));
  EXPECT_EQ(zero, Msat(0));
}

TEST(ParseMsat, RejectsEverythingElse) {
  for (const json& value :
       {json(-1), json(1.5), json("123"), json("123sat"), json("msat"), json("-5msat"),
        json("1 msat"), json("99999999999999999999msat"), json(nullptr), json::array()}) {
    EXPECT_TRUE(
        HasErrorMentioning(parse_msat(value, "amount_msat"), ErrorCode::kInternal, "amount_msat"))
        << value.dump();
  }
}

json getinfo_result() {
  // The required fields of getinfo.json, with values of our own.
  return {{"id", kNodeId},
          {"alias", "node-a"},
          {"color", "02aaaa"},
          {"num_peers", 1},
          {"num_pending_channels", 0},
          {"num_active_channels", 1},
          {"num_inactive_channels", 0},
          {"address", json::array()},
          {"binding", json::array({{{"type", "local socket"}, {"socket", "lightning-rpc"}}})},
          {"version", "v24.11.1"},
          {"blockheight", 812345},
          {"network", "regtest"},
          {"fees_collected_msat", 0},
          {"lightning-dir", "/home/ln/.lightning/regtest"}};
}

TEST(ParseGetinfo, ReadsTheSchemaFields) {
  ASSERT_OK_AND_ASSIGN(const NodeInfo info, parse_getinfo(getinfo_result()));
  EXPECT_EQ(info.implementation, "cln");
  EXPECT_EQ(info.alias, "node-a");
  EXPECT_EQ(info.version, "v24.11.1");
  EXPECT_EQ(info.block_height, 812345u);
  EXPECT_EQ(info.network, Network::kRegtest);
  EXPECT_TRUE(info.synced_to_chain);
  EXPECT_EQ(info.node_id[0], 0x02);
  EXPECT_EQ(info.node_id[32], 0xaa);
}

TEST(ParseGetinfo, IsNotSyncedWhileASyncWarningIsPresent) {
  for (const char* warning : {"warning_bitcoind_sync", "warning_lightningd_sync"}) {
    json result = getinfo_result();
    result[warning] = "Still loading latest blocks from bitcoind.";
    ASSERT_OK_AND_ASSIGN(const NodeInfo info, parse_getinfo(result));
    EXPECT_FALSE(info.synced_to_chain) << warning;
  }
}

TEST(ParseGetinfo, MapsNetworkNames) {
  const struct {
    const char* name;
    Network network;
  } cases[] = {{"bitcoin", Network::kBitcoin},
               {"testnet", Network::kTestnet},
               {"testnet4", Network::kTestnet},
               {"signet", Network::kSignet},
               {"regtest", Network::kRegtest}};
  for (const auto& c : cases) {
    json result = getinfo_result();
    result["network"] = c.name;
    ASSERT_OK_AND_ASSIGN(const NodeInfo info, parse_getinfo(result));
    EXPECT_EQ(info.network, c.network) << c.name;
  }
  json result = getinfo_result();
  result["network"] = "liquid";
  EXPECT_TRUE(HasError(parse_getinfo(result), ErrorCode::kInternal));
}

TEST(ParseGetinfo, RejectsMissingOrIllTypedFields) {
  for (const char* field : {"id", "alias", "version", "blockheight", "network"}) {
    json result = getinfo_result();
    result.erase(field);
    EXPECT_TRUE(HasErrorMentioning(parse_getinfo(result), ErrorCode::kInternal, field)) << field;
  }
  json result = getinfo_result();
  result["id"] = "02abcd";
  EXPECT_TRUE(HasError(parse_getinfo(result), ErrorCode::kInternal));
  result = getinfo_result();
  result["blockheight"] = "812345";
  EXPECT_TRUE(HasError(parse_getinfo(result), ErrorCode::kInternal));
}

json unpaid_invoice(const Hash256& hash) {
  return {{"label", "l402-00"},           {"bolt11", make_bolt11(hash, 1'700'000'000)},
          {"payment_hash", hex_of(hash)}, {"amount_msat", 1000},
          {"status", "unpaid"},           {"description", "t"},
          {"expires_at", 1'700'003'600},  {"created_index", 3}};
}

TEST(ParseInvoice, ReadsAnUnpaidInvoiceWithCreationTimeFromTheBolt11) {
  const Hash256 hash = filled(0x11);
  ASSERT_OK_AND_ASSIGN(const InvoiceStatus status, parse_invoice(unpaid_invoice(hash)));
  EXPECT_EQ(status.payment_hash, hash);
  EXPECT_EQ(status.state, InvoiceState::kOpen);
  EXPECT_EQ(status.amount, Msat(1000));
  EXPECT_EQ(status.amount_paid, Msat(0));
  EXPECT_EQ(status.created_at, 1'700'000'000u);
  EXPECT_EQ(status.settle_index, 0u);
  EXPECT_FALSE(status.bolt11.empty());
}

TEST(ParseInvoice, ReadsAPaidInvoiceInBothMsatForms) {
  for (const bool legacy : {false, true}) {
    const Hash256 hash = filled(0x22);
    json invoice = unpaid_invoice(hash);
    invoice["status"] = "paid";
    invoice["pay_index"] = 7;
    invoice["paid_at"] = 1'700'000'100;
    invoice["payment_preimage"] = hex_of(filled(0x33));
    invoice["amount_msat"] = legacy ? json("1000msat") : json(1000);
    invoice["amount_received_msat"] = legacy ? json("1200msat") : json(1200);
    invoice["updated_index"] = 2;
    ASSERT_OK_AND_ASSIGN(const InvoiceStatus status, parse_invoice(invoice));
    EXPECT_EQ(status.state, InvoiceState::kSettled);
    EXPECT_EQ(status.amount, Msat(1000));
    EXPECT_EQ(status.amount_paid, Msat(1200));
    EXPECT_EQ(status.settled_at, 1'700'000'100u);
    EXPECT_EQ(status.settle_index, 7u);
  }
}

TEST(ParseInvoice, ReadsExpiredAndAnyAmountInvoices) {
  json invoice = unpaid_invoice(filled(0x44));
  invoice["status"] = "expired";
  invoice.erase("amount_msat");
  ASSERT_OK_AND_ASSIGN(const InvoiceStatus status, parse_invoice(invoice));
  EXPECT_EQ(status.state, InvoiceState::kExpired);
  EXPECT_FALSE(status.amount.has_value());
}

TEST(ParseInvoice, RejectsAPaidInvoiceWithoutPaymentFields) {
  for (const char* field : {"pay_index", "paid_at", "amount_received_msat"}) {
    json invoice = unpaid_invoice(filled(0x55));
    invoice["status"] = "paid";
    invoice["pay_index"] = 1;
    invoice["paid_at"] = 1;
    invoice["amount_received_msat"] = 1000;
    invoice.erase(field);
    EXPECT_TRUE(HasErrorMentioning(parse_invoice(invoice), ErrorCode::kInternal, field));
  }
  json invoice = unpaid_invoice(filled(0x55));
  invoice["status"] = "refunded";
  EXPECT_TRUE(HasError(parse_invoice(invoice), ErrorCode::kInternal));
}

TEST(ParseListinvoices, FindsTheInvoiceOrReportsNotFound) {
  const Hash256 hash = filled(0x66);
  const json result = {{"invoices", json::array({unpaid_invoice(hash)})}};
  ASSERT_OK_AND_ASSIGN(const InvoiceStatus status, parse_listinvoices(result, hash));
  EXPECT_EQ(status.payment_hash, hash);
  EXPECT_TRUE(HasError(parse_listinvoices(result, filled(0x67)), ErrorCode::kNotFound));
  EXPECT_TRUE(
      HasError(parse_listinvoices({{"invoices", json::array()}}, hash), ErrorCode::kNotFound));
  EXPECT_TRUE(HasError(parse_listinvoices(json::object(), hash), ErrorCode::kInternal));
}

TEST(ParsePayResult, ReadsXpayAndPayShapes) {
  const json xpay = {{"payment_preimage", hex_of(filled(1))},
                     {"failed_parts", 0},
                     {"successful_parts", 1},
                     {"amount_msat", 10000},
                     {"amount_sent_msat", 10012}};
  ASSERT_OK_AND_ASSIGN(const PayResult from_xpay, parse_pay_result(xpay));
  EXPECT_EQ(from_xpay.preimage, filled(1));
  EXPECT_EQ(from_xpay.amount, Msat(10000));
  EXPECT_EQ(from_xpay.amount_sent, Msat(10012));
  EXPECT_EQ(from_xpay.status, "complete");

  const json pay = {{"payment_preimage", hex_of(filled(2))},
                    {"destination", kNodeId},
                    {"payment_hash", hex_of(sha256(as_view(filled(2))))},
                    {"created_at", 1700000000.5},
                    {"parts", 1},
                    {"amount_msat", "10000msat"},
                    {"amount_sent_msat", "10000msat"},
                    {"status", "pending"}};
  ASSERT_OK_AND_ASSIGN(const PayResult from_pay, parse_pay_result(pay));
  EXPECT_EQ(from_pay.status, "pending");
  EXPECT_EQ(from_pay.amount_sent, Msat(10000));
}

TEST(ParsePayResult, RejectsSentBelowAmountAndMissingFields) {
  json result = {
      {"payment_preimage", hex_of(filled(1))}, {"amount_msat", 10000}, {"amount_sent_msat", 9999}};
  EXPECT_TRUE(HasError(parse_pay_result(result), ErrorCode::kInternal));
  for (const char* field : {"payment_preimage", "amount_msat", "amount_sent_msat"}) {
    json partial = {
        {"payment_preimage", hex_of(filled(1))}, {"amount_msat", 1}, {"amount_sent_msat", 1}};
    partial.erase(field);
    EXPECT_TRUE(HasErrorMentioning(parse_pay_result(partial), ErrorCode::kInternal, field));
  }
}

json listpays_entry(const Hash256& preimage, const std::string& status) {
  json pay = {{"created_index", 1},       {"payment_hash", hex_of(sha256(as_view(preimage)))},
              {"status", status},         {"destination", kNodeId},
              {"created_at", 1700000000}, {"amount_sent_msat", 1010}};
  if (status == "complete") {
    pay["completed_at"] = 1700000001;
    pay["amount_msat"] = 1000;
    pay["preimage"] = hex_of(preimage);
    pay["number_of_parts"] = 1;
  }
  return pay;
}

TEST(ParseListpays, ACompletedAttemptWins) {
  const Hash256 preimage = filled(9);
  const Hash256 hash = sha256(as_view(preimage));
  const json result = {{"pays", json::array({listpays_entry(preimage, "failed"),
                                             listpays_entry(preimage, "complete")})}};
  ASSERT_OK_AND_ASSIGN(const PaymentStatus status, parse_listpays(result, hash));
  EXPECT_EQ(status.state, PaymentState::kSucceeded);
  ASSERT_TRUE(status.payment.has_value());
  EXPECT_EQ(status.payment->preimage, preimage);
  EXPECT_EQ(status.payment->amount, Msat(1000));
  EXPECT_EQ(status.payment->fee, Msat(10));
}

TEST(ParseListpays, ReportsPendingFailedAndUnknown) {
  const Hash256 preimage = filled(9);
  const Hash256 hash = sha256(as_view(preimage));
  ASSERT_OK_AND_ASSIGN(
      const PaymentStatus pending,
      parse_listpays({{"pays", json::array({listpays_entry(preimage, "failed"),
                                            listpays_entry(preimage, "pending")})}},
                     hash));
  EXPECT_EQ(pending.state, PaymentState::kInFlight);
  ASSERT_OK_AND_ASSIGN(
      const PaymentStatus failed,
      parse_listpays({{"pays", json::array({listpays_entry(preimage, "failed")})}}, hash));
  EXPECT_EQ(failed.state, PaymentState::kFailed);
  EXPECT_TRUE(failed.failure.has_value());
  ASSERT_OK_AND_ASSIGN(const PaymentStatus unknown,
                       parse_listpays({{"pays", json::array()}}, hash));
  EXPECT_EQ(unknown.state, PaymentState::kUnknown);
}

TEST(ParseListpays, RejectsAPreimageThatDoesNotMatch) {
  const Hash256 preimage = filled(9);
  json entry = listpays_entry(preimage, "complete");
  entry["preimage"] = hex_of(filled(8));
  EXPECT_TRUE(HasError(parse_listpays({{"pays", json::array({entry})}}, sha256(as_view(preimage))),
                       ErrorCode::kInternal));
}

TEST(PayFailureFromCode, FollowsTheCodeTable) {
  const struct {
    std::int64_t code;
    PayFailure failure;
  } cases[] = {
      {200, PayFailure::kAlreadyPaid},       {201, PayFailure::kAlreadyPaid},
      {219, PayFailure::kAlreadyPaid},       {205, PayFailure::kNoRoute},
      {206, PayFailure::kNoRoute},           {210, PayFailure::kNoRoute},
      {216, PayFailure::kNoRoute},           {220, PayFailure::kNoRoute},
      {207, PayFailure::kInvoiceExpired},    {215, PayFailure::kInsufficientBalance},
      {203, PayFailure::kRejected},          {204, PayFailure::kRejected},
      {209, PayFailure::kRejected},          {-1, PayFailure::kRejected},
      {-32602, PayFailure::kInvalidInvoice}, {-5, PayFailure::kUnavailable},
      {-4, PayFailure::kUnavailable},        {12345, PayFailure::kRejected},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(pay_failure_from_code(c.code), c.failure) << c.code;
  }
}

}  // namespace
}  // namespace l402::cln
