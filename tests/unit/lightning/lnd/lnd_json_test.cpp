// The codec against recorded LND responses (tests/data/lnd, README.md there names them).
#include "lnd/lnd_json.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "l402/encoding.hpp"
#include "result_matchers.hpp"

namespace l402::lnd {
namespace {

using test::HasError;
using test::HasErrorMentioning;

constexpr std::string_view kHashAHex =
    "ae216c2ef5247a3782c135efa279a3e4cdc61094270f5d2be58c6204b7a612c9";
constexpr std::string_view kHashBHex =
    "e0e77a507412b120f6ede61f62295b1a7b2ff19d3dcc8f7253e51663470c888e";
constexpr std::string_view kPreimageAHex =
    "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20";

std::string data(const std::string& name) {
  std::ifstream in(std::string(L402_TEST_DATA_DIR) + "/lnd/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<std::string> data_lines(const std::string& name) {
  std::istringstream in(data(name));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

Hash256 hash_of_hex(std::string_view text) {
  const std::string bytes = hex::decode(text).value();
  Hash256 hash{};
  std::copy(bytes.begin(), bytes.end(), hash.begin());
  return hash;
}

// ---- GetInfo ----------------------------------------------------------------------------

TEST(LndJsonGetInfo, MapsAMainnetNode) {
  ASSERT_OK_AND_ASSIGN(const NodeInfo info, parse_get_info(data("getinfo.json")));
  EXPECT_EQ(info.implementation, "lnd");
  EXPECT_EQ(info.version, "0.18.3-beta commit=v0.18.3-beta");
  EXPECT_EQ(info.alias, "alice");
  EXPECT_EQ(hex::encode(std::string_view(reinterpret_cast<const char*>(info.node_id.data()),
                                         info.node_id.size())),
            "03e7156ae33b0a208d0744199163177e909e80176e55d97a2f221ede0f934dd9ad");
  EXPECT_EQ(info.network, Network::kBitcoin);
  EXPECT_EQ(info.block_height, 850123u);
  EXPECT_TRUE(info.synced_to_chain);
}

TEST(LndJsonGetInfo, MapsTestnet4) {
  ASSERT_OK_AND_ASSIGN(const NodeInfo info, parse_get_info(data("getinfo_testnet4.json")));
  EXPECT_EQ(info.network, Network::kTestnet);
  EXPECT_FALSE(info.synced_to_chain);
  EXPECT_EQ(info.block_height, 73210u);
}

TEST(LndJsonGetInfo, ReadsTheChainListOfOldReleases) {
  ASSERT_OK_AND_ASSIGN(const NodeInfo info, parse_get_info(data("getinfo_v0_7.json")));
  EXPECT_EQ(info.network, Network::kTestnet);  // from the deprecated `testnet` flag
  ASSERT_OK_AND_ASSIGN(const LndVersion version, parse_version(info.version));
  EXPECT_FALSE(has_send_payment_v2(version));
}

TEST(LndJsonGetInfo, MapsEveryNetworkName) {
  const std::pair<const char*, Network> cases[] = {
      {"mainnet", Network::kBitcoin},  {"testnet", Network::kTestnet},
      {"testnet4", Network::kTestnet}, {"signet", Network::kSignet},
      {"regtest", Network::kRegtest},  {"simnet", Network::kSimnet}};
  for (const auto& [name, network] : cases) {
    nlohmann::json body = nlohmann::json::parse(data("getinfo.json"));
    body["chains"][0]["network"] = name;
    ASSERT_OK_AND_ASSIGN(const NodeInfo info, parse_get_info(body.dump()));
    EXPECT_EQ(info.network, network) << name;
  }
  nlohmann::json body = nlohmann::json::parse(data("getinfo.json"));
  body["chains"][0]["network"] = "litecoin-mainnet";
  EXPECT_TRUE(HasErrorMentioning(parse_get_info(body.dump()), ErrorCode::kInternal, "network"));
}

TEST(LndJsonGetInfo, RejectsABadPubkeyAsMalformed) {
  nlohmann::json body = nlohmann::json::parse(data("getinfo.json"));
  body["identity_pubkey"] = "03e7";
  EXPECT_TRUE(HasErrorMentioning(parse_get_info(body.dump()), ErrorCode::kInternal,
                                 "lnd: malformed response"));
}

TEST(LndJsonVersion, ParsesReleaseStrings) {
  ASSERT_OK_AND_ASSIGN(const LndVersion v1, parse_version("0.18.3-beta commit=v0.18.3-beta"));
  EXPECT_EQ(v1.major, 0u);
  EXPECT_EQ(v1.minor, 18u);
  EXPECT_EQ(v1.patch, 3u);
  EXPECT_TRUE(has_send_payment_v2(v1));
  ASSERT_OK_AND_ASSIGN(const LndVersion v2, parse_version("0.9.2-beta"));
  EXPECT_FALSE(has_send_payment_v2(v2));
  ASSERT_OK_AND_ASSIGN(const LndVersion v3, parse_version("0.10.0-beta.rc1"));
  EXPECT_TRUE(has_send_payment_v2(v3));
  ASSERT_OK_AND_ASSIGN(const LndVersion v4, parse_version("0.19.3-beta devnet"));
  EXPECT_TRUE(has_send_payment_v2(v4));
  EXPECT_TRUE(HasError(parse_version("devnet"), ErrorCode::kInvalidArgument));
  EXPECT_TRUE(HasError(parse_version(""), ErrorCode::kInvalidArgument));
}

// ---- AddInvoice and Invoice -------------------------------------------------------------

TEST(LndJsonAddInvoice, ReadsHashRequestAndIndex) {
  ASSERT_OK_AND_ASSIGN(const AddInvoiceResponse added,
                       parse_add_invoice_response(data("add_invoice.json")));
  EXPECT_EQ(added.payment_hash, hash_of_hex(kHashAHex));
  EXPECT_EQ(added.payment_request, "lnbcrt10u1pjexample");
  EXPECT_EQ(added.add_index, 42u);
}

TEST(LndJsonAddInvoice, RequiresAThirtyTwoByteHash) {
  EXPECT_TRUE(HasErrorMentioning(
      parse_add_invoice_response(R"({"r_hash":"AAEC","payment_request":"lnbc1"})"),
      ErrorCode::kInternal, "r_hash"));
  EXPECT_TRUE(HasErrorMentioning(parse_add_invoice_response(R"({"payment_request":"lnbc1"})"),
                                 ErrorCode::kInternal, "r_hash"));
}

TEST(LndJsonInvoice, MapsASettledInvoiceWithHtlcsHintsAndFeatures) {
  ASSERT_OK_AND_ASSIGN(const LndInvoice invoice, parse_invoice(data("invoice_settled_full.json")));
  const InvoiceStatus& status = invoice.status;
  EXPECT_EQ(status.payment_hash, hash_of_hex(kHashAHex));
  EXPECT_EQ(status.state, InvoiceState::kSettled);
  EXPECT_EQ(status.bolt11, "lnbc1u1pjexample");
  ASSERT_TRUE(status.amount.has_value());
  EXPECT_EQ(status.amount->value(), 100'000u);
  EXPECT_EQ(status.amount_paid.value(), 100'500u);  // overpaid: amt_paid_msat, not value
  EXPECT_EQ(status.created_at, 1'700'000'000u);
  EXPECT_EQ(status.settled_at, 1'700'000'042u);
  EXPECT_EQ(status.settle_index, 17u);
  EXPECT_EQ(invoice.add_index, 42u);
}

TEST(LndJsonInvoice, MapsAnOpenAnyAmountInvoice) {
  ASSERT_OK_AND_ASSIGN(const LndInvoice invoice,
                       parse_invoice(data("invoice_open_any_amount.json")));
  EXPECT_EQ(invoice.status.state, InvoiceState::kOpen);
  EXPECT_FALSE(invoice.status.amount.has_value());
  EXPECT_EQ(invoice.status.payment_hash, hash_of_hex(kHashBHex));
  EXPECT_EQ(invoice.status.settle_index, 0u);
  EXPECT_EQ(invoice.status.settled_at, 0u);
}

TEST(LndJsonInvoice, MapsCanceledAndAcceptedStates) {
  ASSERT_OK_AND_ASSIGN(const LndInvoice canceled, parse_invoice(data("invoice_canceled.json")));
  EXPECT_EQ(canceled.status.state, InvoiceState::kCanceled);
  EXPECT_EQ(canceled.status.amount->value(), 21'000u);
  ASSERT_OK_AND_ASSIGN(const LndInvoice held, parse_invoice(data("invoice_accepted_hold.json")));
  EXPECT_EQ(held.status.state, InvoiceState::kAccepted);
  EXPECT_EQ(held.status.settle_index, 0u);
}

TEST(LndJsonInvoice, ReadsAnAmpInvoice) {
  ASSERT_OK_AND_ASSIGN(const LndInvoice amp, parse_invoice(data("invoice_amp_settled.json")));
  EXPECT_EQ(amp.status.state, InvoiceState::kSettled);
  EXPECT_EQ(amp.status.amount_paid.value(), 7'000u);
  EXPECT_EQ(amp.status.settle_index, 18u);
  EXPECT_FALSE(amp.status.amount.has_value());
}

TEST(LndJsonInvoice, FallsBackToSatFieldsOfOldReleases) {
  ASSERT_OK_AND_ASSIGN(const LndInvoice old, parse_invoice(data("invoice_v0_4_settled.json")));
  EXPECT_EQ(old.status.state, InvoiceState::kSettled);  // no `state`: from `settled`
  EXPECT_EQ(old.status.amount->value(), 250'000u);      // `value` in sat
  EXPECT_EQ(old.status.amount_paid.value(), 250'000u);  // `amt_paid` in msat
  EXPECT_EQ(old.status.settle_index, 2u);
}

TEST(LndJsonInvoice, AcceptsNumbersForInt64AndEnumNumbers) {
  nlohmann::json body = nlohmann::json::parse(data("invoice_settled_full.json"));
  body["value_msat"] = 5000;
  body["settle_index"] = 9;
  body["state"] = 1;
  ASSERT_OK_AND_ASSIGN(const LndInvoice invoice, parse_invoice(body.dump()));
  EXPECT_EQ(invoice.status.amount->value(), 5000u);
  EXPECT_EQ(invoice.status.settle_index, 9u);
  EXPECT_EQ(invoice.status.state, InvoiceState::kSettled);
}

TEST(LndJsonInvoice, NamesTheBadField) {
  const char* mutations[][2] = {{"value_msat", "\"-5\""},
                                {"value_msat", "\"12x\""},
                                {"settle_index", "true"},
                                {"state", "\"PAID\""},
                                {"r_hash", "\"not base64!\""},
                                {"creation_date", "1.5"},
                                {"value_msat", "\"99999999999999999999999\""}};
  for (const auto& [field, value] : mutations) {
    nlohmann::json body = nlohmann::json::parse(data("invoice_settled_full.json"));
    body[field] = nlohmann::json::parse(value);
    EXPECT_TRUE(HasErrorMentioning(parse_invoice(body.dump()), ErrorCode::kInternal, field))
        << field << " = " << value;
  }
}

TEST(LndJsonInvoice, RejectsWhatIsNotAnObject) {
  for (const char* body : {"", "[]", "\"x\"", "{", "null", "{\"r_hash\":"}) {
    EXPECT_TRUE(
        HasErrorMentioning(parse_invoice(body), ErrorCode::kInternal, "lnd: malformed response"))
        << body;
  }
}

TEST(LndJsonListInvoices, ReadsAPage) {
  ASSERT_OK_AND_ASSIGN(const InvoicePage page, parse_invoice_page(data("list_invoices.json")));
  ASSERT_EQ(page.invoices.size(), 2u);
  EXPECT_EQ(page.last_index_offset, 2u);
  EXPECT_EQ(page.invoices[0].status.settle_index, 2u);
  EXPECT_EQ(page.invoices[1].status.settle_index, 1u);
  ASSERT_OK_AND_ASSIGN(const InvoicePage empty,
                       parse_invoice_page(R"({"invoices":[],"last_index_offset":"0"})"));
  EXPECT_TRUE(empty.invoices.empty());
}

// ---- Streams ----------------------------------------------------------------------------

TEST(LndJsonInvoiceStream, ReadsAddSettleAndATrailingError) {
  const std::vector<std::string> lines = data_lines("subscribe_stream.ndjson");
  ASSERT_EQ(lines.size(), 3u);
  ASSERT_OK_AND_ASSIGN(const auto added, parse_invoice_stream_line(lines[0]));
  ASSERT_TRUE(std::holds_alternative<LndInvoice>(added));
  EXPECT_EQ(std::get<LndInvoice>(added).status.state, InvoiceState::kOpen);
  EXPECT_EQ(std::get<LndInvoice>(added).add_index, 42u);
  ASSERT_OK_AND_ASSIGN(const auto settled, parse_invoice_stream_line(lines[1]));
  ASSERT_TRUE(std::holds_alternative<LndInvoice>(settled));
  EXPECT_EQ(std::get<LndInvoice>(settled).status.state, InvoiceState::kSettled);
  EXPECT_EQ(std::get<LndInvoice>(settled).status.settle_index, 17u);
  ASSERT_OK_AND_ASSIGN(const auto error, parse_invoice_stream_line(lines[2]));
  ASSERT_TRUE(std::holds_alternative<LndError>(error));
  EXPECT_EQ(std::get<LndError>(error).code, 14);
  EXPECT_EQ(std::get<LndError>(error).message, "transport is closing");
}

TEST(LndJsonInvoiceStream, RejectsALineWithNeitherResultNorError) {
  EXPECT_TRUE(HasError(parse_invoice_stream_line(R"({"foo":1})"), ErrorCode::kInternal));
  EXPECT_TRUE(HasError(parse_invoice_stream_line(R"({"result":{"state":"SETTLED"}})"),
                       ErrorCode::kInternal));  // no r_hash
}

TEST(LndJsonPaymentStream, ReadsInFlightThenSucceeded) {
  const std::vector<std::string> lines = data_lines("pay_stream_succeeded.ndjson");
  ASSERT_EQ(lines.size(), 2u);
  ASSERT_OK_AND_ASSIGN(const auto first, parse_payment_stream_line(lines[0]));
  const LndPayment& in_flight = std::get<LndPayment>(first);
  EXPECT_EQ(in_flight.status, LndPaymentStatus::kInFlight);
  EXPECT_EQ(in_flight.preimage, Hash256{});
  ASSERT_OK_AND_ASSIGN(const auto second, parse_payment_stream_line(lines[1]));
  const LndPayment& done = std::get<LndPayment>(second);
  EXPECT_EQ(done.status, LndPaymentStatus::kSucceeded);
  EXPECT_EQ(done.payment_hash, hash_of_hex(kHashAHex));
  EXPECT_EQ(done.preimage, hash_of_hex(kPreimageAHex));
  EXPECT_EQ(sha256(as_view(done.preimage)), done.payment_hash);
  EXPECT_EQ(done.value.value(), 100'000u);
  EXPECT_EQ(done.fee.value(), 1'000u);
  EXPECT_EQ(done.failure_reason, LndFailureReason::kNone);
}

TEST(LndJsonPaymentStream, ReadsAFailureReason) {
  const std::vector<std::string> lines = data_lines("pay_stream_failed_no_route.ndjson");
  ASSERT_OK_AND_ASSIGN(const auto item, parse_payment_stream_line(lines.at(0)));
  const LndPayment& failed = std::get<LndPayment>(item);
  EXPECT_EQ(failed.status, LndPaymentStatus::kFailed);
  EXPECT_EQ(failed.failure_reason, LndFailureReason::kNoRoute);
  EXPECT_EQ(failed.payment_hash, hash_of_hex(kHashBHex));
}

TEST(LndJsonPaymentStream, ReadsAnErrorAsTheLastLine) {
  const std::vector<std::string> lines = data_lines("pay_stream_error_last.ndjson");
  ASSERT_EQ(lines.size(), 2u);
  ASSERT_OK_AND_ASSIGN(const auto last, parse_payment_stream_line(lines[1]));
  ASSERT_TRUE(std::holds_alternative<LndError>(last));
  EXPECT_EQ(std::get<LndError>(last).message, "payment is in transition");
}

TEST(LndJsonPaymentStream, ReadsAnErrorInTheUnaryShape) {
  ASSERT_OK_AND_ASSIGN(const auto item, parse_payment_stream_line(data("error_already_paid.json")));
  ASSERT_TRUE(std::holds_alternative<LndError>(item));
  EXPECT_EQ(std::get<LndError>(item).code, 6);
}

TEST(LndJsonPaymentStream, RejectsAPreimageOfTheWrongLength) {
  nlohmann::json line = nlohmann::json::parse(data_lines("pay_stream_succeeded.ndjson").at(1));
  line["result"]["payment_preimage"] = "0102";
  EXPECT_TRUE(HasErrorMentioning(parse_payment_stream_line(line.dump()), ErrorCode::kInternal,
                                 "payment_preimage"));
}

// ---- SendPaymentSync ---------------------------------------------------------------------

TEST(LndJsonSendResponse, ReadsASuccessWithItsRoute) {
  ASSERT_OK_AND_ASSIGN(const SendResponse sent, parse_send_response(data("send_response_ok.json")));
  EXPECT_TRUE(sent.payment_error.empty());
  EXPECT_EQ(sent.preimage, hash_of_hex(kPreimageAHex));
  EXPECT_EQ(sent.payment_hash, hash_of_hex(kHashAHex));
  ASSERT_TRUE(sent.total_amount && sent.total_fees);
  EXPECT_EQ(sent.total_amount->value(), 251'000u);
  EXPECT_EQ(sent.total_fees->value(), 1'000u);
}

TEST(LndJsonSendResponse, ReadsAFailureOnHttp200) {
  ASSERT_OK_AND_ASSIGN(const SendResponse sent,
                       parse_send_response(data("send_response_failed.json")));
  EXPECT_EQ(sent.payment_error, "no_route");
  EXPECT_EQ(sent.preimage, Hash256{});
  EXPECT_FALSE(sent.total_amount.has_value());
}

// ---- Errors -----------------------------------------------------------------------------

TEST(LndJsonErrorBody, ReadsEveryShape) {
  const std::optional<LndError> not_found = parse_error_body(data("error_not_found.json"));
  ASSERT_TRUE(not_found.has_value());
  EXPECT_EQ(not_found->code, 5);
  EXPECT_EQ(not_found->message, "unable to locate invoice");
  const std::optional<LndError> v1 = parse_error_body(data("error_v1_gateway.json"));
  ASSERT_TRUE(v1.has_value());
  EXPECT_EQ(v1->code, 2);
  EXPECT_NE(v1->message.find("invoice expired"), std::string::npos);
  const std::optional<LndError> nested = parse_error_body(data("error_stream_shape.json"));
  ASSERT_TRUE(nested.has_value());
  EXPECT_NE(nested->message.find("not for current active network"), std::string::npos);
  const std::optional<LndError> text_only = parse_error_body(R"({"error":"bad request"})");
  ASSERT_TRUE(text_only.has_value());
  EXPECT_EQ(text_only->message, "bad request");
}

TEST(LndJsonErrorBody, IgnoresWhatIsNotAnLndError) {
  for (const char* body : {"", "<html>502 Bad Gateway</html>", "[]", "{}", "{\"foo\":1}"}) {
    EXPECT_FALSE(parse_error_body(body).has_value()) << body;
  }
}

// ---- Request bodies ---------------------------------------------------------------------

TEST(LndJsonRequests, AddInvoiceWritesInt64AsStrings) {
  const nlohmann::json body = nlohmann::json::parse(
      build_add_invoice_body(InvoiceRequest{Msat(1500), "L402 \"quoted\"", 600}));
  EXPECT_EQ(body, nlohmann::json::parse(
                      R"({"value_msat":"1500","memo":"L402 \"quoted\"","expiry":"600"})"));
}

TEST(LndJsonRequests, AddInvoiceNeverThrowsOnBadUtf8) {
  const std::string body = build_add_invoice_body(InvoiceRequest{Msat(1), "\xff\xfe", 1});
  EXPECT_FALSE(nlohmann::json::parse(body, nullptr, false).is_discarded());
}

TEST(LndJsonRequests, SendPaymentCarriesLimitsAndRoundsTheTimeoutUp) {
  PayRequest request;
  request.bolt11 = "lnbc1";
  request.max_fee = Msat(2500);
  request.timeout = std::chrono::milliseconds(1500);
  nlohmann::json body = nlohmann::json::parse(build_send_payment_body(request));
  EXPECT_EQ(body, nlohmann::json::parse(R"({"payment_request":"lnbc1","timeout_seconds":2,
      "fee_limit_msat":"2500","no_inflight_updates":true})"));
  request.timeout = std::chrono::milliseconds(0);
  request.amount = Msat(7000);
  body = nlohmann::json::parse(build_send_payment_body(request));
  EXPECT_EQ(body["timeout_seconds"], 1);
  EXPECT_EQ(body["amt_msat"], "7000");
}

TEST(LndJsonRequests, SendPaymentSyncUsesAFixedFeeLimit) {
  PayRequest request;
  request.bolt11 = "lnbc1";
  request.max_fee = Msat(10);
  const nlohmann::json body = nlohmann::json::parse(build_send_payment_sync_body(request));
  EXPECT_EQ(body, nlohmann::json::parse(
                      R"({"payment_request":"lnbc1","fee_limit":{"fixed_msat":"10"}})"));
}

}  // namespace
}  // namespace l402::lnd
