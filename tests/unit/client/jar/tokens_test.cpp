// Held tokens: by origin, by ID or prefix, marked stale, removed.
#include <cctype>
#include <cstdint>
#include <map>
#include <string>

#include "jar_test_util.hpp"

namespace l402 {
namespace {

using test::HasError;
using test::HasErrorMentioning;
using test::IsOk;
using test::test_purchase;

class JarTokens : public test::JarTest {};

TEST_F(JarTokens, TokensForOriginReturnsOnlyThatOriginsTokensNewestFirst) {
  auto store = open_store();
  buy(*store, test_purchase(1), test::kJarNow);
  buy(*store, test_purchase(2), test::kJarNow + 10);
  buy(*store, test_purchase(3, "http://other.example:8080"), test::kJarNow + 20);
  ASSERT_OK_AND_ASSIGN(const auto tokens, store->tokens_for_origin(test::kOrigin));
  ASSERT_EQ(tokens.size(), 2U);
  EXPECT_EQ(tokens[0].bought_at, test::kJarNow + 10);
  EXPECT_EQ(tokens[1].bought_at, test::kJarNow);
  ASSERT_OK_AND_ASSIGN(const auto none, store->tokens_for_origin("https://nobody.example:443"));
  EXPECT_TRUE(none.empty());
  ASSERT_OK_AND_ASSIGN(const auto all, store->list_tokens());
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all[0].origin, "http://other.example:8080");
}

TEST_F(JarTokens, FindsATokenByItsIdOrAUniquePrefixInAnyCase) {
  auto store = open_store();
  const StoredToken token = buy(*store, test_purchase(1));
  buy(*store, test_purchase(2));
  ASSERT_OK_AND_ASSIGN(const StoredToken by_id, store->find_token(token.token_id));
  EXPECT_EQ(by_id.payment_hash, token.payment_hash);
  std::string prefix = token.token_id.substr(0, 8);
  for (char& c : prefix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ASSERT_OK_AND_ASSIGN(const StoredToken by_prefix, store->find_token(prefix));
  EXPECT_EQ(by_prefix.token_id, token.token_id);
}

TEST_F(JarTokens, FindRefusesAnAmbiguousPrefixSayingHowManyMatch) {
  auto store = open_store();
  // Buy until two token IDs share a first digit (16 digits: at most 17 purchases).
  std::string shared;
  std::map<char, int> seen;
  for (std::uint8_t seed = 1; shared.empty(); ++seed) {
    const StoredToken token = buy(*store, test_purchase(seed));
    if (++seen[token.token_id[0]] == 2) shared = token.token_id.substr(0, 1);
  }
  EXPECT_TRUE(HasErrorMentioning(store->find_token(shared), ErrorCode::kInvalidArgument,
                                 "2 tokens start with"));
}

TEST_F(JarTokens, FindReportsUnknownAndMalformedIds) {
  auto store = open_store();
  EXPECT_TRUE(HasError(store->find_token("abc"), ErrorCode::kNotFound));
  EXPECT_TRUE(HasError(store->find_token(""), ErrorCode::kInvalidArgument));
  EXPECT_TRUE(HasError(store->find_token("xyz"), ErrorCode::kInvalidArgument));
  EXPECT_TRUE(HasError(store->find_token(std::string(65, 'a')), ErrorCode::kInvalidArgument));
}

TEST_F(JarTokens, MarkStaleKeepsTheTokenFlagged) {
  auto store = open_store();
  const StoredToken token = buy(*store, test_purchase(1));
  ASSERT_TRUE(IsOk(store->mark_stale(token.token_id)));
  ASSERT_OK_AND_ASSIGN(const StoredToken found, store->find_token(token.token_id));
  EXPECT_TRUE(found.stale);
  EXPECT_TRUE(HasError(store->mark_stale(std::string(64, 'f')), ErrorCode::kNotFound));
  EXPECT_TRUE(HasError(store->mark_stale("f"), ErrorCode::kInvalidArgument));
}

TEST_F(JarTokens, RemoveDeletesTheTokenButKeepsItsReceipt) {
  auto store = open_store();
  const StoredToken token = buy(*store, test_purchase(1));
  ASSERT_TRUE(IsOk(store->remove_token(token.token_id)));
  EXPECT_TRUE(HasError(store->find_token(token.token_id), ErrorCode::kNotFound));
  EXPECT_TRUE(HasError(store->remove_token(token.token_id), ErrorCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(const auto receipts, store->spending(0, INT64_MAX));
  EXPECT_EQ(receipts.size(), 1U);
}

}  // namespace
}  // namespace l402
