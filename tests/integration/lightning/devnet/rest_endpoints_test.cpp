// devnet's LND REST server, endpoint by endpoint: the exact JSON shape of each answer (every
// field present, 64-bit integers as strings, bytes as base64, LND's hex fields as hex), the
// macaroon check, and SubscribeInvoices' replay and live events.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>

#include "l402/crypto.hpp"
#include "l402/encoding.hpp"
#include "rest_test_client.hpp"

namespace l402::test {
namespace {

using nlohmann::json;

std::string b64(std::string_view bytes) { return base64::encode_std(bytes); }

std::string preimage_bytes(char fill) { return std::string(32, fill); }

const std::set<std::string> kInvoiceFields = {"memo",
                                              "r_preimage",
                                              "r_hash",
                                              "value",
                                              "value_msat",
                                              "settled",
                                              "creation_date",
                                              "settle_date",
                                              "payment_request",
                                              "description_hash",
                                              "expiry",
                                              "fallback_addr",
                                              "cltv_expiry",
                                              "route_hints",
                                              "private",
                                              "add_index",
                                              "settle_index",
                                              "amt_paid",
                                              "amt_paid_sat",
                                              "amt_paid_msat",
                                              "state",
                                              "htlcs",
                                              "features",
                                              "is_keysend",
                                              "payment_addr",
                                              "is_amp",
                                              "amp_invoice_state",
                                              "is_blinded",
                                              "blinded_path_config"};

class DevnetRestEndpoints : public DevnetRestFixture {
 protected:
  // POST /v1/invoices as `account`; returns the AddInvoiceResponse.
  json add_invoice(const json& request, const std::string& account = "default") {
    RestClient client(endpoint(account));
    HttpResponse response = client.post_json("/v1/invoices", request);
    EXPECT_EQ(response.status, 200) << response.body;
    return response.json();
  }

  // Pays through the node itself (the REST payment endpoints have tests of their own).
  void pay_directly(const std::string& bolt11, const std::string& account = "payer") {
    PayRequest request;
    request.bolt11 = bolt11;
    request.max_fee = Msat(1'000'000);
    Result<DevnetPayment> payment = node_->pay(account, request);
    ASSERT_OK(payment);
    ASSERT_EQ(payment->status, DevnetPaymentStatus::kSucceeded) << payment->failure_message;
  }
};

TEST_F(DevnetRestEndpoints, GetInfoHasEveryFieldInLndShape) {
  RestClient client(endpoint());
  HttpResponse response = client.get("/v1/getinfo");
  ASSERT_EQ(response.status, 200) << response.error << response.body;
  const json info = response.json();
  EXPECT_EQ(keys_of(info), (std::set<std::string>{"version",
                                                  "commit_hash",
                                                  "identity_pubkey",
                                                  "alias",
                                                  "color",
                                                  "num_pending_channels",
                                                  "num_active_channels",
                                                  "num_inactive_channels",
                                                  "num_peers",
                                                  "block_height",
                                                  "block_hash",
                                                  "best_header_timestamp",
                                                  "synced_to_chain",
                                                  "synced_to_graph",
                                                  "testnet",
                                                  "chains",
                                                  "uris",
                                                  "features",
                                                  "require_htlc_interceptor",
                                                  "store_final_htlc_resolutions",
                                                  "wallet_synced",
                                                  "graph_cache_status"}));
  const NodeInfo node_info = node_->info();
  EXPECT_EQ(info["version"], DevnetServerOptions().reported_version);
  EXPECT_EQ(info["identity_pubkey"],
            hex::encode({reinterpret_cast<const char*>(node_info.node_id.data()), 33}));
  EXPECT_EQ(info["alias"], "l402-devnet");
  EXPECT_EQ(info["chains"], json::parse(R"([{"chain":"bitcoin","network":"regtest"}])"));
  EXPECT_TRUE(info["block_height"].is_number_unsigned());
  EXPECT_EQ(info["block_height"], node_info.block_height);
  EXPECT_TRUE(info["num_peers"].is_number());
  EXPECT_TRUE(info["best_header_timestamp"].is_string());
  EXPECT_EQ(info["synced_to_chain"], true);
  EXPECT_EQ(info["testnet"], false);
  EXPECT_EQ(info["uris"], json::array());
  EXPECT_EQ(info["features"], json::object());
}

TEST_F(DevnetRestEndpoints, AddInvoiceAnswersLndsFourFieldsAndCreditsTheCaller) {
  const std::string preimage = preimage_bytes('\x07');
  const json added = add_invoice(
      {{"value", "100"}, {"memo", "L402 access"}, {"expiry", "600"}, {"r_preimage", b64(preimage)}},
      "payer");
  EXPECT_EQ(keys_of(added),
            (std::set<std::string>{"r_hash", "payment_request", "add_index", "payment_addr"}));
  EXPECT_EQ(added["r_hash"], b64(as_view(sha256(preimage))));
  EXPECT_EQ(added["add_index"], "1");
  EXPECT_EQ(added["payment_request"].get<std::string>().rfind("lnbcrt1u1", 0), 0u);
  EXPECT_EQ(added["payment_addr"].get<std::string>().size(), 44u);

  Result<DevnetInvoice> invoice = node_->lookup_invoice(sha256(preimage));
  ASSERT_OK(invoice);
  EXPECT_EQ(invoice->account, "payer");
  EXPECT_EQ(invoice->memo, "L402 access");
  EXPECT_EQ(invoice->expiry_seconds, 600u);
  ASSERT_TRUE(invoice->status.amount.has_value());
  EXPECT_EQ(invoice->status.amount->value(), 100'000u);
}

TEST_F(DevnetRestEndpoints, AddInvoiceReadsEveryInputSpelling) {
  // Numbers instead of strings, lowerCamelCase names, URL-safe unpadded base64.
  const std::string preimage = preimage_bytes('\xfb');
  const json added = add_invoice(
      {{"valueMsat", 2500}, {"rPreimage", base64::encode_url(preimage)}, {"cltvExpiry", 40}});
  Result<DevnetInvoice> invoice = node_->lookup_invoice(sha256(preimage));
  ASSERT_OK(invoice);
  EXPECT_EQ(invoice->status.amount->value(), 2500u);
  EXPECT_EQ(invoice->cltv_expiry, 40u);
  EXPECT_EQ(invoice->expiry_seconds, 86'400u);  // LND's default

  const json any_amount = add_invoice({{"memo", "donation"}});
  RestClient client(endpoint());
  const std::string hash_hex =
      hex::encode(base64::decode(any_amount["r_hash"].get<std::string>()).value());
  const json looked_up = client.get("/v1/invoice/" + hash_hex).json();
  EXPECT_EQ(looked_up["value"], "0");
  EXPECT_EQ(looked_up["value_msat"], "0");
}

TEST_F(DevnetRestEndpoints, AddInvoiceRefusesLikeLnd) {
  RestClient client(endpoint());
  HttpResponse both = client.post_json("/v1/invoices", {{"value", "1"}, {"value_msat", "1000"}});
  EXPECT_EQ(both.status, 500);
  EXPECT_EQ(
      both.json(),
      json::parse(
          R"({"code":2,"message":"sat and msat arguments are mutually exclusive","details":[]})"));

  const std::string preimage = b64(preimage_bytes('\x01'));
  EXPECT_EQ(client.post_json("/v1/invoices", {{"value", "1"}, {"r_preimage", preimage}}).status,
            200);
  HttpResponse duplicate =
      client.post_json("/v1/invoices", {{"value", "1"}, {"r_preimage", preimage}});
  EXPECT_EQ(duplicate.status, 500);
  EXPECT_EQ(duplicate.json()["code"], 2);
  EXPECT_EQ(duplicate.json()["message"], "invoice with payment hash already exists");

  HttpResponse short_preimage = client.post_json("/v1/invoices", {{"r_preimage", b64("abc")}});
  EXPECT_EQ(short_preimage.status, 500);
  EXPECT_EQ(short_preimage.json()["message"], "invalid preimage length of 3, want 32");

  HttpResponse bad_int = client.post_json("/v1/invoices", {{"value", "ten"}});
  EXPECT_EQ(bad_int.status, 400);
  EXPECT_EQ(bad_int.json()["code"], 3);

  HttpResponse bad_base64 = client.post_json("/v1/invoices", {{"r_preimage", "!!!"}});
  EXPECT_EQ(bad_base64.status, 400);
  EXPECT_EQ(bad_base64.json()["code"], 3);

  HttpResponse long_memo = client.post_json("/v1/invoices", {{"memo", std::string(700, 'm')}});
  EXPECT_EQ(long_memo.status, 500);
  EXPECT_EQ(long_memo.json()["code"], 2);
}

TEST_F(DevnetRestEndpoints, LookupInvoiceHasEveryFieldBeforeAndAfterSettlement) {
  const std::string preimage = preimage_bytes('\x11');
  const json added = add_invoice(
      {{"value", "100"}, {"memo", "lookup"}, {"expiry", "600"}, {"r_preimage", b64(preimage)}});
  const std::string path = "/v1/invoice/" + hex::encode(as_view(sha256(preimage)));
  RestClient client(endpoint());

  HttpResponse open = client.get(path);
  ASSERT_EQ(open.status, 200) << open.body;
  const json invoice = open.json();
  EXPECT_EQ(keys_of(invoice), kInvoiceFields);
  EXPECT_EQ(invoice["memo"], "lookup");
  EXPECT_EQ(invoice["r_preimage"], b64(preimage));
  EXPECT_EQ(invoice["r_hash"], added["r_hash"]);
  EXPECT_EQ(invoice["value"], "100");
  EXPECT_EQ(invoice["value_msat"], "100000");
  EXPECT_EQ(invoice["settled"], false);
  EXPECT_EQ(invoice["creation_date"], std::to_string(clock_->now()));
  EXPECT_EQ(invoice["settle_date"], "0");
  EXPECT_EQ(invoice["payment_request"], added["payment_request"]);
  EXPECT_EQ(invoice["description_hash"], "");
  EXPECT_EQ(invoice["expiry"], "600");
  EXPECT_EQ(invoice["fallback_addr"], "");
  EXPECT_EQ(invoice["cltv_expiry"], "80");
  EXPECT_EQ(invoice["route_hints"], json::array());
  EXPECT_EQ(invoice["private"], false);
  EXPECT_EQ(invoice["add_index"], "1");
  EXPECT_EQ(invoice["settle_index"], "0");
  EXPECT_EQ(invoice["amt_paid"], "0");
  EXPECT_EQ(invoice["amt_paid_sat"], "0");
  EXPECT_EQ(invoice["amt_paid_msat"], "0");
  EXPECT_EQ(invoice["state"], "OPEN");
  EXPECT_EQ(invoice["htlcs"], json::array());
  EXPECT_TRUE(invoice["features"].is_object());
  EXPECT_EQ(invoice["is_keysend"], false);
  EXPECT_EQ(invoice["payment_addr"], added["payment_addr"]);
  EXPECT_EQ(invoice["is_amp"], false);
  EXPECT_EQ(invoice["amp_invoice_state"], json::object());
  EXPECT_EQ(invoice["is_blinded"], false);
  EXPECT_TRUE(invoice["blinded_path_config"].is_null());

  clock_->advance(5);
  pay_directly(invoice["payment_request"]);
  const json settled = client.get(path).json();
  EXPECT_EQ(keys_of(settled), kInvoiceFields);
  EXPECT_EQ(settled["state"], "SETTLED");
  EXPECT_EQ(settled["settled"], true);
  EXPECT_EQ(settled["settle_index"], "1");
  EXPECT_EQ(settled["settle_date"], std::to_string(clock_->now()));
  EXPECT_EQ(settled["amt_paid_msat"], "100000");
  EXPECT_EQ(settled["amt_paid_sat"], "100");
  EXPECT_EQ(settled["amt_paid"], "100000");
}

TEST_F(DevnetRestEndpoints, LookupInvoiceErrorsAreLnds) {
  RestClient client(endpoint());
  HttpResponse bad_hex = client.get("/v1/invoice/g0");
  EXPECT_EQ(bad_hex.status, 500);
  EXPECT_EQ(
      bad_hex.json(),
      json::parse(R"({"code":2,"message":"encoding/hex: invalid byte: U+0067 'g'","details":[]})"));

  HttpResponse unknown = client.get("/v1/invoice/" + std::string(64, 'a'));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.json(),
            json::parse(R"({"code":5,"message":"unable to locate invoice","details":[]})"));

  HttpResponse short_hash = client.get("/v1/invoice/abcd");
  EXPECT_EQ(short_hash.status, 500);
  EXPECT_EQ(short_hash.json()["message"], "payment hash must be exactly 32 bytes, is instead 2");

  // Another account's invoice is not this macaroon's to see.
  const std::string preimage = preimage_bytes('\x21');
  add_invoice({{"value", "5"}, {"r_preimage", b64(preimage)}}, "payer");
  HttpResponse foreign = client.get("/v1/invoice/" + hex::encode(as_view(sha256(preimage))));
  EXPECT_EQ(foreign.status, 404);
}

TEST_F(DevnetRestEndpoints, DecodePayReqGivesLndsPayReq) {
  const std::string preimage = preimage_bytes('\x31');
  const json added = add_invoice(
      {{"value", "100"}, {"memo", "decode me"}, {"expiry", "600"}, {"r_preimage", b64(preimage)}});
  RestClient client(endpoint("payer"));
  HttpResponse response = client.get("/v1/payreq/" + added["payment_request"].get<std::string>());
  ASSERT_EQ(response.status, 200) << response.body;
  const json pay_req = response.json();
  EXPECT_EQ(keys_of(pay_req),
            (std::set<std::string>{"destination", "payment_hash", "num_satoshis", "timestamp",
                                   "expiry", "description", "description_hash", "fallback_addr",
                                   "cltv_expiry", "route_hints", "payment_addr", "num_msat",
                                   "features", "blinded_paths"}));
  const NodeInfo info = node_->info();
  EXPECT_EQ(pay_req["destination"],
            hex::encode({reinterpret_cast<const char*>(info.node_id.data()), 33}));
  EXPECT_EQ(pay_req["payment_hash"], hex::encode(as_view(sha256(preimage))));
  EXPECT_EQ(pay_req["num_satoshis"], "100");
  EXPECT_EQ(pay_req["num_msat"], "100000");
  EXPECT_EQ(pay_req["timestamp"], std::to_string(clock_->now()));
  EXPECT_EQ(pay_req["expiry"], "600");
  EXPECT_EQ(pay_req["description"], "decode me");
  EXPECT_EQ(pay_req["description_hash"], "");
  EXPECT_EQ(pay_req["fallback_addr"], "");
  EXPECT_EQ(pay_req["cltv_expiry"], "80");
  EXPECT_EQ(pay_req["route_hints"], json::array());
  EXPECT_EQ(pay_req["payment_addr"], added["payment_addr"]);
  EXPECT_EQ(pay_req["blinded_paths"], json::array());
  ASSERT_TRUE(pay_req["features"].is_object());
  for (auto it = pay_req["features"].begin(); it != pay_req["features"].end(); ++it) {
    EXPECT_EQ(keys_of(it.value()), (std::set<std::string>{"name", "is_required", "is_known"}));
    EXPECT_EQ(it.value()["is_required"], std::stoi(it.key()) % 2 == 0);
  }

  HttpResponse bad = client.get("/v1/payreq/lnbcrt1notaninvoice");
  EXPECT_EQ(bad.status, 500);
  EXPECT_EQ(bad.json()["code"], 2);
  EXPECT_FALSE(bad.json()["message"].get<std::string>().empty());
}

TEST_F(DevnetRestEndpoints, DecodePayReqDecodesOtherNetworksToo) {
  // BOLT 11's first example (mainnet, a donation invoice without amount).
  const std::string mainnet =
      "lnbc1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyq"
      "cyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6twvus8g6rfwvs8qun0dfj"
      "kxaq9qrsgq357wnc5r2ueh7ck6q93dj32dlqnls087fxdwk8qakdyafkq3yap9us6v52vjjsrvywa6rt52cm9r9zqt8r"
      "2t7mlcwspyetp5h2tztugp9lfyql";
  RestClient client(endpoint());
  HttpResponse response = client.get("/v1/payreq/" + mainnet);
  ASSERT_EQ(response.status, 200) << response.body;
  const json pay_req = response.json();
  EXPECT_EQ(pay_req["num_msat"], "0");
  EXPECT_EQ(pay_req["description"], "Please consider supporting this project");
  EXPECT_EQ(pay_req["destination"],
            "03e7156ae33b0a208d0744199163177e909e80176e55d97a2f221ede0f934dd9ad");
  EXPECT_EQ(pay_req["payment_hash"],
            "0001020304050607080900010203040506070809000102030405060708090102");
  EXPECT_EQ(pay_req["features"], json::parse(R"({
      "8": {"name": "tlv-onion", "is_required": true, "is_known": true},
      "14": {"name": "payment-addr", "is_required": true, "is_known": true}})"));
}

TEST_F(DevnetRestEndpoints, DecodePayReqAgreesWithEveryBolt11Vector) {
  std::ifstream vectors(std::string(L402_TEST_DATA_DIR) + "/bolt11_vectors.jsonl");
  ASSERT_TRUE(vectors.good());
  RestClient client(endpoint());
  std::string line;
  int checked = 0;
  while (std::getline(vectors, line)) {
    const json vector = json::parse(line);
    if (vector["kind"] != "valid") continue;
    const json& expected = vector["expected"];
    HttpResponse response = client.get("/v1/payreq/" + vector["invoice"].get<std::string>());
    ASSERT_EQ(response.status, 200) << vector["name"] << ": " << response.body;
    const json pay_req = response.json();
    SCOPED_TRACE(vector["name"].get<std::string>());
    EXPECT_EQ(pay_req["destination"], expected["payee_pubkey"]);
    EXPECT_EQ(pay_req["payment_hash"], expected["payment_hash"]);
    EXPECT_EQ(pay_req["timestamp"], std::to_string(expected["timestamp"].get<std::uint64_t>()));
    EXPECT_EQ(pay_req["expiry"], std::to_string(expected["expiry"].get<std::uint64_t>()));
    EXPECT_EQ(pay_req["cltv_expiry"],
              std::to_string(expected["min_final_cltv_expiry_delta"].get<std::uint64_t>()));
    const std::uint64_t msat =
        expected["amount_msat"].is_null() ? 0 : expected["amount_msat"].get<std::uint64_t>();
    EXPECT_EQ(pay_req["num_msat"], std::to_string(msat));
    EXPECT_EQ(pay_req["num_satoshis"], std::to_string(msat / 1000));
    if (expected.contains("fallbacks")) {
      EXPECT_EQ(pay_req["fallback_addr"], expected["fallbacks"][0]["address"]);
    } else {
      EXPECT_EQ(pay_req["fallback_addr"], "");
    }
    if (expected.contains("route_hints")) {
      ASSERT_EQ(pay_req["route_hints"].size(), expected["route_hints"].size());
      const json& hop = pay_req["route_hints"][0]["hop_hints"][0];
      EXPECT_EQ(keys_of(hop),
                (std::set<std::string>{"node_id", "chan_id", "fee_base_msat",
                                       "fee_proportional_millionths", "cltv_expiry_delta"}));
      EXPECT_TRUE(hop["chan_id"].is_string());
      EXPECT_TRUE(hop["fee_base_msat"].is_number());
    }
    ++checked;
  }
  EXPECT_GE(checked, 10);
}

TEST_F(DevnetRestEndpoints, MacaroonIsRequiredAndChecked) {
  RestClient client(endpoint());
  HttpResponse missing = client.call("GET", "/v1/getinfo", nullptr, {}, /*send_macaroon=*/false);
  EXPECT_EQ(missing.status, 500);
  EXPECT_EQ(missing.json(),
            json::parse(R"({"code":2,"message":"expected 1 macaroon, got 0","details":[]})"));

  HttpResponse lower_case = client.call("GET", "/v1/getinfo", nullptr,
                                        {"grpc-metadata-macaroon: " + macaroon_hex("default")},
                                        /*send_macaroon=*/false);
  EXPECT_EQ(lower_case.status, 200);

  HttpResponse bad_hex = client.call("GET", "/v1/getinfo", nullptr, {"Grpc-Metadata-macaroon: zz"},
                                     /*send_macaroon=*/false);
  EXPECT_EQ(bad_hex.status, 500);
  EXPECT_EQ(bad_hex.json()["code"], 2);
  EXPECT_EQ(bad_hex.json()["message"], "encoding/hex: invalid byte: U+007A 'z'");

  // One changed byte near the end (inside the signature): the node refuses it.
  std::string altered = macaroon_hex("default");
  altered[altered.size() - 3] = altered[altered.size() - 3] == '0' ? '1' : '0';
  HttpResponse forged =
      client.call("GET", "/v1/getinfo", nullptr, {"Grpc-Metadata-macaroon: " + altered}, false);
  EXPECT_EQ(forged.status, 500);
  EXPECT_EQ(forged.json()["code"], 2);
  EXPECT_FALSE(forged.json()["message"].get<std::string>().empty());
}

TEST_F(DevnetRestEndpoints, SubscribeReplaysAddsThenSettlesThenStreamsLiveEvents) {
  std::vector<json> added;
  for (char fill : {'\x41', '\x42', '\x43'}) {
    added.push_back(add_invoice({{"value", "10"}, {"r_preimage", b64(preimage_bytes(fill))}}));
  }
  pay_directly(added[0]["payment_request"]);  // settle_index 1
  pay_directly(added[1]["payment_request"]);  // settle_index 2
  // Another account's invoice never shows up in this subscription.
  add_invoice({{"value", "10"}}, "payer");

  StreamReader stream(endpoint(), "/v1/invoices/subscribe?add_index=2&settle_index=1");
  std::vector<json> lines = stream.wait_for_lines(2);
  // Nothing more arrives.
  lines = stream.wait_for_lines(3, std::chrono::milliseconds(300));
  ASSERT_EQ(lines.size(), 2u) << json(lines).dump();
  ASSERT_EQ(stream.status(), 200);
  // Adds after add_index 2: the third invoice.
  EXPECT_EQ(keys_of(lines[0]), std::set<std::string>{"result"});
  EXPECT_EQ(keys_of(lines[0]["result"]), kInvoiceFields);
  EXPECT_EQ(lines[0]["result"]["add_index"], "3");
  EXPECT_EQ(lines[0]["result"]["state"], "OPEN");
  // Settles after settle_index 1: the second invoice.
  EXPECT_EQ(lines[1]["result"]["r_hash"], added[1]["r_hash"]) << lines[0].dump() << "\n"
                                                              << lines[1].dump();
  EXPECT_EQ(lines[1]["result"]["settle_index"], "2");
  EXPECT_EQ(lines[1]["result"]["state"], "SETTLED");

  // Live: an add, then its settlement.
  const json live = add_invoice({{"value", "20"}, {"memo", "live"}});
  lines = stream.wait_for_lines(3);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2]["result"]["add_index"], live["add_index"]);
  EXPECT_EQ(lines[2]["result"]["memo"], "live");
  EXPECT_EQ(lines[2]["result"]["state"], "OPEN");
  pay_directly(live["payment_request"]);
  lines = stream.wait_for_lines(4);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[3]["result"]["r_hash"], live["r_hash"]);
  EXPECT_EQ(lines[3]["result"]["state"], "SETTLED");
  EXPECT_EQ(lines[3]["result"]["settle_index"], "3");
  EXPECT_EQ(lines[3]["result"]["amt_paid_msat"], "20000");
}

TEST_F(DevnetRestEndpoints, SubscribeWithoutIndexesSendsOnlyNewEvents) {
  add_invoice({{"value", "10"}});
  StreamReader stream(endpoint(), "/v1/invoices/subscribe");
  ASSERT_TRUE(stream.wait_started());
  // Nothing is replayed; the first line is the next invoice.
  const json next = add_invoice({{"value", "11"}});
  std::vector<json> lines = stream.wait_for_lines(1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["result"]["add_index"], next["add_index"]);
  EXPECT_EQ(stream.wait_for_lines(2, std::chrono::milliseconds(200)).size(), 1u);
}

TEST_F(DevnetRestEndpoints, ListInvoicesPagesThroughTheAccountsInvoices) {
  for (int i = 0; i < 3; ++i) add_invoice({{"value", "10"}});
  add_invoice({{"value", "10"}}, "payer");  // add_index 4, not the default account's
  RestClient client(endpoint());
  HttpResponse all = client.get("/v1/invoices");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(keys_of(all.json()),
            (std::set<std::string>{"invoices", "last_index_offset", "first_index_offset"}));
  ASSERT_EQ(all.json()["invoices"].size(), 3u);
  EXPECT_EQ(keys_of(all.json()["invoices"][0]), kInvoiceFields);
  EXPECT_EQ(all.json()["first_index_offset"], "1");
  EXPECT_EQ(all.json()["last_index_offset"], "3");

  const json page = client.get("/v1/invoices?index_offset=1&num_max_invoices=1").json();
  ASSERT_EQ(page["invoices"].size(), 1u);
  EXPECT_EQ(page["invoices"][0]["add_index"], "2");
  EXPECT_EQ(page["last_index_offset"], "2");

  const json newest = client.get("/v1/invoices?reversed=true&num_max_invoices=2").json();
  ASSERT_EQ(newest["invoices"].size(), 2u);
  EXPECT_EQ(newest["invoices"][0]["add_index"], "2");
  EXPECT_EQ(newest["invoices"][1]["add_index"], "3");

  EXPECT_EQ(client.get("/v1/invoices?index_offset=x").status, 400);
}

TEST_F(DevnetRestEndpoints, SubscribeRefusesABadIndex) {
  RestClient client(endpoint());
  HttpResponse response = client.get("/v1/invoices/subscribe?add_index=minus");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.json()["code"], 3);
}

}  // namespace
}  // namespace l402::test
