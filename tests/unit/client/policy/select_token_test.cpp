// select_token: stale and expiring tokens are skipped; the longest shared path prefix wins,
// then the newest.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "l402/purchase_policy.hpp"

namespace l402 {
namespace {

constexpr std::int64_t kNow = 1'700'000'000;

StoredToken token(char id, std::string path_scope, std::int64_t bought_at,
                  std::optional<std::int64_t> expires_at = std::nullopt, bool stale = false) {
  StoredToken out;
  out.token_id = std::string(64, id);
  out.origin = "https://api.example:443";
  out.path_scope = std::move(path_scope);
  out.bought_at = bought_at;
  out.expires_at = expires_at;
  out.stale = stale;
  return out;
}

TEST(SelectToken, ReturnsNothingWithoutCandidates) {
  EXPECT_EQ(select_token({}, "/x", kNow), std::nullopt);
}

TEST(SelectToken, SkipsStaleTokens) {
  const std::vector<StoredToken> tokens{token('a', "/x", 1, std::nullopt, /*stale=*/true),
                                        token('b', "/y", 0)};
  EXPECT_EQ(select_token(tokens, "/x", kNow), 1U);
  EXPECT_EQ(select_token(std::vector<StoredToken>{tokens[0]}, "/x", kNow), std::nullopt);
}

TEST(SelectToken, SkipsTokensExpiringWithinTheSafetyMargin) {
  const std::vector<StoredToken> at_margin{token('a', "/", 1, kNow + kTokenExpiryMargin)};
  EXPECT_EQ(select_token(at_margin, "/", kNow), std::nullopt);
  const std::vector<StoredToken> past_margin{token('a', "/", 1, kNow + kTokenExpiryMargin + 1)};
  EXPECT_EQ(select_token(past_margin, "/", kNow), 0U);
  const std::vector<StoredToken> expired{token('a', "/", 1, kNow - 1)};
  EXPECT_EQ(select_token(expired, "/", kNow), std::nullopt);
}

TEST(SelectToken, KeepsTokensWithoutExpiryEvenAtTheEndOfTime) {
  const std::vector<StoredToken> tokens{token('a', "/", 1)};
  EXPECT_EQ(select_token(tokens, "/", INT64_MAX), 0U);
}

TEST(SelectToken, PrefersTheLongestSharedPathPrefixOverTheNewest) {
  const std::vector<StoredToken> tokens{token('a', "/api/v2/items", 300),
                                        token('b', "/api/v1/users", 100),
                                        token('c', "/other", 400)};
  EXPECT_EQ(select_token(tokens, "/api/v1/items", kNow), 1U);
  EXPECT_EQ(select_token(tokens, "/api/v2", kNow), 0U);
}

TEST(SelectToken, ComparesWholeSegmentsNotCharacters) {
  const std::vector<StoredToken> tokens{token('a', "/api/v10", 200), token('b', "/api", 100)};
  // "/api/v1" shares one segment with each; the newer wins.
  EXPECT_EQ(select_token(tokens, "/api/v1", kNow), 0U);
  const std::vector<StoredToken> with_exact{token('a', "/api/v10", 200),
                                            token('b', "/api/v1/", 100)};
  EXPECT_EQ(select_token(with_exact, "/api/v1", kNow), 1U);
}

TEST(SelectToken, PrefersTheNewestAmongEqualPrefixesThenTheGreatestId) {
  const std::vector<StoredToken> tokens{token('a', "/x", 100), token('b', "/x", 200),
                                        token('c', "/x", 150)};
  EXPECT_EQ(select_token(tokens, "/x", kNow), 1U);
  const std::vector<StoredToken> tied{token('a', "/x", 100), token('b', "/x", 100)};
  EXPECT_EQ(select_token(tied, "/x", kNow), 1U);
}

TEST(SelectToken, FallsBackToATokenBoughtForAnotherPath) {
  const std::vector<StoredToken> tokens{token('a', "/reports", 100)};
  EXPECT_EQ(select_token(tokens, "/invoices/7", kNow), 0U);
}

TEST(SelectToken, IgnoresTheQueryAndFragmentOfTheRequest) {
  const std::vector<StoredToken> tokens{token('a', "/a", 200), token('b', "/b", 100)};
  EXPECT_EQ(select_token(tokens, "/b?a=/a#/a", kNow), 1U);
}

}  // namespace
}  // namespace l402
