// Redirects: followed only when asked, method and body rules, credentials kept to their origin.
#include <gtest/gtest.h>

#include "client/http/transport.hpp"
#include "result_matchers.hpp"
#include "sink_choosers.hpp"
#include "test_http_server.hpp"

namespace l402::client {
namespace {

using client_test::always;
using client_test::Connection;
using client_test::StringRequest;
using client_test::TestHttpServer;
namespace http = client_test::http;
using test::HasError;

std::unique_ptr<Transport> following(int max_redirects = 10) {
  HttpOptions options;
  options.follow_redirects = true;
  options.max_redirects = max_redirects;
  return Transport::create(options).value();
}

// The final server answers with what it received; "/to-other" redirects to `other` (307).
TestHttpServer::Handler redirecting(int status, std::string location) {
  return [status, location](Connection& connection, const StringRequest& request) {
    if (request.target() == "/start") {
      return connection.respond(request, static_cast<unsigned>(status), "moved body",
                                {{"Location", location}});
    }
    return connection.respond(request, 200,
                              std::string(request.method_string()) + " " +
                                  std::string(request.target()) + " body=" + request.body());
  };
}

TEST(TransportRedirect, ReturnsTheRedirectWhenNotFollowing) {
  TestHttpServer server(redirecting(302, "/final"));
  auto transport = Transport::create({}).value();
  MemorySink sink;
  HttpRequest request;
  request.url = server.url("/start");
  ASSERT_OK_AND_ASSIGN(const Exchange exchange, transport->exchange(request, always(sink)));
  EXPECT_EQ(exchange.head.status, 302);
  EXPECT_EQ(exchange.head.value("Location"), "/final");
  EXPECT_EQ(sink.data(), "moved body");
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(TransportRedirect, FollowsARelativeLocationAndDropsTheRedirectBody) {
  TestHttpServer server(redirecting(302, "final?x=1"));
  auto transport = following();
  MemorySink sink;
  HttpRequest request;
  request.url = server.url("/start");
  ASSERT_OK_AND_ASSIGN(const Exchange exchange, transport->exchange(request, always(sink)));
  EXPECT_EQ(exchange.head.status, 200);
  EXPECT_EQ(exchange.redirects, 1);
  EXPECT_EQ(exchange.url.path, "/final");
  EXPECT_EQ(sink.data(), "GET /final?x=1 body=");
}

TEST(TransportRedirect, SeeOtherContinuesAsGetWithoutTheBody) {
  TestHttpServer server(redirecting(303, "/result"));
  auto transport = following();
  MemorySink sink;
  HttpRequest request;
  request.method = "POST";
  request.url = server.url("/start");
  request.headers = {{"Content-Type", "text/plain"}};
  request.body = RequestBody::memory("form data");
  ASSERT_OK_AND_ASSIGN(const Exchange exchange, transport->exchange(request, always(sink)));
  EXPECT_EQ(exchange.method, "GET");
  EXPECT_EQ(sink.data(), "GET /result body=");
  const std::vector<StringRequest> seen = server.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].count(http::field::content_type), 0u);
}

TEST(TransportRedirect, TemporaryRedirectSendsTheBodyAgain) {
  TestHttpServer server(redirecting(307, "/again"));
  auto transport = following();
  MemorySink sink;
  HttpRequest request;
  request.method = "POST";
  request.url = server.url("/start");
  request.body = RequestBody::memory("keep me");
  ASSERT_OK_AND_ASSIGN(const Exchange exchange, transport->exchange(request, always(sink)));
  EXPECT_EQ(exchange.method, "POST");
  EXPECT_EQ(sink.data(), "POST /again body=keep me");
}

TEST(TransportRedirect, KeepsTheCallersCredentialsFromAnotherOrigin) {
  TestHttpServer other([](Connection& connection, const StringRequest& request) {
    return connection.respond(request, 200, "other");
  });
  TestHttpServer first(redirecting(302, other.url("/landing")));
  auto transport = following();
  MemorySink sink;
  HttpRequest request;
  request.url = first.url("/start");
  request.headers = {
      {"Authorization", "Bearer for-first-only"}, {"Cookie", "c=1"}, {"X-Trace", "kept"}};
  ASSERT_OK_AND_ASSIGN(const Exchange exchange, transport->exchange(request, always(sink)));
  EXPECT_EQ(exchange.head.status, 200);
  EXPECT_EQ(exchange.url.origin, "http://127.0.0.1:" + std::to_string(other.port()));
  ASSERT_EQ(first.requests().size(), 1u);
  EXPECT_EQ(first.requests()[0][http::field::authorization], "Bearer for-first-only");
  ASSERT_EQ(other.requests().size(), 1u);
  const StringRequest landed = other.requests()[0];
  EXPECT_EQ(landed.count(http::field::authorization), 0u);
  EXPECT_EQ(landed.count(http::field::cookie), 0u);
  EXPECT_EQ(landed["X-Trace"], "kept");
}

TEST(TransportRedirect, AsksForAnAuthorizationOnEveryHop) {
  TestHttpServer other([](Connection& connection, const StringRequest& request) {
    return connection.respond(request, 200, "other");
  });
  TestHttpServer first(redirecting(302, other.url("/landing")));
  auto transport = following();
  MemorySink sink;
  HttpRequest request;
  request.url = first.url("/start");
  std::vector<std::string> asked;
  const Authorize authorize = [&](const ParsedUrl& url) -> std::optional<std::string> {
    asked.push_back(url.origin + url.path);
    if (url.path == "/landing") return "L402 token-for-other:00";
    return std::nullopt;
  };
  ASSERT_OK(transport->exchange(request, always(sink), authorize));
  ASSERT_EQ(asked.size(), 2u);
  EXPECT_EQ(asked[1], "http://127.0.0.1:" + std::to_string(other.port()) + "/landing");
  EXPECT_EQ(first.requests()[0].count(http::field::authorization), 0u);
  EXPECT_EQ(other.requests()[0][http::field::authorization], "L402 token-for-other:00");
}

TEST(TransportRedirect, StopsAfterMaxRedirects) {
  TestHttpServer server([](Connection& connection, const StringRequest& request) {
    return connection.respond(request, 302, "", {{"Location", "/loop"}});
  });
  auto transport = following(3);
  MemorySink sink;
  HttpRequest request;
  request.url = server.url("/loop");
  EXPECT_TRUE(HasError(transport->exchange(request, always(sink)), ErrorCode::kLimitExceeded));
  EXPECT_EQ(server.requests().size(), 4u);
}

TEST(TransportRedirect, RefusesARedirectToAnotherScheme) {
  TestHttpServer server(redirecting(302, "file:///etc/passwd"));
  auto transport = following();
  MemorySink sink;
  HttpRequest request;
  request.url = server.url("/start");
  EXPECT_TRUE(HasError(transport->exchange(request, always(sink)), ErrorCode::kInvalidArgument));
}

}  // namespace
}  // namespace l402::client
