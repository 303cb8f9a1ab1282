// AuthRequestHandler: the original request rebuilt from the fields nginx, Traefik and Caddy
// send in their subrequests, the gateway's decisions mapped to what a front proxy accepts, and
// free requests counted per client behind a trusted front proxy.
#include "gateway/policy/auth_request.hpp"

#include "gateway_test_env.hpp"

namespace l402::gateway::test {
namespace {

constexpr std::string_view kFrontProxy = "127.0.0.1";

// A subrequest as the nginx configuration of docs/front-proxy.md sends it.
RequestHead nginx_subrequest(std::string original_uri, std::string client = "198.51.100.20",
                             std::string auth_target = "/auth?challenge_status=401") {
  RequestHead head;
  head.method = "GET";
  head.target = std::move(auth_target);
  head.host = "api.example.com";
  head.peer_address = std::string(kFrontProxy);
  head.fields = {{"Host", "api.example.com"},
                 {"X-Original-URI", std::move(original_uri)},
                 {"X-Original-Method", "POST"},
                 {"X-Forwarded-Proto", "https"},
                 {"X-Forwarded-For", std::move(client)},
                 {"Accept", "*/*"}};
  return head;
}

// A subrequest as Traefik's forwardAuth sends it: to the auth server's own address.
RequestHead traefik_subrequest(std::string original_uri) {
  RequestHead head;
  head.method = "GET";
  head.target = "/";
  head.host = "127.0.0.1:8403";
  head.peer_address = std::string(kFrontProxy);
  head.fields = {{"Host", "127.0.0.1:8403"},
                 {"X-Forwarded-Method", "PUT"},
                 {"X-Forwarded-Proto", "http"},
                 {"X-Forwarded-Host", "api.example.com"},
                 {"X-Forwarded-Uri", std::move(original_uri)},
                 {"X-Forwarded-For", "198.51.100.30"}};
  return head;
}

std::string field(const RequestHead& head, std::string_view name) {
  return value(head.fields, name);
}

class AuthRequestTest : public GatewayTest {
 protected:
  void start_auth(std::vector<ServiceConfig> services, std::vector<std::string> trusted = {}) {
    GatewayConfig config;
    config.services = std::move(services);
    config.trusted_proxies = std::move(trusted);
    start(std::move(config));
    auth_ = std::make_unique<AuthRequestHandler>(*handler_);
  }

  Decision ask(const RequestHead& subrequest) {
    auto promise = std::make_shared<std::promise<Decision>>();
    std::future<Decision> future = promise->get_future();
    auth_->handle(subrequest,
                  [promise](Decision decision) { promise->set_value(std::move(decision)); });
    if (future.wait_for(kWait) != std::future_status::ready) {
      ADD_FAILURE() << "no decision within " << kWait.count() << " s";
      return Decision{Reply{599, {}, "timeout"}, {}};
    }
    return future.get();
  }

  // The reply, which every answer of the auth handler is.
  static Reply answer(const Decision& decision) {
    const Reply* reply = reply_of(decision);
    EXPECT_NE(reply, nullptr) << "the auth handler forwarded instead of answering";
    return reply != nullptr ? *reply : Reply{0, {}, {}};
  }

  std::unique_ptr<AuthRequestHandler> auth_;
};

TEST(AuthSubrequest, NginxFieldsRebuildTheClientsRequest) {
  RequestHead subrequest = nginx_subrequest("/api/data?q=1");
  subrequest.fields.push_back({"Authorization", "L402 abc:def"});
  subrequest.fields.push_back({"Content-Length", "0"});
  const Result<AuthSubrequest> read = read_auth_subrequest(subrequest);
  ASSERT_TRUE(IsOk(read));
  const RequestHead& original = read->original;
  EXPECT_TRUE(read->challenge_as_401);
  EXPECT_EQ(original.method, "POST");
  EXPECT_EQ(original.target, "/api/data?q=1");
  EXPECT_EQ(original.host, "api.example.com");
  EXPECT_TRUE(original.tls);
  EXPECT_EQ(original.peer_address, kFrontProxy);
  EXPECT_FALSE(original.has_body);
  EXPECT_EQ(field(original, "Authorization"), "L402 abc:def");
  EXPECT_EQ(field(original, "X-Forwarded-For"), "198.51.100.20");
  EXPECT_EQ(field(original, "Accept"), "*/*");
  EXPECT_TRUE(values(original.fields, "X-Original-URI").empty());
  EXPECT_TRUE(values(original.fields, "Content-Length").empty());
  EXPECT_EQ(values(original.fields, "Host"), std::vector<std::string>{"api.example.com"});
}

TEST(AuthSubrequest, TraefikForwardedFieldsRebuildTheClientsRequest) {
  const Result<AuthSubrequest> read = read_auth_subrequest(traefik_subrequest("/api/x"));
  ASSERT_TRUE(IsOk(read));
  EXPECT_FALSE(read->challenge_as_401);
  EXPECT_EQ(read->original.method, "PUT");
  EXPECT_EQ(read->original.target, "/api/x");
  EXPECT_EQ(read->original.host, "api.example.com");  // not the auth server's address
  EXPECT_FALSE(read->original.tls);
  EXPECT_EQ(values(read->original.fields, "Host"), std::vector<std::string>{"api.example.com"});
  EXPECT_TRUE(values(read->original.fields, "X-Forwarded-Method").empty());
}

TEST(AuthSubrequest, AbsoluteOriginalUriGivesTargetHostAndScheme) {
  RequestHead subrequest = nginx_subrequest("https://Other.Example:8443?x=1");
  std::erase_if(subrequest.fields,
                [](const Field& f) { return f.name == "X-Forwarded-Proto" || f.name == "Host"; });
  subrequest.host.clear();
  const Result<AuthSubrequest> read = read_auth_subrequest(subrequest);
  ASSERT_TRUE(IsOk(read));
  EXPECT_EQ(read->original.target, "/?x=1");
  EXPECT_EQ(read->original.host, "Other.Example:8443");
  EXPECT_TRUE(read->original.tls);
}

TEST(AuthSubrequest, WithoutOriginalMethodTheSubrequestsMethodIsUsed) {
  RequestHead subrequest = traefik_subrequest("/api/x");
  std::erase_if(subrequest.fields, [](const Field& f) { return f.name == "X-Forwarded-Method"; });
  subrequest.method = "HEAD";
  const Result<AuthSubrequest> read = read_auth_subrequest(subrequest);
  ASSERT_TRUE(IsOk(read));
  EXPECT_EQ(read->original.method, "HEAD");
}

TEST(AuthSubrequest, RealIpStandsForTheChainOnlyWhenThereIsNone) {
  RequestHead subrequest = nginx_subrequest("/api/x");
  std::erase_if(subrequest.fields, [](const Field& f) { return f.name == "X-Forwarded-For"; });
  subrequest.fields.push_back({"X-Real-IP", "198.51.100.99"});
  Result<AuthSubrequest> read = read_auth_subrequest(subrequest);
  ASSERT_TRUE(IsOk(read));
  EXPECT_EQ(values(read->original.fields, "X-Forwarded-For"),
            std::vector<std::string>{"198.51.100.99"});

  subrequest.fields.push_back({"X-Forwarded-For", "198.51.100.1"});
  read = read_auth_subrequest(subrequest);
  ASSERT_TRUE(IsOk(read));
  EXPECT_EQ(values(read->original.fields, "X-Forwarded-For"),
            std::vector<std::string>{"198.51.100.1"});
}

TEST(AuthSubrequest, RejectsWhatCannotBeTheClientsRequest) {
  struct Case {
    std::string uri;
    std::string method;
    std::string auth_target;
    std::string reason_part;
  };
  const std::vector<Case> cases = {
      {"", "GET", "/auth", "no original URI"},
      {"api/x", "GET", "/auth", "neither a path"},
      {"/api/x y", "GET", "/auth", "spaces or control"},
      {"/api/x\r\nX-Evil: 1", "GET", "/auth", "spaces or control"},
      {std::string(9000, '/'), "GET", "/auth", "longer than"},
      {"http:///x", "GET", "/auth", "no usable authority"},
      {"http://user@host/x", "GET", "/auth", "no usable authority"},
      {"ftp://host/x", "GET", "/auth", "neither a path"},
      {"/api/x", "GE T", "/auth", "not an HTTP method"},
      {"/api/x", "GET", "/auth?challenge_status=500", "challenge_status"},
      {"/api/x", "GET", "/auth?challenge_status", "challenge_status"},
  };
  for (const Case& c : cases) {
    RequestHead subrequest = nginx_subrequest(c.uri, "198.51.100.20", c.auth_target);
    for (Field& f : subrequest.fields) {
      if (f.name == "X-Original-Method") f.value = c.method;
    }
    const Result<AuthSubrequest> read = read_auth_subrequest(subrequest);
    ASSERT_FALSE(read.ok()) << c.uri << " " << c.method << " " << c.auth_target;
    EXPECT_EQ(read.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(read.error().message().find(c.reason_part), std::string::npos)
        << read.error().message();
  }
}

TEST_F(AuthRequestTest, MissingOriginalUriIsABadRequestWithAReason) {
  start_auth({test_service()});
  RequestHead subrequest = nginx_subrequest("/api/x");
  std::erase_if(subrequest.fields, [](const Field& f) { return f.name == "X-Original-URI"; });
  const Decision decision = ask(subrequest);
  const Reply reply = answer(decision);
  EXPECT_EQ(reply.status, 400);
  EXPECT_NE(reply.body.find("X-Original-URI"), std::string::npos) << reply.body;
  EXPECT_EQ(decision.outcome.outcome, "error");
}

TEST_F(AuthRequestTest, UnpaidRequestGetsTheChallengeWith402) {
  start_auth({test_service()});
  const Decision decision = ask(nginx_subrequest("/api/data", "198.51.100.20", "/auth"));
  const Reply reply = answer(decision);
  EXPECT_EQ(reply.status, 402);
  EXPECT_EQ(value(reply.fields, "X-L402-Status"), "402");
  EXPECT_EQ(decision.outcome.outcome, "challenged");
  EXPECT_EQ(decision.outcome.service, "demo");
  const Challenge challenge = challenge_of(reply);
  EXPECT_TRUE(value(reply.fields, "WWW-Authenticate").starts_with("L402 macaroon=\""));
  EXPECT_FALSE(challenge.invoice.empty());
  EXPECT_NE(reply.body.find("payment required"), std::string::npos);
}

TEST_F(AuthRequestTest, TheOutcomeNamesTheClientsRequestForTheAccessLog) {
  start_auth({test_service()});
  const Decision decision = ask(nginx_subrequest("/api/data?key=s3cret", "198.51.100.20", "/auth"));
  EXPECT_EQ(decision.outcome.decided_method, "POST");  // the subrequest itself is a GET
  EXPECT_EQ(decision.outcome.decided_path, "/api/data");
}

TEST_F(AuthRequestTest, ChallengeStatus401AnswersTheChallengeAs401WithItsFieldsIntact) {
  start_auth({test_service()});
  const Reply reply = answer(ask(nginx_subrequest("/api/data")));
  EXPECT_EQ(reply.status, 401);
  EXPECT_EQ(value(reply.fields, "X-L402-Status"), "402");
  const std::vector<std::string> lines = values(reply.fields, "WWW-Authenticate");
  // Both of the Aperture style, L402 first: an nginx before 1.23 passes on only the first.
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[0].starts_with("L402 macaroon=\""));
  EXPECT_TRUE(lines[1].starts_with("LSAT macaroon=\""));
  EXPECT_FALSE(challenge_of(reply).invoice.empty());
}

TEST_F(AuthRequestTest, PaidRequestIsAllowedWithTokenIdAndServiceAndNoBody) {
  ServiceConfig service = test_service();
  service.headers = {{"X-Api-Key", "upstream-secret", /*secret=*/true}};
  start_auth({service});
  // Bought through the gateway handler itself: the same keys and backend.
  const std::string authorization = buy("/api/data");
  RequestHead subrequest = nginx_subrequest("/api/data");
  subrequest.fields.push_back({"Authorization", authorization});
  const Decision decision = ask(subrequest);
  const Reply reply = answer(decision);
  EXPECT_EQ(reply.status, 200);
  EXPECT_TRUE(reply.body.empty());
  EXPECT_EQ(decision.outcome.outcome, "paid");
  const std::string token_id = value(reply.fields, "X-L402-Token-Id");
  EXPECT_EQ(token_id.size(), 64u);
  EXPECT_TRUE(token_id.starts_with(decision.outcome.token_id));
  EXPECT_EQ(value(reply.fields, "X-L402-Service"), "demo");
  // The front proxy writes its own hop fields, passes the client's Authorization on, and sets
  // upstream secrets itself: an answer of the auth listener never holds one.
  for (const char* name :
       {"Host", "X-Forwarded-For", "X-Forwarded-Host", "Forwarded", "Authorization", "X-Api-Key"}) {
    EXPECT_TRUE(values(reply.fields, name).empty()) << name;
  }
}

TEST_F(AuthRequestTest, WrongPreimageIs401Without402Status) {
  start_auth({test_service()});
  const std::string authorization = buy("/api/data");
  const std::string wrong =
      authorization.substr(0, authorization.rfind(':') + 1) + std::string(64, '0');
  RequestHead subrequest = nginx_subrequest("/api/data");
  subrequest.fields.push_back({"Authorization", wrong});
  const Decision decision = ask(subrequest);
  const Reply reply = answer(decision);
  EXPECT_EQ(reply.status, 401);
  EXPECT_EQ(value(reply.fields, "X-L402-Status"), "401");
  EXPECT_EQ(decision.outcome.outcome, "denied");
}

TEST_F(AuthRequestTest, FreePathIsAllowedWithoutCredentialFields) {
  ServiceConfig service = test_service();
  service.free_paths = {"/api/health"};
  start_auth({service});
  const Decision decision = ask(nginx_subrequest("/api/health"));
  const Reply reply = answer(decision);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(decision.outcome.outcome, "free");
  EXPECT_TRUE(values(reply.fields, "X-L402-Token-Id").empty());
  EXPECT_TRUE(values(reply.fields, "X-L402-Service").empty());
}

TEST_F(AuthRequestTest, NoMatchingServiceBecomes401WithItsStatusNamed) {
  start_auth({test_service()});
  const Reply as_is = answer(ask(nginx_subrequest("/elsewhere", "198.51.100.20", "/auth")));
  EXPECT_EQ(as_is.status, 404);
  const Reply mapped = answer(ask(nginx_subrequest("/elsewhere")));
  EXPECT_EQ(mapped.status, 401);
  EXPECT_EQ(value(mapped.fields, "X-L402-Status"), "404");
}

TEST_F(AuthRequestTest, ForwardedHostChoosesTheService) {
  ServiceConfig special = test_service("special");
  special.host_regex = "api\\.example\\.com";
  special.auth = AuthMode::kOff;
  start_auth({special, test_service("general")});
  EXPECT_EQ(ask(traefik_subrequest("/api/x")).outcome.service, "special");
  RequestHead other = traefik_subrequest("/api/x");
  for (Field& f : other.fields) {
    if (f.name == "X-Forwarded-Host") f.value = "other.example.com";
  }
  EXPECT_EQ(ask(other).outcome.service, "general");
}

TEST_F(AuthRequestTest, FreebiesAreCountedPerClientBehindATrustedFrontProxy) {
  ServiceConfig service = test_service();
  service.auth = AuthMode::kFreebie;
  service.freebies = 1;
  start_auth({service}, {"127.0.0.1/32"});

  const Decision first = ask(nginx_subrequest("/api/x", "198.51.100.1"));
  EXPECT_EQ(answer(first).status, 200);
  EXPECT_EQ(first.outcome.outcome, "freebie");
  EXPECT_EQ(first.outcome.client_address, "198.51.100.1");
  EXPECT_EQ(answer(ask(nginx_subrequest("/api/x", "198.51.100.1"))).status, 401);
  // Another client behind the same front proxy has its own free request.
  const Decision other = ask(nginx_subrequest("/api/x", "203.0.113.50"));
  EXPECT_EQ(answer(other).status, 200);
  EXPECT_EQ(other.outcome.client_address, "203.0.113.50");
}

TEST_F(AuthRequestTest, FreebiesAreSharedByEveryoneBehindAnUntrustedFrontProxy) {
  ServiceConfig service = test_service();
  service.auth = AuthMode::kFreebie;
  service.freebies = 1;
  start_auth({service});

  const Decision first = ask(nginx_subrequest("/api/x", "198.51.100.1"));
  EXPECT_EQ(answer(first).status, 200);
  EXPECT_EQ(first.outcome.client_address, kFrontProxy);
  EXPECT_EQ(answer(ask(nginx_subrequest("/api/x", "203.0.113.50"))).status, 401);
}

}  // namespace
}  // namespace l402::gateway::test
