// GatewayHandler decisions that need no payment: routing (404, order), auth off, free paths,
// CORS preflight, freebies per client network, and reload.
#include "gateway_test_env.hpp"

namespace l402::gateway::test {
namespace {

TEST_F(GatewayTest, NoMatchingServiceIsNotFound) {
  start_with({test_service()});
  const Decision decision = decide(get("/other"));
  const Reply* reply = reply_of(decision);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->status, 404);
  EXPECT_EQ(reply->body, "no service for this host and path\n");
  EXPECT_EQ(decision.outcome.outcome, "not_found");
  EXPECT_EQ(decision.outcome.service, "");
}

TEST_F(GatewayTest, FirstMatchingServiceWinsAndHostIsMatchedWithoutPortOrCase) {
  ServiceConfig special = test_service("special", "/api/special/.*");
  special.host_regex = "api\\.example\\.com";
  special.auth = AuthMode::kOff;
  ServiceConfig general = test_service("general", "/api/.*");
  general.auth = AuthMode::kOff;
  ServiceConfig shadowed = test_service("shadowed", "/api/special/.*");
  start_with({special, general, shadowed});

  RequestHead head = get("/api/special/x");
  head.host = "API.Example.COM:8402";
  EXPECT_EQ(decide(head).outcome.service, "special");
  head.host = "other.example.com";
  EXPECT_EQ(decide(head).outcome.service, "general");
  EXPECT_EQ(decide(get("/api/special")).outcome.service, "general");  // anchored: no match
}

TEST_F(GatewayTest, AuthOffForwardsWithoutCredentialFields) {
  ServiceConfig service = test_service();
  service.auth = AuthMode::kOff;
  service.rewrite_from = "/api";
  service.rewrite_to = "/";
  start_with({service});
  RequestHead head = get("/api/data?q=1");
  head.fields.push_back({"X-L402-Token-Id", "spoofed"});
  const Decision decision = decide(head);
  const ForwardPlan* plan = plan_of(decision);
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(decision.outcome.outcome, "free");
  EXPECT_EQ(plan->target, "/data?q=1");
  EXPECT_TRUE(values(plan->set_fields, "Authorization").empty());
  EXPECT_TRUE(values(plan->set_fields, "X-L402-Token-Id").empty());
  EXPECT_EQ(plan->remove_fields, std::vector<std::string>{"X-L402-Token-Id"});
  EXPECT_EQ(decision.outcome.verify_time.count(), 0);
}

TEST_F(GatewayTest, FreePathsOfAPricedServicePassUnpaid) {
  ServiceConfig service = test_service();
  service.free_paths = {"/api/health", "/api/docs/.*"};
  start_with({service});
  EXPECT_NE(plan_of(decide(get("/api/health"))), nullptr);
  EXPECT_NE(plan_of(decide(get("/api/docs/intro?lang=en"))), nullptr);
  const Decision priced = decide(get("/api/health/deep"));
  ASSERT_NE(reply_of(priced), nullptr);
  EXPECT_EQ(reply_of(priced)->status, 402);
}

TEST_F(GatewayTest, AZeroPriceLetsRequestsThrough) {
  ServiceConfig service = test_service();
  service.price = Msat(0);
  start_with({service});
  const Decision decision = decide(get("/api/data"));
  ASSERT_NE(plan_of(decision), nullptr);
  EXPECT_EQ(decision.outcome.outcome, "free");
}

TEST_F(GatewayTest, CorsPreflightToAPricedServiceGets204WithoutAChallenge) {
  GatewayConfig config;
  config.services = {test_service()};
  config.cors.allow_origins = {"https://app.example"};
  start(std::move(config));
  RequestHead head = get("/api/data");
  head.method = "OPTIONS";
  head.fields.push_back({"Origin", "https://app.example"});
  head.fields.push_back({"Access-Control-Request-Method", "POST"});
  head.fields.push_back({"Access-Control-Request-Headers", "authorization"});
  const Decision decision = decide(head);
  const Reply* reply = reply_of(decision);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->status, 204);
  EXPECT_EQ(value(reply->fields, "Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_EQ(value(reply->fields, "Vary"), "Origin");
  EXPECT_EQ(value(reply->fields, "Access-Control-Allow-Headers"), "authorization");
  EXPECT_NE(value(reply->fields, "Access-Control-Allow-Methods").find("POST"), std::string::npos);
  EXPECT_TRUE(values(reply->fields, "WWW-Authenticate").empty());

  // The challenge itself echoes a listed Origin, and names none for an unlisted one.
  RequestHead listed = get("/api/data");
  listed.fields.push_back({"Origin", "https://app.example"});
  EXPECT_EQ(value(reply_of(decide(listed))->fields, "Access-Control-Allow-Origin"),
            "https://app.example");
  RequestHead unlisted = get("/api/data");
  unlisted.fields.push_back({"Origin", "https://evil.example"});
  EXPECT_TRUE(values(reply_of(decide(unlisted))->fields, "Access-Control-Allow-Origin").empty());
}

TEST_F(GatewayTest, FreebiesAreCountedPerClientNetworkPerDay) {
  ServiceConfig service = test_service();
  service.auth = AuthMode::kFreebie;
  service.freebies = 2;
  start_with({service});
  // Two addresses of one /24 share its free requests.
  const Decision first = decide(get("/api/data", "203.0.113.5"));
  EXPECT_EQ(first.outcome.outcome, "freebie");
  ASSERT_NE(plan_of(first), nullptr);
  EXPECT_TRUE(values(plan_of(first)->set_fields, "Authorization").empty());
  EXPECT_EQ(decide(get("/api/data", "203.0.113.99")).outcome.outcome, "freebie");
  const Decision third = decide(get("/api/data", "203.0.113.5"));
  ASSERT_NE(reply_of(third), nullptr);
  EXPECT_EQ(reply_of(third)->status, 402);
  // Another network has its own; IPv6 counts per /48, IPv4-mapped IPv6 as IPv4.
  EXPECT_EQ(decide(get("/api/data", "198.51.100.1")).outcome.outcome, "freebie");
  EXPECT_EQ(decide(get("/api/data", "2001:db8:1:2::1")).outcome.outcome, "freebie");
  EXPECT_EQ(decide(get("/api/data", "2001:db8:1:ffff::1")).outcome.outcome, "freebie");
  EXPECT_EQ(decide(get("/api/data", "2001:db8:1::7")).outcome.outcome, "challenged");
  EXPECT_EQ(decide(get("/api/data", "::ffff:203.0.113.1")).outcome.outcome, "challenged");
  // The next day starts afresh.
  now_ += 24 * 3600;
  EXPECT_EQ(decide(get("/api/data", "203.0.113.5")).outcome.outcome, "freebie");
}

TEST_F(GatewayTest, FreebiesFollowTheClientBehindTrustedProxiesOnly) {
  ServiceConfig service = test_service();
  service.auth = AuthMode::kFreebie;
  service.freebies = 1;
  GatewayConfig config;
  config.services = {service};
  config.trusted_proxies = {"10.0.0.0/8"};
  start(std::move(config));

  RequestHead proxied = get("/api/data", "10.1.2.3");
  proxied.fields.push_back({"X-Forwarded-For", "198.51.100.20"});
  const Decision first = decide(proxied);
  EXPECT_EQ(first.outcome.outcome, "freebie");
  EXPECT_EQ(first.outcome.client_address, "198.51.100.20");
  ASSERT_NE(plan_of(first), nullptr);
  EXPECT_EQ(value(plan_of(first)->set_fields, "X-Forwarded-For"), "198.51.100.20, 10.1.2.3");
  EXPECT_EQ(decide(proxied).outcome.outcome, "challenged");

  // An untrusted client cannot pose as someone else to get more.
  RequestHead spoofing = get("/api/data", "192.0.2.50");
  spoofing.fields.push_back({"X-Forwarded-For", "198.51.100.99"});
  EXPECT_EQ(decide(spoofing).outcome.outcome, "freebie");
  spoofing.fields.back().value = "203.0.113.200";
  const Decision second = decide(spoofing);
  EXPECT_EQ(second.outcome.outcome, "challenged");
  EXPECT_EQ(second.outcome.client_address, "192.0.2.50");
}

TEST_F(GatewayTest, ReloadSwapsTheServices) {
  start_with({test_service("old", "/old/.*")});
  EXPECT_EQ(decide(get("/old/x")).outcome.service, "old");
  GatewayConfig config;
  config.services = {test_service("new", "/new/.*")};
  ASSERT_OK(handler_->reload(std::make_shared<const GatewayConfig>(config)));
  EXPECT_EQ(decide(get("/old/x")).outcome.outcome, "not_found");
  EXPECT_EQ(decide(get("/new/x")).outcome.service, "new");
  EXPECT_EQ(handler_->config()->services.front().name, "new");

  config.services.front().path_regex = "([";
  EXPECT_TRUE(
      ::l402::test::HasError(handler_->reload(std::make_shared<const GatewayConfig>(config)),
                             ErrorCode::kInvalidArgument));
  EXPECT_EQ(decide(get("/new/x")).outcome.service, "new");
}

}  // namespace
}  // namespace l402::gateway::test
