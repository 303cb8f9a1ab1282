// The admin API over HTTP: credential, every endpoint's JSON, the effects of revoke and
// rotate, limits, and that no secret leaves in an answer or a log line.
#include <gtest/gtest.h>

#include <latch>
#include <string>

#include "admin_test_fixture.hpp"
#include "l402/encoding.hpp"

namespace l402::gateway::test {
namespace {

using ::l402::test::HasError;

TokenId token(std::uint8_t tag) {
  TokenId id{};
  id.fill(tag);
  return id;
}

// A backend that cannot be reached, for /readyz and /api/info when the node is down.
class UnreachableBackend final : public Backend {
 public:
  Result<NodeInfo> get_info() override { return down(); }
  Result<IssuedInvoice> create_invoice(const InvoiceRequest&) override { return down(); }
  Result<InvoiceStatus> lookup_invoice(const Hash256&) override { return down(); }
  Result<std::unique_ptr<SettlementSubscription>> subscribe_settlements(
      std::uint64_t, SettlementHandler) override {
    return down();
  }
  PayOutcome pay(const PayRequest&) override {
    return PayOutcome::failure(PayFailure::kUnavailable, "node down");
  }
  Result<PaymentStatus> lookup_payment(const Hash256&) override { return down(); }

 private:
  static Error down() { return Error(ErrorCode::kUnavailable, "lightning node unreachable"); }
};

TEST_F(AdminServerTest, ApiRefusesRequestsWithoutTheRightCredential) {
  for (const std::string& authorization :
       {std::string(""), std::string("Bearer wrong"), "Bearer " + credential_ + "x",
        "Basic " + credential_, "Bearer " + credential_.substr(0, 63)}) {
    const HttpAnswer answer = request("GET", "/api/info", "", authorization);
    EXPECT_EQ(answer.status, 401) << authorization;
    EXPECT_EQ(answer.json()["error"], "a valid admin credential is required");
    EXPECT_NE(answer.field("WWW-Authenticate").find("Bearer"), std::string::npos);
  }
  // Unknown paths and wrong methods under /api say nothing without the credential either.
  EXPECT_EQ(request("GET", "/api/nothing-here", "", "").status, 401);
  EXPECT_EQ(request("GET", "/api/keys/rotate", "", "").status, 401);
  EXPECT_EQ(request("POST", "/api/keys/rotate", "", "Bearer nope").status, 401);
  // The scheme is case-insensitive.
  EXPECT_EQ(request("GET", "/api/info", "", "bearer " + credential_).status, 200);
}

TEST_F(AdminServerTest, HealthAndMetricsNeedNoCredential) {
  metrics_.count_request("demo", "paid");
  const HttpAnswer health = request("GET", "/healthz", "", "");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.json()["status"], "ok");
  const HttpAnswer metrics = request("GET", "/metrics", "", "");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.field("Content-Type"), "text/plain; version=0.0.4");
  EXPECT_NE(metrics.body.find("l402d_requests_total"), std::string::npos);
}

TEST_F(AdminServerTest, ReadyWhenStoreAndBackendAnswer) {
  const HttpAnswer ready = request("GET", "/readyz", "", "");
  EXPECT_EQ(ready.status, 200);
  const Json json = ready.json();
  EXPECT_EQ(json["ready"], true);
  EXPECT_EQ(json["store"]["ok"], true);
  EXPECT_EQ(json["lightning"]["ok"], true);
}

TEST_F(AdminServerTest, NotReadyNamesTheBackendThatFailed) {
  server_->stop();
  UnreachableBackend down;
  start_server(down);
  const HttpAnswer ready = request("GET", "/readyz", "", "");
  EXPECT_EQ(ready.status, 503);
  const Json json = ready.json();
  EXPECT_EQ(json["ready"], false);
  EXPECT_EQ(json["store"]["ok"], true);
  EXPECT_EQ(json["lightning"]["ok"], false);
  EXPECT_EQ(json["lightning"]["error"], "lightning node unreachable");

  // /api/info still answers, saying why there is no node information.
  const Json info = request("GET", "/api/info").json();
  EXPECT_TRUE(info["lightning"]["node"].is_null());
  EXPECT_EQ(info["lightning"]["error"], "lightning node unreachable");
  server_->stop();
  server_.reset();
}

TEST_F(AdminServerTest, InfoDescribesTheGateway) {
  now_ += 42;
  const HttpAnswer answer = request("GET", "/api/info");
  ASSERT_EQ(answer.status, 200);
  EXPECT_EQ(answer.field("Content-Type"), "application/json");
  const Json info = answer.json();
  EXPECT_EQ(info["version"], "9.9.9-test");
  EXPECT_EQ(info["uptime_seconds"], 42);
  EXPECT_EQ(info["data_dir"], dir_.path());
  EXPECT_EQ(info["listeners"], Json::array({"http://127.0.0.1:8402"}));
  EXPECT_EQ(info["lightning"]["kind"], "devnet");
  const Json& node = info["lightning"]["node"];
  EXPECT_EQ(node["alias"], "l402-devnet");
  EXPECT_EQ(node["network"], "regtest");
  EXPECT_EQ(node["implementation"], "devnet");
  ASSERT_TRUE(node["pubkey"].is_string());
  EXPECT_EQ(node["pubkey"].get<std::string>().size(), 66u);
  EXPECT_EQ(info["store"]["kind"], "sqlite");
  EXPECT_EQ(info["services"], 2);
  EXPECT_EQ(info["active_key_id"], shared_->current()->active()->id);
  EXPECT_EQ(info["revoked_tokens"], 0);
}

TEST_F(AdminServerTest, ServicesListTheConfigurationWithHeaderNamesOnly) {
  const HttpAnswer answer = request("GET", "/api/services");
  ASSERT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body.find(kSecretHeaderValue), std::string::npos);
  EXPECT_EQ(answer.body.find("literal-value-also-hidden"), std::string::npos);
  const Json services = answer.json()["services"];
  ASSERT_EQ(services.size(), 2u);
  const Json& demo = services[0];
  EXPECT_EQ(demo["name"], "demo");
  EXPECT_EQ(demo["host"], ".*");
  EXPECT_EQ(demo["path"], "/api/.*");
  EXPECT_EQ(demo["upstream"], "http://127.0.0.1:8080");
  EXPECT_EQ(demo["price_msat"], 1000);
  EXPECT_EQ(demo["auth"], "on");
  EXPECT_EQ(demo["free_paths"], Json::array({"/api/health"}));
  EXPECT_EQ(demo["timeout_seconds"], 3600);
  EXPECT_EQ(demo["capabilities"], Json::array({"read", "write"}));
  EXPECT_EQ(demo["capability_paths"][0]["path"], "/api/admin/.*");
  EXPECT_EQ(demo["capability_paths"][0]["capability"], "write");
  EXPECT_EQ(demo["constraints"][0]["name"], "demo_max_requests");
  EXPECT_EQ(demo["constraints"][0]["value"], "1000");
  EXPECT_EQ(demo["headers"], Json::array({"X-Api-Key", "X-Plain"}));
  const Json& free = services[1];
  EXPECT_EQ(free["auth"], "freebie");
  EXPECT_EQ(free["freebies"], 5);
  EXPECT_EQ(free["upstream"], "https://[::1]:8443");
  EXPECT_TRUE(free["timeout_seconds"].is_null());
  EXPECT_TRUE(free["capabilities"].is_null());
}

TEST_F(AdminServerTest, TokensAndStatsReflectRecordedPaidRequests) {
  IssuedChallenge challenge;
  challenge.token_id = token(0x01);
  challenge.payment_hash = token(0xa1);
  challenge.service = "demo";
  challenge.price = Msat(1000);
  challenge.issued_at = kStartTime;
  challenge.invoice_expires_at = kStartTime + 3600;
  ASSERT_TRUE(IsOk(store_->record_challenge(challenge)));
  ASSERT_TRUE(IsOk(store_->record_paid_request(token(0x01), token(0xa1), "demo", Msat(1000), 10)));
  ASSERT_TRUE(IsOk(store_->record_paid_request(token(0x01), token(0xa1), "demo", Msat(1000), 30)));
  ASSERT_TRUE(IsOk(store_->record_paid_request(token(0x02), token(0xa2), "free", Msat(500), 20)));

  const HttpAnswer all = request("GET", "/api/tokens");
  ASSERT_EQ(all.status, 200);
  const Json tokens = all.json()["tokens"];
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0]["token_id"], hex::encode(token(0x01)));
  EXPECT_EQ(tokens[0]["payment_hash"], hex::encode(token(0xa1)));
  EXPECT_EQ(tokens[0]["service"], "demo");
  EXPECT_EQ(tokens[0]["first_used_at"], 10);
  EXPECT_EQ(tokens[0]["last_used_at"], 30);
  EXPECT_EQ(tokens[0]["request_count"], 2);
  EXPECT_EQ(tokens[0]["revenue_msat"], 1000);
  EXPECT_EQ(tokens[0]["revoked"], false);
  EXPECT_EQ(tokens[1]["token_id"], hex::encode(token(0x02)));

  const Json filtered = request("GET", "/api/tokens?service=free&limit=5").json()["tokens"];
  ASSERT_EQ(filtered.size(), 1u);
  EXPECT_EQ(filtered[0]["service"], "free");
  EXPECT_EQ(request("GET", "/api/tokens?limit=1").json()["tokens"].size(), 1u);

  const HttpAnswer stats = request("GET", "/api/stats");
  ASSERT_EQ(stats.status, 200);
  const Json json = stats.json();
  ASSERT_EQ(json["services"].size(), 2u);
  EXPECT_EQ(json["services"][0]["service"], "demo");
  EXPECT_EQ(json["services"][0]["challenges"], 1);
  EXPECT_EQ(json["services"][0]["paid_tokens"], 1);
  EXPECT_EQ(json["services"][0]["paid_requests"], 2);
  EXPECT_EQ(json["services"][0]["revenue_msat"], 1000);
  EXPECT_EQ(json["services"][1]["service"], "free");
  EXPECT_EQ(json["totals"]["challenges"], 1);
  EXPECT_EQ(json["totals"]["paid_tokens"], 2);
  EXPECT_EQ(json["totals"]["paid_requests"], 3);
  EXPECT_EQ(json["totals"]["revenue_msat"], 1500);
  EXPECT_EQ(json["totals"]["settlements"], 0);
}

TEST_F(AdminServerTest, TokensRefuseABadLimit) {
  for (const char* target : {"/api/tokens?limit=0", "/api/tokens?limit=abc",
                             "/api/tokens?limit=10001", "/api/tokens?limit=-1"}) {
    const HttpAnswer answer = request("GET", target);
    EXPECT_EQ(answer.status, 400) << target;
    EXPECT_TRUE(answer.json()["error"].is_string());
  }
}

TEST_F(AdminServerTest, RevokeTakesEffectAtOnceAndIsIdempotent) {
  const TokenId id = token(0x5e);
  const std::string path = "/api/tokens/" + hex::encode(id) + "/revoke";
  const HttpAnswer first = request("POST", path, R"({"reason": "leaked in a log"})");
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.json()["revoked"], true);
  EXPECT_EQ(first.json()["token_id"], hex::encode(id));
  EXPECT_TRUE(shared_->is_revoked(id));
  const auto entries = store_->load_revocations(0);
  ASSERT_TRUE(IsOk(entries));
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].reason, "leaked in a log");
  EXPECT_EQ((*entries)[0].revoked_at, kStartTime);

  const HttpAnswer again = request("POST", path);  // no body: no reason
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.json()["revoked"], false);
  EXPECT_EQ(request("GET", "/api/info").json()["revoked_tokens"], 1);

  // Upper-case hex names the same token.
  std::string upper = hex::encode(id);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(request("POST", "/api/tokens/" + upper + "/revoke").json()["revoked"], false);

  const std::string log = read_log();
  EXPECT_NE(log.find("token revoked"), std::string::npos);
  EXPECT_NE(log.find(hex::encode(id).substr(0, 16)), std::string::npos);
  EXPECT_EQ(log.find(hex::encode(id)), std::string::npos) << "the full token ID is logged";
}

TEST_F(AdminServerTest, RevokeRefusesBadIdsAndBodies) {
  const std::string path = "/api/tokens/" + hex::encode(token(0x11)) + "/revoke";
  EXPECT_EQ(request("POST", path, "{not json").status, 400);
  EXPECT_EQ(request("POST", path, R"(["reason"])").status, 400);
  EXPECT_EQ(request("POST", path, R"({"reason": 5})").status, 400);
  EXPECT_EQ(request("POST", path, R"({"reason": "x", "extra": 1})").status, 400);
  EXPECT_EQ(request("POST", "/api/tokens/abc/revoke").status, 400);
  EXPECT_EQ(request("POST", "/api/tokens/" + std::string(64, 'g') + "/revoke").status, 400);
  EXPECT_FALSE(shared_->is_revoked(token(0x11)));
}

TEST_F(AdminServerTest, RotateMakesANewActiveKey) {
  const KeyId before = shared_->current()->active()->id;
  const HttpAnswer answer = request("POST", "/api/keys/rotate");
  ASSERT_EQ(answer.status, 200);
  const KeyId rotated = answer.json()["key_id"].get<KeyId>();
  EXPECT_NE(rotated, before);
  EXPECT_EQ(shared_->current()->active()->id, rotated);
  EXPECT_EQ(request("GET", "/api/info").json()["active_key_id"], rotated);
  EXPECT_NE(read_log().find("root key rotated"), std::string::npos);
}

TEST_F(AdminServerTest, WrongMethodIs405AndUnknownPathIs404) {
  const HttpAnswer rotate = request("GET", "/api/keys/rotate");
  EXPECT_EQ(rotate.status, 405);
  EXPECT_EQ(rotate.field("Allow"), "POST");
  EXPECT_EQ(request("POST", "/api/info").status, 405);
  EXPECT_EQ(request("DELETE", "/api/tokens").status, 405);
  EXPECT_EQ(request("GET", "/api/tokens/" + hex::encode(token(1)) + "/revoke").status, 405);
  EXPECT_EQ(request("POST", "/metrics", "", "").status, 405);
  EXPECT_EQ(request("GET", "/api/unknown").status, 404);
  EXPECT_EQ(request("GET", "/", "", "").status, 404);
  EXPECT_EQ(request("GET", "/apix", "", "").status, 404);
  EXPECT_EQ(request("GET", "/api/unknown").json()["error"], "no such endpoint");
}

TEST_F(AdminServerTest, OversizedBodyIs413AndOversizedHeadIs431) {
  HttpConnection body(server_->port());
  ASSERT_TRUE(body.connected());
  ASSERT_TRUE(body.send("POST /api/tokens/" + hex::encode(token(1)) +
                        "/revoke HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + credential_ +
                        "\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, ' ')));
  const HttpAnswer too_large = body.receive();
  EXPECT_EQ(too_large.status, 413);
  EXPECT_TRUE(too_large.closed);
  EXPECT_FALSE(shared_->is_revoked(token(1)));

  HttpConnection head(server_->port());
  ASSERT_TRUE(head.connected());
  ASSERT_TRUE(head.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Filler: " + std::string(9000, 'a') +
                        "\r\n\r\n"));
  EXPECT_EQ(head.receive().status, 431);
}

TEST_F(AdminServerTest, MalformedRequestIs400AndClosesTheConnection) {
  HttpConnection connection(server_->port());
  ASSERT_TRUE(connection.connected());
  ASSERT_TRUE(connection.send("GET /healthz HTTP/1.1\r\nBad Header Line\r\n\r\n"));
  const HttpAnswer answer = connection.receive();
  EXPECT_EQ(answer.status, 400);
  EXPECT_TRUE(connection.closed_by_server());
}

TEST_F(AdminServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  HttpConnection connection(server_->port());
  ASSERT_TRUE(connection.connected());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(connection.send("GET /api/stats HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                                credential_ + "\r\n\r\n"));
    const HttpAnswer answer = connection.receive();
    EXPECT_EQ(answer.status, 200) << i;
    EXPECT_FALSE(answer.closed);
  }
}

TEST_F(AdminServerTest, FullWorkerPoolAnswers503) {
  server_->stop();
  WorkerPool tiny(1, 1);
  std::latch release(1);
  std::latch started(1);
  ASSERT_TRUE(tiny.try_submit([&] {
    started.count_down();
    release.wait();
  }));
  started.wait();
  ASSERT_TRUE(tiny.try_submit([] {}));  // fills the queue
  AdminConfig admin;
  admin.port = 0;
  AdminDeps busy_deps = deps(*backend_);
  auto server = AdminServer::start(admin, credential_,
                                   AdminDeps{*store_, *shared_, *backend_, tiny, metrics_, *logger_,
                                             busy_deps.config, busy_deps.now, "busy"});
  ASSERT_TRUE(IsOk(server));
  server_ = std::move(server).value();
  const HttpAnswer answer = request("GET", "/api/stats");
  EXPECT_EQ(answer.status, 503);
  EXPECT_EQ(answer.field("Retry-After"), "1");
  // Answers that need no store call still come.
  EXPECT_EQ(request("GET", "/healthz", "", "").status, 200);
  release.count_down();
  server_->stop();
  server_.reset();
  tiny.stop();
}

TEST_F(AdminServerTest, RefusesToListenOnANonLoopbackAddress) {
  for (const char* host : {"0.0.0.0", "192.0.2.10", "::", "::ffff:10.0.0.1", "[2001:db8::1]",
                           "example.com", "127.0.0.1.example.com"}) {
    AdminConfig admin;
    admin.host = host;
    admin.port = 0;
    EXPECT_TRUE(HasError(AdminServer::start(admin, credential_, deps(*backend_)),
                         ErrorCode::kInvalidArgument))
        << host;
  }
  AdminConfig loopback;
  loopback.host = "127.0.0.2";  // all of 127.0.0.0/8 is loopback
  loopback.port = 0;
  auto other = AdminServer::start(loopback, credential_, deps(*backend_));
  ASSERT_TRUE(IsOk(other));
  (*other)->stop();
}

TEST_F(AdminServerTest, NoAnswerOrLogLineContainsASecret) {
  ASSERT_TRUE(IsOk(store_->record_paid_request(token(3), token(4), "demo", Msat(1000), 5)));
  request("GET", "/api/info");
  request("GET", "/api/services");
  request("GET", "/api/tokens");
  request("GET", "/api/stats");
  request("POST", "/api/tokens/" + hex::encode(token(3)) + "/revoke", R"({"reason":"r"})");
  request("POST", "/api/keys/rotate");
  request("GET", "/metrics", "", "");
  request("GET", "/readyz", "", "");
  request("GET", "/api/info", "", "Bearer wrong-" + credential_);
  ASSERT_FALSE(bodies_seen_.empty());
  for (const std::string_view secret : {std::string_view(credential_), kSecretHeaderValue,
                                        std::string_view("literal-value-also-hidden")}) {
    EXPECT_EQ(bodies_seen_.find(secret), std::string::npos) << secret;
    EXPECT_EQ(read_log().find(secret), std::string::npos) << secret;
  }
  // Nor the root keys.
  const auto keys = store_->load_keys();
  ASSERT_TRUE(IsOk(keys));
  for (const MasterKey& key : *keys) {
    const std::string secret_hex = hex::encode(key.key.view());
    EXPECT_EQ(bodies_seen_.find(secret_hex), std::string::npos);
  }
}

TEST_F(AdminServerTest, StopClosesTheListener) {
  const std::uint16_t port = server_->port();
  server_->stop();
  HttpConnection connection(port);
  EXPECT_FALSE(connection.connected());
  server_.reset();
}

}  // namespace
}  // namespace l402::gateway::test
