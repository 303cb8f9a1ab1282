#include "client/http/hop_plan.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "result_matchers.hpp"

namespace l402::client {
namespace {

using test::HasError;

bool contains(const std::vector<std::string>& lines, std::string_view line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

bool any_starts_with(const std::vector<std::string>& lines, std::string_view prefix) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& line) { return line.starts_with(prefix); });
}

Hop hop_to(std::string_view url, bool at_origin) {
  Result<ParsedUrl> parsed = parse_url(url);
  return Hop{parsed.value(), "POST", true, at_origin};
}

HttpRequest post_with_credentials() {
  HttpRequest request;
  request.method = "POST";
  request.url = "http://a.test/upload";
  request.headers = {{"Authorization", "Bearer user-secret"},
                     {"Cookie", "s=1"},
                     {"Content-Type", "application/json"},
                     {"Content-Length", "999"},
                     {"X-Trace", "t1"}};
  request.body = RequestBody::memory("{}");
  return request;
}

TEST(HopHeaderLines, SendsTheCallersFieldsToItsOrigin) {
  const std::vector<std::string> lines =
      hop_header_lines(post_with_credentials(), hop_to("http://a.test/upload", true), {});
  EXPECT_TRUE(contains(lines, "Authorization: Bearer user-secret"));
  EXPECT_TRUE(contains(lines, "Cookie: s=1"));
  EXPECT_TRUE(contains(lines, "Content-Type: application/json"));
  EXPECT_TRUE(contains(lines, "X-Trace: t1"));
  EXPECT_TRUE(contains(lines, "Expect:"));
  EXPECT_FALSE(any_starts_with(lines, "Content-Length"));
}

TEST(HopHeaderLines, KeepsCredentialsFromAnotherOrigin) {
  const std::vector<std::string> lines =
      hop_header_lines(post_with_credentials(), hop_to("http://b.test/upload", false), {});
  EXPECT_FALSE(any_starts_with(lines, "Authorization"));
  EXPECT_FALSE(any_starts_with(lines, "Cookie"));
  EXPECT_TRUE(contains(lines, "X-Trace: t1"));
}

TEST(HopHeaderLines, AGivenAuthorizationReplacesTheCallersEverywhere) {
  for (const bool at_origin : {true, false}) {
    const std::vector<std::string> lines = hop_header_lines(
        post_with_credentials(), hop_to("http://b.test/upload", at_origin), "L402 mac:00ff");
    EXPECT_TRUE(contains(lines, "Authorization: L402 mac:00ff"));
    EXPECT_FALSE(contains(lines, "Authorization: Bearer user-secret"));
  }
}

TEST(HopHeaderLines, SuppressesCurlsFormContentTypeAndKeepsACallersExpect) {
  HttpRequest request;
  request.method = "PUT";
  request.url = "http://a.test/";
  request.headers = {{"Expect", "100-continue"}};
  request.body = RequestBody::memory("raw");
  const std::vector<std::string> lines =
      hop_header_lines(request, hop_to("http://a.test/", true), {});
  EXPECT_TRUE(contains(lines, "Content-Type:"));
  EXPECT_TRUE(contains(lines, "Expect: 100-continue"));
  EXPECT_FALSE(contains(lines, "Expect:"));
}

TEST(HopHeaderLines, DropsContentTypeOnceTheBodyIsDropped) {
  Hop hop = hop_to("http://a.test/next", true);
  hop.method = "GET";
  hop.send_body = false;
  const std::vector<std::string> lines = hop_header_lines(post_with_credentials(), hop, {});
  EXPECT_FALSE(any_starts_with(lines, "Content-Type"));
}

TEST(NextHop, SeeOtherTurnsAPostIntoAGetWithoutBody) {
  const Hop first = hop_to("http://a.test/form", true);
  const Hop next =
      next_hop(first, 303, parse_url("http://a.test/done").value(), "http://a.test:80");
  EXPECT_EQ(next.method, "GET");
  EXPECT_FALSE(next.send_body);
  EXPECT_TRUE(next.at_request_origin);
}

TEST(NextHop, FoundTurnsOnlyAPostIntoAGet) {
  Hop put = hop_to("http://a.test/x", true);
  put.method = "PUT";
  const Hop after_put =
      next_hop(put, 302, parse_url("http://a.test/y").value(), "http://a.test:80");
  EXPECT_EQ(after_put.method, "PUT");
  EXPECT_TRUE(after_put.send_body);
  const Hop after_post = next_hop(hop_to("http://a.test/x", true), 301,
                                  parse_url("http://a.test/y").value(), "http://a.test:80");
  EXPECT_EQ(after_post.method, "GET");
}

TEST(NextHop, TemporaryAndPermanentRedirectsRepeatMethodAndBody) {
  for (const int status : {307, 308}) {
    const Hop next = next_hop(hop_to("http://a.test/x", true), status,
                              parse_url("http://b.test/x").value(), "http://a.test:80");
    EXPECT_EQ(next.method, "POST");
    EXPECT_TRUE(next.send_body);
    EXPECT_FALSE(next.at_request_origin);
  }
}

TEST(CheckRequest, RefusesWhatCouldBreakTheHead) {
  HttpRequest request;
  request.url = "http://a.test/";
  request.method = "GET /evil";
  EXPECT_TRUE(HasError(check_request(request), ErrorCode::kInvalidArgument));
  request.method = "GET";
  request.headers = {{"X-Ok", "a\r\nX-Injected: 1"}};
  EXPECT_TRUE(HasError(check_request(request), ErrorCode::kInvalidArgument));
  request.headers = {{"Bad Name", "v"}};
  EXPECT_TRUE(HasError(check_request(request), ErrorCode::kInvalidArgument));
  request.headers = {};
  request.method = "HEAD";
  request.body = RequestBody::memory("x");
  EXPECT_TRUE(HasError(check_request(request), ErrorCode::kInvalidArgument));
}

TEST(CheckRequest, BoundsTheCallersFields) {
  HttpRequest request;
  request.url = "http://a.test/";
  request.headers.assign(kMaxRequestHeaders + 1, HttpHeader{"X-A", "b"});
  EXPECT_TRUE(HasError(check_request(request), ErrorCode::kLimitExceeded));
  request.headers = {{"X-Big", std::string(kMaxRequestHeaderBytes, 'v')}};
  EXPECT_TRUE(HasError(check_request(request), ErrorCode::kLimitExceeded));
  request.headers = {{"X-Fine", "v"}};
  EXPECT_OK(check_request(request));
}

}  // namespace
}  // namespace l402::client
