// The gateway's own responses: bodies, CORS and status codes.
#include "gateway/policy/replies.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace l402::gateway {
namespace {

std::string value(const Reply& reply, std::string_view name) {
  for (const Field& field : reply.fields) {
    if (field.name == name) return field.value;
  }
  return "(absent)";
}

RequestHead head_with(std::vector<Field> fields) {
  RequestHead head;
  head.method = "GET";
  head.target = "/";
  head.fields = std::move(fields);
  return head;
}

TEST(WantsJson, LooksForJsonInAccept) {
  EXPECT_TRUE(wants_json(head_with({{"accept", "Application/JSON"}})));
  EXPECT_TRUE(wants_json(head_with({{"Accept", "text/html, */json"}})));
  EXPECT_FALSE(wants_json(head_with({{"Accept", "text/html"}})));
  EXPECT_FALSE(wants_json(head_with({})));
}

TEST(CorsFields, WildcardOrEchoOfAListedOrigin) {
  CorsConfig any;
  const std::vector<Field> wildcard = cors_fields(any, head_with({{"Origin", "https://x"}}));
  ASSERT_EQ(wildcard.size(), 2u);
  EXPECT_EQ(wildcard[0].value, "*");
  EXPECT_EQ(wildcard[1].name, "Access-Control-Expose-Headers");

  CorsConfig listed;
  listed.allow_origins = {"https://a", "https://b"};
  const std::vector<Field> echo = cors_fields(listed, head_with({{"Origin", "https://b"}}));
  ASSERT_EQ(echo.size(), 3u);
  EXPECT_EQ(echo[0].value, "https://b");
  EXPECT_EQ(echo[1].name, "Vary");
  const std::vector<Field> other = cors_fields(listed, head_with({{"Origin", "https://c"}}));
  for (const Field& field : other) EXPECT_NE(field.name, "Access-Control-Allow-Origin");

  CorsConfig none;
  none.allow_origins = {};
  EXPECT_TRUE(cors_fields(none, head_with({{"Origin", "https://a"}})).empty());
}

TEST(IsCorsPreflight, NeedsOptionsOriginAndRequestMethod) {
  RequestHead head = head_with({{"Origin", "https://a"}, {"Access-Control-Request-Method", "GET"}});
  EXPECT_FALSE(is_cors_preflight(head));
  head.method = "OPTIONS";
  EXPECT_TRUE(is_cors_preflight(head));
  head.fields.pop_back();
  EXPECT_FALSE(is_cors_preflight(head));
}

TEST(DenialReply, NamesTheDenialInTextOrJson) {
  const GatewayConfig config;
  const Denial denial{DenialCode::kBadSignature, "the macaroon does not verify", 401, false};
  const Reply text = denial_reply(config, head_with({}), denial);
  EXPECT_EQ(text.status, 401);
  EXPECT_EQ(text.body, "invalid credential (bad_signature): the macaroon does not verify\n");
  EXPECT_EQ(value(text, "Cache-Control"), "no-store");
  const Reply json = denial_reply(config, head_with({{"Accept", "application/json"}}), denial);
  const nlohmann::json body = nlohmann::json::parse(json.body);
  EXPECT_EQ(body["denial"], "bad_signature");
  EXPECT_EQ(body["reason"], "the macaroon does not verify");
}

TEST(UnavailableReply, AsksToRetryLater) {
  const Reply reply = unavailable_reply(GatewayConfig{}, head_with({}), "busy");
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(value(reply, "Retry-After"), "5");
  EXPECT_EQ(reply.body, "service unavailable: busy\n");
}

TEST(NotFoundReply, SaysNoServiceMatched) {
  const Reply reply = not_found_reply(GatewayConfig{}, head_with({{"Accept", "application/json"}}));
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(nlohmann::json::parse(reply.body)["error"], "no service for this host and path");
}

}  // namespace
}  // namespace l402::gateway
