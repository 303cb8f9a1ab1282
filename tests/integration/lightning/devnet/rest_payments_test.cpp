// devnet's LND REST server paying: SendPaymentV2's stream and each failure reason, its
// refusals before streaming, TrackPaymentV2, and the legacy SendPaymentSync with its
// payment_error pitfall. Payments are made with the macaroon's account.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "l402/bolt11.hpp"
#include "l402/crypto.hpp"
#include "l402/encoding.hpp"
#include "rest_test_client.hpp"

namespace l402::test {
namespace {

using nlohmann::json;

const std::set<std::string> kPaymentFields = {"payment_hash",
                                              "value",
                                              "creation_date",
                                              "fee",
                                              "payment_preimage",
                                              "value_sat",
                                              "value_msat",
                                              "payment_request",
                                              "status",
                                              "fee_sat",
                                              "fee_msat",
                                              "creation_time_ns",
                                              "htlcs",
                                              "payment_index",
                                              "failure_reason",
                                              "first_hop_custom_records"};

const std::string kZeroPreimageHex(64, '0');

// An invoice signed by a key that is not the node's: there is no route to its payee.
std::string foreign_invoice(Network network, std::uint64_t msat, std::uint64_t timestamp) {
  UnsignedInvoice invoice;
  invoice.network = network;
  invoice.amount = Msat(msat);
  invoice.timestamp = timestamp;
  invoice.fields = {bolt11_field::payment_hash(sha256("foreign")),
                    bolt11_field::payment_secret(sha256("secret")),
                    bolt11_field::description("elsewhere")};
  return encode_invoice(invoice, SecretBytes(std::string(32, '\x05'))).value();
}

// The real node, with pay() answering a scripted failure when one is set: for the failure
// reasons a one-node network cannot produce (timeout, a payee's refusal, a broken store).
class ScriptedPayNode final : public DevnetNode {
 public:
  explicit ScriptedPayNode(DevnetNode& real) : real_(real) {}
  void fail_next_payments_with(PayFailure failure) { failure_ = failure; }

  NodeInfo info() const override { return real_.info(); }
  const std::filesystem::path& data_dir() const override { return real_.data_dir(); }
  std::filesystem::path macaroon_path(std::string_view account) const override {
    return real_.macaroon_path(account);
  }
  Result<std::string> authenticate(std::span<const std::uint8_t> macaroon) const override {
    return real_.authenticate(macaroon);
  }
  Result<DevnetInvoice> add_invoice(const DevnetInvoiceRequest& request) override {
    return real_.add_invoice(request);
  }
  Result<DevnetInvoice> lookup_invoice(const Hash256& payment_hash) const override {
    return real_.lookup_invoice(payment_hash);
  }
  Result<std::vector<DevnetInvoice>> invoices_added_after(std::uint64_t after,
                                                          std::size_t limit) const override {
    return real_.invoices_added_after(after, limit);
  }
  Result<std::vector<DevnetInvoice>> invoices_settled_after(std::uint64_t after,
                                                            std::size_t limit) const override {
    return real_.invoices_settled_after(after, limit);
  }
  std::uint64_t subscribe(InvoiceListener listener) override {
    return real_.subscribe(std::move(listener));
  }
  void unsubscribe(std::uint64_t id) override { real_.unsubscribe(id); }
  Result<DevnetPayment> pay(std::string_view account, const PayRequest& request) override {
    if (!failure_) return real_.pay(account, request);
    Result<Invoice> invoice = decode_invoice(request.bolt11);
    DevnetPayment payment;
    payment.account = std::string(account);
    payment.payment_hash = invoice.ok() ? invoice->payment_hash : Hash256{};
    payment.bolt11 = request.bolt11;
    payment.status = DevnetPaymentStatus::kFailed;
    payment.amount = invoice.ok() && invoice->amount ? *invoice->amount : Msat();
    payment.failure = failure_;
    payment.failure_message = "scripted";
    payment.created_at = 1'700'000'000;
    payment.payment_index = 99;
    return payment;
  }
  Result<DevnetPayment> lookup_payment(std::string_view account,
                                       const Hash256& payment_hash) const override {
    return real_.lookup_payment(account, payment_hash);
  }
  Result<Msat> balance(std::string_view account) const override { return real_.balance(account); }

 private:
  DevnetNode& real_;
  std::optional<PayFailure> failure_;
};

class DevnetRestPayments : public DevnetRestFixture {
 protected:
  DevnetNode& served_node() override {
    scripted_ = std::make_unique<ScriptedPayNode>(*node_);
    return *scripted_;
  }
  void TearDown() override { server_.reset(); }  // before the scripted node goes

  // A fresh invoice of the default account.
  json add_invoice(const json& request) {
    RestClient client(endpoint("default"));
    HttpResponse response = client.post_json("/v1/invoices", request);
    EXPECT_EQ(response.status, 200) << response.body;
    return response.json();
  }

  // POST /v2/router/send as `account`; the stream's lines (or the unary error in `error`).
  std::vector<json> send(const json& request, const std::string& account = "payer",
                         HttpResponse* error = nullptr) {
    RestClient client(endpoint(account));
    HttpResponse response = client.post_json("/v2/router/send", request);
    if (error != nullptr) *error = response;
    std::vector<json> lines;
    if (response.status != 200) return lines;
    std::size_t start = 0;
    std::size_t newline = 0;
    while ((newline = response.body.find('\n', start)) != std::string::npos) {
      lines.push_back(json::parse(response.body.substr(start, newline - start)));
      start = newline + 1;
    }
    EXPECT_EQ(start, response.body.size()) << "every line ends with a newline";
    return lines;
  }

  json final_line(const json& request, const std::string& account = "payer") {
    std::vector<json> lines = send(request, account);
    EXPECT_FALSE(lines.empty());
    return lines.empty() ? json() : lines.back()["result"];
  }

  std::unique_ptr<ScriptedPayNode> scripted_;
};

TEST_F(DevnetRestPayments, SendPaymentV2StreamsInFlightThenSucceeded) {
  const json invoice = add_invoice({{"value", "100"}, {"memo", "paid"}});
  std::vector<json> lines = send({{"payment_request", invoice["payment_request"]},
                                  {"fee_limit_sat", "10"},
                                  {"timeout_seconds", 60}});
  ASSERT_EQ(lines.size(), 2u);
  for (const json& line : lines) {
    EXPECT_EQ(keys_of(line), std::set<std::string>{"result"});
    EXPECT_EQ(keys_of(line["result"]), kPaymentFields);
  }
  const json& in_flight = lines[0]["result"];
  EXPECT_EQ(in_flight["status"], "IN_FLIGHT");
  EXPECT_EQ(in_flight["payment_preimage"], kZeroPreimageHex);
  EXPECT_EQ(in_flight["failure_reason"], "FAILURE_REASON_NONE");

  const json& done = lines[1]["result"];
  const std::string hash = base64::decode(invoice["r_hash"].get<std::string>()).value();
  EXPECT_EQ(done["status"], "SUCCEEDED");
  EXPECT_EQ(done["payment_hash"], hex::encode(hash));
  const std::string preimage = hex::decode(done["payment_preimage"].get<std::string>()).value();
  EXPECT_EQ(as_view(sha256(preimage)), hash);
  EXPECT_EQ(done["value_msat"], "100000");
  EXPECT_EQ(done["value_sat"], "100");
  EXPECT_EQ(done["value"], "100");
  // base 1000 msat + 1000 ppm of 100000 msat.
  EXPECT_EQ(done["fee_msat"], "1100");
  EXPECT_EQ(done["fee_sat"], "1");
  EXPECT_EQ(done["fee"], "1");
  EXPECT_EQ(done["payment_request"], invoice["payment_request"]);
  EXPECT_EQ(done["creation_date"], std::to_string(clock_->now()));
  EXPECT_EQ(done["creation_time_ns"], std::to_string(clock_->now()) + "000000000");
  EXPECT_EQ(done["payment_index"], "1");
  EXPECT_EQ(done["failure_reason"], "FAILURE_REASON_NONE");
  EXPECT_EQ(done["htlcs"], json::array());
  EXPECT_EQ(done["first_hop_custom_records"], json::object());

  // The macaroon's account paid; the invoice's account was credited.
  EXPECT_EQ(node_->balance("payer")->value(), kPayerBalance.value() - 101'100);
  Hash256 payment_hash{};
  std::copy(hash.begin(), hash.end(), payment_hash.begin());
  Result<DevnetInvoice> settled = node_->lookup_invoice(payment_hash);
  ASSERT_OK(settled);
  EXPECT_EQ(settled->status.state, InvoiceState::kSettled);
}

TEST_F(DevnetRestPayments, NoInflightUpdatesSendsOnlyTheOutcome) {
  const json invoice = add_invoice({{"value", "7"}});
  std::vector<json> lines = send({{"paymentRequest", invoice["payment_request"]},
                                  {"feeLimitMsat", 5000},
                                  {"noInflightUpdates", true}});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["result"]["status"], "SUCCEEDED");
}

TEST_F(DevnetRestPayments, EachFailureReasonComesAsAFailedPayment) {
  // No route: the payee is not this node.
  json failed =
      final_line({{"payment_request", foreign_invoice(Network::kRegtest, 5000, clock_->now())},
                  {"fee_limit_sat", "100"}});
  EXPECT_EQ(failed["status"], "FAILED");
  EXPECT_EQ(failed["failure_reason"], "FAILURE_REASON_NO_ROUTE");
  EXPECT_EQ(failed["payment_preimage"], kZeroPreimageHex);

  // No route within the fee limit: routerrpc's default limit is zero.
  failed = final_line({{"payment_request", add_invoice({{"value", "10"}})["payment_request"]}});
  EXPECT_EQ(failed["failure_reason"], "FAILURE_REASON_NO_ROUTE");

  // The payer's balance does not cover amount and fee.
  failed = final_line({{"payment_request", add_invoice({{"value", "100"}})["payment_request"]},
                       {"fee_limit_sat", "10"}},
                      "poor");
  EXPECT_EQ(failed["status"], "FAILED");
  EXPECT_EQ(failed["failure_reason"], "FAILURE_REASON_INSUFFICIENT_BALANCE");
  EXPECT_EQ(node_->balance("poor")->value(), kPoorBalance.value());

  const std::pair<PayFailure, std::string> scripted[] = {
      {PayFailure::kTimeout, "FAILURE_REASON_TIMEOUT"},
      {PayFailure::kRejected, "FAILURE_REASON_INCORRECT_PAYMENT_DETAILS"},
      {PayFailure::kUnavailable, "FAILURE_REASON_ERROR"},
  };
  for (const auto& [failure, reason] : scripted) {
    scripted_->fail_next_payments_with(failure);
    failed = final_line({{"payment_request", add_invoice({{"value", "10"}})["payment_request"]},
                         {"fee_limit_sat", "10"}});
    EXPECT_EQ(failed["status"], "FAILED") << reason;
    EXPECT_EQ(failed["failure_reason"], reason);
  }
}

TEST_F(DevnetRestPayments, RefusalsBeforeStreamingUseTheUnaryShape) {
  const json invoice = add_invoice({{"value", "10"}, {"expiry", "60"}});
  const json request = {{"payment_request", invoice["payment_request"]}, {"fee_limit_sat", "10"}};
  ASSERT_EQ(send(request).size(), 2u);

  HttpResponse error;
  EXPECT_TRUE(send(request, "payer", &error).empty());
  EXPECT_EQ(error.status, 409);
  EXPECT_EQ(error.json(),
            json::parse(R"({"code":6,"message":"invoice is already paid","details":[]})"));

  const json expiring = add_invoice({{"value", "10"}, {"expiry", "60"}});
  clock_->advance(61);
  send({{"payment_request", expiring["payment_request"]}, {"fee_limit_sat", "10"}}, "payer",
       &error);
  EXPECT_EQ(error.status, 500);
  EXPECT_EQ(error.json()["code"], 2);
  EXPECT_EQ(error.json()["message"].get<std::string>().rfind("invoice expired. Valid until ", 0),
            0u)
      << error.body;

  send({{"payment_request", foreign_invoice(Network::kBitcoin, 5000, clock_->now())}}, "payer",
       &error);
  EXPECT_EQ(error.status, 500);
  EXPECT_EQ(
      error.json(),
      json::parse(
          R"({"code":2,"message":"invoice not for current active network 'regtest'","details":[]})"));

  send({{"payment_request", "hello"}}, "payer", &error);
  EXPECT_EQ(error.status, 500);
  EXPECT_EQ(error.json()["code"], 2);

  send({{"payment_request", add_invoice({{"memo", "any"}})["payment_request"]}}, "payer", &error);
  EXPECT_EQ(error.status, 500);
  EXPECT_EQ(error.json()["message"], "amount must be specified when paying a zero amount invoice");

  send({{"payment_request", add_invoice({{"value", "3"}})["payment_request"]}, {"amt", "3"}},
       "payer", &error);
  EXPECT_EQ(error.status, 500);
  EXPECT_EQ(error.json()["message"],
            "amount must not be specified when paying a non-zero amount invoice");

  send({{"payment_request", invoice["payment_request"]}, {"amt", "1"}, {"amt_msat", "1000"}},
       "payer", &error);
  EXPECT_EQ(error.status, 500);
  EXPECT_EQ(error.json()["message"], "sat and msat arguments are mutually exclusive");
}

TEST_F(DevnetRestPayments, AnyAmountInvoiceIsPaidWhatTheRequestSays) {
  const json invoice = add_invoice({{"memo", "tip"}});
  const json done = final_line({{"payment_request", invoice["payment_request"]},
                                {"amt_msat", "5000"},
                                {"fee_limit_sat", "10"}});
  EXPECT_EQ(done["status"], "SUCCEEDED");
  EXPECT_EQ(done["value_msat"], "5000");
  EXPECT_EQ(done["value_sat"], "5");
}

TEST_F(DevnetRestPayments, TrackPaymentV2GivesTheLatestOutcome) {
  const json invoice = add_invoice({{"value", "10"}});
  const json paid =
      final_line({{"payment_request", invoice["payment_request"]}, {"fee_limit_sat", "10"}});
  const std::string hash = base64::decode(invoice["r_hash"].get<std::string>()).value();

  RestClient client(endpoint("payer"));
  // base64url with padding, as LND documents it...
  std::string url_safe = base64::encode_url(hash) + "=";
  HttpResponse tracked = client.get("/v2/router/track/" + url_safe + "?no_inflight_updates=true");
  ASSERT_EQ(tracked.status, 200) << tracked.body;
  ASSERT_FALSE(tracked.body.empty());
  EXPECT_EQ(tracked.body.back(), '\n');
  const json line = json::parse(tracked.body);
  EXPECT_EQ(keys_of(line["result"]), kPaymentFields);
  EXPECT_EQ(line["result"]["status"], "SUCCEEDED");
  EXPECT_EQ(line["result"]["payment_index"], paid["payment_index"]);
  EXPECT_EQ(line["result"]["payment_preimage"], paid["payment_preimage"]);

  // ... standard base64, percent-encoded, works too.
  std::string standard;
  for (const char c : base64::encode_std(hash)) {
    if (c == '+')
      standard += "%2B";
    else if (c == '/')
      standard += "%2F";
    else if (c == '=')
      standard += "%3D";
    else
      standard += c;
  }
  EXPECT_EQ(client.get("/v2/router/track/" + standard).status, 200);

  HttpResponse unknown =
      client.get("/v2/router/track/" + base64::encode_url(std::string(32, 'x')) + "=");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.json(),
            json::parse(R"({"code":5,"message":"payment isn't initiated","details":[]})"));

  // Another account made no such payment.
  RestClient other(endpoint("poor"));
  EXPECT_EQ(other.get("/v2/router/track/" + url_safe).status, 404);

  HttpResponse bad = client.get("/v2/router/track/!!!");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json()["code"], 3);
}

TEST_F(DevnetRestPayments, TrackShowsAFailedPaymentWithItsReason) {
  const std::string bolt11 = foreign_invoice(Network::kRegtest, 5000, clock_->now());
  final_line({{"payment_request", bolt11}, {"fee_limit_sat", "10"}});
  RestClient client(endpoint("payer"));
  HttpResponse tracked =
      client.get("/v2/router/track/" + base64::encode_url(as_view(sha256("foreign"))) + "=");
  ASSERT_EQ(tracked.status, 200) << tracked.body;
  const json line = json::parse(tracked.body);
  EXPECT_EQ(line["result"]["status"], "FAILED");
  EXPECT_EQ(line["result"]["failure_reason"], "FAILURE_REASON_NO_ROUTE");
}

TEST_F(DevnetRestPayments, LegacySendPaymentSyncSucceedsAndReportsFailuresInPaymentError) {
  RestClient client(endpoint("payer"));
  const json invoice = add_invoice({{"value", "10"}});
  HttpResponse response = client.post_json("/v1/channels/transactions",
                                           {{"payment_request", invoice["payment_request"]}});
  ASSERT_EQ(response.status, 200) << response.body;
  json sent = response.json();
  EXPECT_EQ(keys_of(sent), (std::set<std::string>{"payment_error", "payment_preimage",
                                                  "payment_route", "payment_hash"}));
  EXPECT_EQ(sent["payment_error"], "");
  EXPECT_EQ(sent["payment_hash"], invoice["r_hash"]);
  const std::string preimage = base64::decode(sent["payment_preimage"].get<std::string>()).value();
  EXPECT_EQ(base64::encode_std(as_view(sha256(preimage))), invoice["r_hash"]);
  ASSERT_TRUE(sent["payment_route"].is_object());
  EXPECT_EQ(sent["payment_route"]["total_fees_msat"], "1010");
  EXPECT_EQ(sent["payment_route"]["total_amt_msat"], "11010");

  // Paid already: HTTP 200 with payment_error, as LND does.
  response = client.post_json("/v1/channels/transactions",
                              {{"payment_request", invoice["payment_request"]}});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.json()["payment_error"], "invoice is already paid");
  EXPECT_TRUE(response.json()["payment_route"].is_null());

  // A failed payment: HTTP 200, payment_error set, no preimage, no route.
  RestClient poor(endpoint("poor"));
  response =
      poor.post_json("/v1/channels/transactions",
                     {{"payment_request", add_invoice({{"value", "100"}})["payment_request"]}});
  EXPECT_EQ(response.status, 200);
  sent = response.json();
  EXPECT_EQ(sent["payment_error"], "insufficient_balance");
  EXPECT_EQ(sent["payment_preimage"], "");
  EXPECT_TRUE(sent["payment_route"].is_null());

  // A fixed fee limit of zero leaves no route.
  response =
      client.post_json("/v1/channels/transactions",
                       {{"payment_request", add_invoice({{"value", "10"}})["payment_request"]},
                        {"fee_limit", {{"fixed", "0"}}}});
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.json()["payment_error"], "no_route");

  // Refused while validating: an RPC error.
  response = client.post_json("/v1/channels/transactions", {{"payment_request", "nonsense"}});
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.json()["code"], 2);
  response = client.post_json("/v1/channels/transactions",
                              {{"payment_request", invoice["payment_request"]},
                               {"fee_limit", {{"fixed", "1"}, {"percent", "2"}}}});
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.json()["code"], 3);
}

TEST_F(DevnetRestPayments, EachMacaroonPaysFromItsOwnAccount) {
  const Msat default_before = node_->balance("default").value();
  const json invoice = add_invoice({{"value", "1000"}});
  const json done =
      final_line({{"payment_request", invoice["payment_request"]}, {"fee_limit_sat", "100"}});
  ASSERT_EQ(done["status"], "SUCCEEDED");
  // 1000 sat + 1000 msat base + 1000 ppm.
  EXPECT_EQ(node_->balance("payer")->value(), kPayerBalance.value() - 1'000'000 - 2'000);
  EXPECT_EQ(node_->balance("default")->value(), default_before.value() + 1'000'000);
  EXPECT_EQ(node_->balance("poor")->value(), kPoorBalance.value());
}

}  // namespace
}  // namespace l402::test
