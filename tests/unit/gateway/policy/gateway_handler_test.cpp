// GatewayHandler end to end over real components: challenges minted through a devnet node,
// paid from a payer account, and the credential verified and forwarded.
#include <nlohmann/json.hpp>

#include "gateway_test_env.hpp"
#include "l402/bolt11.hpp"
#include "l402/macaroon_format.hpp"
#include "l402/token.hpp"

namespace l402::gateway::test {
namespace {

TEST_F(GatewayTest, UnpaidRequestGetsApertureChallengesWhoseInvoiceCommitsToTheMacaroon) {
  start_with({test_service()});
  const Decision decision = decide(get("/api/data?x=1"));
  const Reply* reply = reply_of(decision);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->status, 402);
  EXPECT_EQ(decision.outcome.outcome, "challenged");
  EXPECT_EQ(decision.outcome.service, "demo");
  EXPECT_EQ(decision.outcome.client_address, "203.0.113.7");
  EXPECT_EQ(value(reply->fields, "Cache-Control"), "no-store");
  EXPECT_EQ(value(reply->fields, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(value(reply->fields, "Access-Control-Expose-Headers"), "WWW-Authenticate");
  EXPECT_EQ(reply->body, "payment required\n");

  const std::vector<std::string> lines = values(reply->fields, "WWW-Authenticate");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[0].starts_with("LSAT macaroon=\""));
  EXPECT_TRUE(lines[1].starts_with("L402 macaroon=\""));

  const Challenge challenge = challenge_of(*reply);
  ASSERT_OK_AND_ASSIGN(Invoice invoice, decode_invoice(challenge.invoice));
  EXPECT_EQ(invoice.amount, Msat(2'000));
  EXPECT_EQ(invoice.description, "L402");
  ASSERT_OK_AND_ASSIGN(std::string binary, base64::decode(challenge.macaroon_base64));
  ASSERT_OK_AND_ASSIGN(Macaroon macaroon, parse_binary(binary));
  ASSERT_OK_AND_ASSIGN(Identifier identifier, decode_identifier(macaroon.identifier()));
  EXPECT_EQ(identifier.payment_hash, invoice.payment_hash);
}

TEST_F(GatewayTest, SpecStyleSendsOnlyTheL402Challenge) {
  GatewayConfig config;
  config.services = {test_service()};
  config.challenge_style = ChallengeStyle::kSpec;
  start(std::move(config));
  const Decision decision = decide(get("/api/data"));
  ASSERT_NE(reply_of(decision), nullptr);
  const std::vector<std::string> lines = values(reply_of(decision)->fields, "WWW-Authenticate");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0].starts_with("L402 "));
}

TEST_F(GatewayTest, JsonBodyDescribesTheChallengeWhenAcceptAsksForJson) {
  start_with({test_service()});
  RequestHead head = get("/api/data");
  head.fields.push_back({"Accept", "text/html, application/json;q=0.9"});
  const Decision decision = decide(head);
  const Reply* reply = reply_of(decision);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(value(reply->fields, "Content-Type"), "application/json");
  const nlohmann::json body = nlohmann::json::parse(reply->body, nullptr, false);
  ASSERT_FALSE(body.is_discarded()) << reply->body;
  const Challenge challenge = challenge_of(*reply);
  EXPECT_EQ(body["error"], "payment required");
  EXPECT_EQ(body["service"], "demo");
  EXPECT_EQ(body["price_msat"], 2000);
  EXPECT_EQ(body["invoice"], challenge.invoice);
  EXPECT_EQ(body["macaroon"], challenge.macaroon_base64);
  ASSERT_OK_AND_ASSIGN(Invoice invoice, decode_invoice(challenge.invoice));
  EXPECT_EQ(body["payment_hash"], hex::encode(invoice.payment_hash));
  EXPECT_EQ(body["expires_at"], now_.load() + 3600);
}

TEST_F(GatewayTest, PaidCredentialIsForwardedInApertureFormAndRecordedOnFlush) {
  ServiceConfig service = test_service();
  service.headers.push_back({"X-Api-Key", "upstream-secret", true});
  start_with({service});
  const std::string credential = buy("/api/data");

  RequestHead head = with_credential("/api/data?page=2", credential);
  head.fields.push_back({"X-L402-Token-Id", "spoofed"});
  head.fields.push_back({"x-l402-service", "spoofed"});
  head.fields.push_back({"Macaroon", "00"});
  head.fields.push_back({"X-Api-Key", "client-value"});
  const Decision decision = decide(head);
  const ForwardPlan* plan = plan_of(decision);
  ASSERT_NE(plan, nullptr) << (reply_of(decision) ? reply_of(decision)->body : "");
  EXPECT_EQ(decision.outcome.outcome, "paid");
  EXPECT_EQ(decision.outcome.token_id.size(), 8u);
  EXPECT_GT(decision.outcome.verify_time.count(), 0);
  EXPECT_EQ(plan->target, "/api/data?page=2");
  EXPECT_EQ(plan->upstream.port, 9000);

  const std::vector<std::string> authorizations = values(plan->set_fields, "Authorization");
  ASSERT_EQ(authorizations.size(), 2u);
  EXPECT_EQ(authorizations[1], credential);
  EXPECT_EQ(authorizations[0], "LSAT" + credential.substr(4));
  const std::string token_id = value(plan->set_fields, "X-L402-Token-Id");
  EXPECT_EQ(token_id.size(), 64u);
  EXPECT_TRUE(token_id.starts_with(decision.outcome.token_id));
  EXPECT_EQ(value(plan->set_fields, "X-L402-Service"), "demo");
  EXPECT_EQ(value(plan->set_fields, "X-Api-Key"), "upstream-secret");
  EXPECT_EQ(values(plan->set_fields, "X-Api-Key").size(), 1u);
  EXPECT_EQ(value(plan->set_fields, "Host"), "127.0.0.1:9000");
  EXPECT_EQ(value(plan->set_fields, "X-Forwarded-For"), "203.0.113.7");
  EXPECT_EQ(value(plan->set_fields, "X-Forwarded-Proto"), "http");
  EXPECT_EQ(value(plan->set_fields, "X-Forwarded-Host"), "api.example.com:8402");
  for (const std::string name :
       {"X-L402-Token-Id", "x-l402-service", "Macaroon", "Grpc-Metadata-Macaroon"}) {
    EXPECT_NE(std::find(plan->remove_fields.begin(), plan->remove_fields.end(), name),
              plan->remove_fields.end())
        << name;
  }

  // Counted once per token in the metrics, every request in the ledger.
  ASSERT_NE(plan_of(decide(with_credential("/api/other", credential))), nullptr);
  EXPECT_NE(metrics_.render().find("l402d_paid_tokens_total{service=\"demo\"} 1"),
            std::string::npos)
      << metrics_.render();
  ASSERT_OK_AND_ASSIGN(std::string id_bytes, hex::decode(token_id));
  TokenId id{};
  std::copy(id_bytes.begin(), id_bytes.end(), id.begin());
  ASSERT_OK_AND_ASSIGN(std::optional<PaidToken> before, store_->find_paid_token(id));
  EXPECT_FALSE(before.has_value());
  ASSERT_OK(handler_->flush());
  ASSERT_OK_AND_ASSIGN(std::optional<PaidToken> after, store_->find_paid_token(id));
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->request_count, 2u);
  EXPECT_EQ(after->service, "demo");
  EXPECT_EQ(after->revenue, Msat(2'000));

  // Neither the preimage nor the macaroon nor the injected value reaches the log.
  const std::string log = log_text();
  const std::string preimage_hex = credential.substr(credential.find(':') + 1);
  EXPECT_EQ(log.find(preimage_hex), std::string::npos);
  EXPECT_EQ(log.find(credential.substr(5, 40)), std::string::npos);
  EXPECT_EQ(log.find("upstream-secret"), std::string::npos);
}

TEST_F(GatewayTest, WrongPreimageIsUnauthorizedInSpecModeWithAFreshChallenge) {
  start_with({test_service()});
  std::string credential = buy("/api/data");
  credential.back() = credential.back() == '0' ? '1' : '0';
  const Decision decision = decide(with_credential("/api/data", credential));
  const Reply* reply = reply_of(decision);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->status, 401);
  EXPECT_EQ(decision.outcome.outcome, "denied");
  EXPECT_EQ(decision.outcome.denial, "wrong_preimage");
  EXPECT_NE(reply->body.find("wrong_preimage"), std::string::npos) << reply->body;
  EXPECT_EQ(values(reply->fields, "WWW-Authenticate").size(), 2u);
  EXPECT_NE(metrics_.render().find("reason=\"wrong_preimage\""), std::string::npos);
  EXPECT_NE(log_text().find("wrong_preimage"), std::string::npos);
}

TEST_F(GatewayTest, ApertureStatusModeAnswersEveryDenialWith402) {
  GatewayConfig config;
  config.services = {test_service()};
  config.status_mode = DenialStatusMode::kAperture;
  start(std::move(config));
  std::string credential = buy("/api/data");
  credential.back() = credential.back() == '0' ? '1' : '0';
  const Decision decision = decide(with_credential("/api/data", credential));
  ASSERT_NE(reply_of(decision), nullptr);
  EXPECT_EQ(reply_of(decision)->status, 402);
  EXPECT_EQ(decision.outcome.denial, "wrong_preimage");
}

TEST_F(GatewayTest, MalformedCredentialIsUnauthorized) {
  start_with({test_service()});
  const Decision decision = decide(with_credential("/api/data", "L402 !!!notbase64:zz"));
  ASSERT_NE(reply_of(decision), nullptr);
  EXPECT_EQ(reply_of(decision)->status, 401);
  EXPECT_EQ(decision.outcome.denial, "malformed");
}

TEST_F(GatewayTest, TokenOfAnotherServiceGetsAFreshChallenge) {
  start_with({test_service("first", "/first/.*"), test_service("second", "/second/.*")});
  const std::string credential = buy("/first/x");
  ASSERT_NE(plan_of(decide(with_credential("/first/x", credential))), nullptr);
  const Decision decision = decide(with_credential("/second/x", credential));
  const Reply* reply = reply_of(decision);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->status, 402);
  EXPECT_EQ(decision.outcome.denial, "wrong_service");
  EXPECT_EQ(values(reply->fields, "WWW-Authenticate").size(), 2u);
}

TEST_F(GatewayTest, ExpiredTokenGetsAFreshChallenge) {
  ServiceConfig service = test_service();
  service.valid_for_seconds = 60;
  start_with({service});
  const std::string credential = buy("/api/data");
  now_ += 59;
  ASSERT_NE(plan_of(decide(with_credential("/api/data", credential))), nullptr);
  now_ += 1;
  const Decision decision = decide(with_credential("/api/data", credential));
  ASSERT_NE(reply_of(decision), nullptr);
  EXPECT_EQ(reply_of(decision)->status, 402);
  EXPECT_EQ(decision.outcome.denial, "expired");
}

TEST_F(GatewayTest, RevokedTokenGetsAFreshChallenge) {
  start_with({test_service()});
  const std::string credential = buy("/api/data");
  const Decision granted = decide(with_credential("/api/data", credential));
  const ForwardPlan* plan = plan_of(granted);
  ASSERT_NE(plan, nullptr);
  ASSERT_OK(shared_->revoke(forwarded_token_id(*plan), now_.load(), "test"));
  const Decision decision = decide(with_credential("/api/data", credential));
  ASSERT_NE(reply_of(decision), nullptr);
  EXPECT_EQ(reply_of(decision)->status, 402);
  EXPECT_EQ(decision.outcome.denial, "revoked");
}

TEST_F(GatewayTest, TokenMintedUnderAnUnknownKeyIsUnauthorized) {
  start_with({test_service()});
  // Another gateway's keyring, over the same Lightning node.
  InMemoryKeyring keyring;
  ASSERT_OK(keyring.rotate(system_random()));
  InMemoryRevocationList revocations;
  const Authority other(keyring, revocations, *receiver_, system_random());
  ServiceOffer offer;
  offer.name = "demo";
  Offer offers;
  offers.services = {offer};
  ASSERT_OK_AND_ASSIGN(MintedChallenge minted,
                       other.mint(offers, Msat(2'000), static_cast<std::uint64_t>(now_.load())));
  Challenge challenge;
  challenge.invoice = minted.invoice;
  challenge.macaroon_base64 = base64::encode_std(minted.macaroon_binary);
  const std::string credential = authorization(challenge, pay(challenge));
  const Decision decision = decide(with_credential("/api/data", credential));
  ASSERT_NE(reply_of(decision), nullptr);
  EXPECT_EQ(reply_of(decision)->status, 401);
  EXPECT_EQ(decision.outcome.denial, "unknown_key_id");
}

TEST_F(GatewayTest, CapabilityPathsNeedTheirCapability) {
  ServiceConfig service = test_service();
  service.capabilities = std::vector<std::string>{"read"};
  service.capability_rules = {{"/api/admin/.*", "write"}, {"/api/.*", "read"}};
  start_with({service});
  const std::string credential = buy("/api/data");
  EXPECT_NE(plan_of(decide(with_credential("/api/data", credential))), nullptr);
  const Decision admin = decide(with_credential("/api/admin/users", credential));
  ASSERT_NE(reply_of(admin), nullptr);
  EXPECT_EQ(reply_of(admin)->status, 402);
  EXPECT_EQ(admin.outcome.denial, "missing_capability");
  // Another spelling of the same path is the same path.
  const Decision encoded = decide(with_credential("/api/%61dmin/../admin/users", credential));
  ASSERT_NE(reply_of(encoded), nullptr);
  EXPECT_EQ(encoded.outcome.denial, "missing_capability");
}

TEST_F(GatewayTest, LimitConstraintsMayOnlyNarrow) {
  ServiceConfig service = test_service();
  service.constraints = {{"demo_max_requests", "1000"}};
  start_with({service});
  const std::string credential = buy("/api/data");
  ASSERT_NE(plan_of(decide(with_credential("/api/data", credential))), nullptr);

  // The holder narrows the limit (allowed), then tries to widen it again (refused).
  const std::string token_b64 = credential.substr(5, credential.find(':') - 5);
  const std::string preimage = credential.substr(credential.find(':') + 1);
  ASSERT_OK_AND_ASSIGN(std::string binary, base64::decode(token_b64));
  ASSERT_OK_AND_ASSIGN(Macaroon macaroon, parse_binary(binary));
  ASSERT_OK(macaroon.add_first_party_caveat("demo_max_requests=10"));
  const std::string narrowed =
      "L402 " + base64::encode_std(to_binary_v2(macaroon)) + ":" + preimage;
  ASSERT_NE(plan_of(decide(with_credential("/api/data", narrowed))), nullptr);
  ASSERT_OK(macaroon.add_first_party_caveat("demo_max_requests=5000"));
  const std::string widened = "L402 " + base64::encode_std(to_binary_v2(macaroon)) + ":" + preimage;
  const Decision decision = decide(with_credential("/api/data", widened));
  ASSERT_NE(reply_of(decision), nullptr);
  EXPECT_EQ(decision.outcome.denial, "widened_caveat");
}

TEST_F(GatewayTest, BackendDownGives503ButValidCredentialsStillPass) {
  start_with({test_service()});
  const std::string credential = buy("/api/data");
  backend_->down = true;
  const Decision unpaid = decide(get("/api/data"));
  const Reply* reply = reply_of(unpaid);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->status, 503);
  EXPECT_EQ(value(reply->fields, "Retry-After"), "5");
  EXPECT_EQ(unpaid.outcome.outcome, "unavailable");
  EXPECT_NE(metrics_.render().find("operation=\"create_invoice\"} 1"), std::string::npos)
      << metrics_.render();
  EXPECT_NE(plan_of(decide(with_credential("/api/data", credential))), nullptr);

  // A bad credential is still told so, without a challenge.
  std::string wrong = credential;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  const Decision denied = decide(with_credential("/api/data", wrong));
  ASSERT_NE(reply_of(denied), nullptr);
  EXPECT_EQ(reply_of(denied)->status, 401);
  EXPECT_TRUE(values(reply_of(denied)->fields, "WWW-Authenticate").empty());
}

TEST_F(GatewayTest, FullWorkerPoolGives503Busy) {
  workers_ = std::make_unique<WorkerPool>(1, 1);
  start_with({test_service()});
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  ASSERT_TRUE(workers_->try_submit([&started, released] {
    started.set_value();
    released.wait_for(std::chrono::seconds(20));
  }));
  ASSERT_EQ(started.get_future().wait_for(std::chrono::seconds(20)), std::future_status::ready);
  ASSERT_TRUE(workers_->try_submit([] {}));  // fills the queue

  const Decision decision = decide(get("/api/data"));
  release.set_value();
  const Reply* reply = reply_of(decision);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->status, 503);
  EXPECT_EQ(value(reply->fields, "Retry-After"), "5");
  EXPECT_EQ(decision.outcome.outcome, "busy");
}

TEST_F(GatewayTest, ChallengesBeyondTheNetworkLimitGet429UntilTheBucketRefills) {
  GatewayConfig config;
  config.services = {test_service()};
  config.challenge_network_limit = 60;  // one a second
  config.challenge_network_burst = 2;
  start(std::move(config));

  const std::string credential = buy("/api/data");  // the first challenge
  ASSERT_NE(reply_of(decide(get("/api/data"))), nullptr);
  const Decision limited = decide(get("/api/data"));
  const Reply* reply = reply_of(limited);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->status, 429);
  EXPECT_EQ(value(reply->fields, "Retry-After"), "1");
  EXPECT_EQ(value(reply->fields, "Cache-Control"), "no-store");
  EXPECT_TRUE(values(reply->fields, "WWW-Authenticate").empty());
  EXPECT_EQ(reply->body, "too many challenges from this network; retry in 1 s\n");
  EXPECT_EQ(limited.outcome.outcome, "limited");

  // The limit is the network's (/24), and paying customers are not held to it.
  EXPECT_EQ(reply_of(decide(get("/api/data", "203.0.113.200")))->status, 429);
  EXPECT_EQ(reply_of(decide(get("/api/data", "198.51.100.1")))->status, 402);
  EXPECT_NE(plan_of(decide(with_credential("/api/data", credential))), nullptr);

  steady_advanced_ms_ += 1000;
  EXPECT_EQ(reply_of(decide(get("/api/data")))->status, 402);
  EXPECT_EQ(reply_of(decide(get("/api/data")))->status, 429);
}

TEST_F(GatewayTest, ABadCredentialBeyondTheNetworkLimitIsStillToldSo) {
  GatewayConfig config;
  config.services = {test_service()};
  config.challenge_network_limit = 1;
  start(std::move(config));
  std::string wrong = buy("/api/data");
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  const Decision denied = decide(with_credential("/api/data", wrong));
  ASSERT_NE(reply_of(denied), nullptr);
  EXPECT_EQ(reply_of(denied)->status, 401);
  EXPECT_EQ(denied.outcome.outcome, "denied");
  EXPECT_TRUE(values(reply_of(denied)->fields, "WWW-Authenticate").empty());
}

TEST_F(GatewayTest, JsonBodyOfA429SaysWhenToRetry) {
  GatewayConfig config;
  config.services = {test_service()};
  config.challenge_network_limit = 2;  // one every 30 s
  config.challenge_network_burst = 1;
  start(std::move(config));
  ASSERT_EQ(reply_of(decide(get("/api/data")))->status, 402);
  RequestHead head = get("/api/data");
  head.fields.push_back({"Accept", "application/json"});
  const Decision limited = decide(head);
  ASSERT_NE(reply_of(limited), nullptr);
  EXPECT_EQ(reply_of(limited)->status, 429);
  EXPECT_EQ(value(reply_of(limited)->fields, "Retry-After"), "30");
  const nlohmann::json body = nlohmann::json::parse(reply_of(limited)->body);
  EXPECT_EQ(body.at("error"), "too many challenges");
  EXPECT_EQ(body.at("retry_after"), 30);
}

// The grant of an accepted credential is remembered per thread (CredentialCache); what may
// change behind it must still reach the next request.
TEST_F(GatewayTest, ACredentialAcceptedAMomentAgoIsRefusedOnceItsKeyIsRetired) {
  start_with({test_service()});
  const std::string credential = buy("/api/data");
  const Decision accepted = decide(with_credential("/api/data", credential));
  ASSERT_NE(plan_of(accepted), nullptr);
  const KeyId key_id = key_id_of(forwarded_token_id(*plan_of(accepted)));
  ASSERT_OK(shared_->rotate_key());
  ASSERT_OK(shared_->set_key_state(key_id, KeyState::kRetired));

  const Decision decision = decide(with_credential("/api/data", credential));
  ASSERT_NE(reply_of(decision), nullptr);
  EXPECT_EQ(decision.outcome.denial, "key_retired");
}

TEST_F(GatewayTest, RepeatedRequestsWithOneCredentialAreForwardedAlike) {
  start_with({test_service()});
  const std::string credential = buy("/api/data");
  const Decision first = decide(with_credential("/api/data", credential));
  const Decision second = decide(with_credential("/api/data", credential));
  ASSERT_NE(plan_of(first), nullptr);
  ASSERT_NE(plan_of(second), nullptr);
  EXPECT_EQ(values(plan_of(first)->set_fields, "Authorization"),
            values(plan_of(second)->set_fields, "Authorization"));
  EXPECT_EQ(values(plan_of(second)->set_fields, "Authorization").size(), 2u);
  EXPECT_EQ(value(plan_of(first)->set_fields, "X-L402-Token-Id"),
            value(plan_of(second)->set_fields, "X-L402-Token-Id"));
  EXPECT_EQ(second.outcome.outcome, "paid");
  EXPECT_EQ(second.outcome.token_id, first.outcome.token_id);
}

TEST_F(GatewayTest, AMalformedL402ValueBesideAGoodOneIsJudgedOnItsOwnEveryTime) {
  start_with({test_service()});
  const std::string credential = buy("/api/data");
  const std::string broken = "L402 AgEE:00";
  for (int round = 0; round < 2; ++round) {
    RequestHead head = with_credential("/api/data", broken);
    head.fields.push_back({"Authorization", credential});
    EXPECT_NE(plan_of(decide(head)), nullptr) << round;
  }
  const Decision alone = decide(with_credential("/api/data", broken));
  ASSERT_NE(reply_of(alone), nullptr);
  EXPECT_EQ(reply_of(alone)->status, 401);
  EXPECT_EQ(alone.outcome.denial, "malformed");
}

}  // namespace
}  // namespace l402::gateway::test
