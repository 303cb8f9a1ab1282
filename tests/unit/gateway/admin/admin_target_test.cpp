// Taking admin requests apart: targets, query parameters, bearer credentials, token IDs.
#include "gateway/admin/admin_target.hpp"

#include <gtest/gtest.h>

namespace l402::gateway::admin {
namespace {

TEST(AdminTarget, SplitsPathAndQuery) {
  EXPECT_EQ(split_target("/api/tokens?limit=5").path, "/api/tokens");
  EXPECT_EQ(split_target("/api/tokens?limit=5").query, "limit=5");
  EXPECT_EQ(split_target("/api/info").query, "");
}

TEST(AdminTarget, QueryParametersArePercentDecoded) {
  EXPECT_EQ(query_parameter("limit=5&service=a%2Fb", "service"), "a/b");
  EXPECT_EQ(query_parameter("limit=5&service=a%2Fb", "limit"), "5");
  EXPECT_EQ(query_parameter("limit=5", "service"), std::nullopt);
  EXPECT_EQ(query_parameter("service", "service"), "");
  EXPECT_EQ(query_parameter("service=%2", "service"), std::nullopt);
  EXPECT_EQ(query_parameter("service=%zz", "service"), std::nullopt);
  EXPECT_EQ(query_parameter(percent_encode("x") + "=1", "x"), "1");
  EXPECT_EQ(query_parameter("s=" + percent_encode("a b&c=d/é"), "s"), "a b&c=d/é");
}

TEST(AdminTarget, BearerCredentialNeedsTheSchemeAndAValue) {
  EXPECT_EQ(bearer_credential("Bearer abc"), "abc");
  EXPECT_EQ(bearer_credential("bEaReR   abc  "), "abc");
  EXPECT_EQ(bearer_credential("Bearer"), std::nullopt);
  EXPECT_EQ(bearer_credential("Bearer "), std::nullopt);
  EXPECT_EQ(bearer_credential("Bearerabc"), std::nullopt);
  EXPECT_EQ(bearer_credential("Basic abc"), std::nullopt);
  EXPECT_EQ(bearer_credential(""), std::nullopt);
}

TEST(AdminTarget, TokenIdsAre64HexDigits) {
  const std::string hex(64, 'A');
  const auto id = parse_token_id(hex);
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ((*id)[0], 0xaa);
  EXPECT_FALSE(parse_token_id(std::string(63, 'a')).has_value());
  EXPECT_FALSE(parse_token_id(std::string(66, 'a')).has_value());
  EXPECT_FALSE(parse_token_id(std::string(63, 'a') + "g").has_value());
}

}  // namespace
}  // namespace l402::gateway::admin
