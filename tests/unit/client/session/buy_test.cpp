// l402::Client::token_for and buy: the purchase logic other protocols (gRPC) share, fed with
// challenges an L402 seller on 127.0.0.1 issued, paid through devnet.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "session_test_env.hpp"

namespace l402::client_test {
namespace {

class ClientBuyTest : public ClientSessionTest {
 protected:
  // The WWW-Authenticate values of a fresh 402 from `path` (asked by a dry-run client with a
  // store of its own: it holds no token and pays nothing).
  std::vector<std::string> challenge_for(std::string_view path) {
    ClientOptions dry = options();
    dry.data_dir = dir_.file("dry-run");
    dry.dry_run = true;
    MemorySink body;
    const PerformResult result = open_client(std::move(dry))->perform(get(path), body);
    EXPECT_EQ(result.outcome, PerformOutcome::kDryRun);
    std::vector<std::string> values;
    for (std::string_view value : result.head.values("WWW-Authenticate"))
      values.emplace_back(value);
    return values;
  }

  static std::vector<std::string_view> views(const std::vector<std::string>& values) {
    return {values.begin(), values.end()};
  }
};

TEST_F(ClientBuyTest, BuysAChallengeAndTokenForOffersTheToken) {
  start_server();
  const std::vector<std::string> challenge = challenge_for("/paid/a");
  ASSERT_FALSE(challenge.empty());
  auto client = open_client(options());
  ASSERT_OK_AND_ASSIGN(const std::optional<StoredToken> none,
                       client->token_for(server_->url("/paid/a")));
  EXPECT_FALSE(none.has_value());

  const PurchaseResult bought =
      client->buy(server_->url("/paid/a"), views(challenge), std::nullopt);
  ASSERT_EQ(bought.outcome, PerformOutcome::kDone)
      << (bought.error ? bought.error->message() : std::string());
  ASSERT_TRUE(bought.token.has_value());
  ASSERT_TRUE(bought.purchase.has_value());
  EXPECT_TRUE(bought.purchase->paid);
  EXPECT_EQ(bought.token->token_id, bought.purchase->token_id);
  EXPECT_EQ(bought.token->path_scope, "/paid/a");
  EXPECT_EQ(pays_.load(), 1);
  EXPECT_EQ(spent(), Msat(kPrice.value() + kNodeFee.value()));

  ASSERT_OK_AND_ASSIGN(const std::optional<StoredToken> held,
                       client->token_for(server_->url("/paid/a")));
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(held->token_id, bought.token->token_id);
  // perform() uses the token buy() stored: no second payment.
  MemorySink body;
  const PerformResult served = client->perform(get("/paid/a"), body);
  EXPECT_EQ(served.status, 200);
  EXPECT_EQ(served.token_id, bought.token->token_id);
  EXPECT_EQ(pays_.load(), 1);
}

TEST_F(ClientBuyTest, RefusesOverBudgetAndPaysNothing) {
  start_server();
  const std::vector<std::string> challenge = challenge_for("/paid/a");
  ClientOptions options = this->options();
  options.budget.max_price = Msat(kPrice.value() - 1);
  auto client = open_client(std::move(options));
  const PurchaseResult refused =
      client->buy(server_->url("/paid/a"), views(challenge), std::nullopt);
  EXPECT_EQ(refused.outcome, PerformOutcome::kBudgetRefused);
  EXPECT_EQ(refused.refusal, Refusal::kOverMaxPrice);
  ASSERT_TRUE(refused.error.has_value());
  EXPECT_FALSE(refused.token.has_value());
  EXPECT_EQ(pays_.load(), 0);
  EXPECT_EQ(spent(), Msat());
}

TEST_F(ClientBuyTest, MarksTheRefusedTokenStaleAndBuysAnother) {
  start_server();
  auto client = open_client(options());
  const PurchaseResult first =
      client->buy(server_->url("/paid/a"), views(challenge_for("/paid/a")), std::nullopt);
  ASSERT_TRUE(first.token.has_value());
  const PurchaseResult second =
      client->buy(server_->url("/paid/a"), views(challenge_for("/paid/a")), first.token->token_id);
  ASSERT_TRUE(second.token.has_value());
  EXPECT_NE(second.token->token_id, first.token->token_id);
  ASSERT_OK_AND_ASSIGN(const StoredToken old, client->store().find_token(first.token->token_id));
  EXPECT_TRUE(old.stale);
  ASSERT_OK_AND_ASSIGN(const std::optional<StoredToken> held,
                       client->token_for(server_->url("/paid/a")));
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(held->token_id, second.token->token_id);
  EXPECT_EQ(pays_.load(), 2);
}

TEST_F(ClientBuyTest, AnUnreadableChallengeIsABadChallenge) {
  start_server();
  auto client = open_client(options());
  const std::vector<std::string> garbage = {"L402 macaroon=\"unterminated, invoice="};
  const PurchaseResult result = client->buy(server_->url("/paid/a"), views(garbage), std::nullopt);
  EXPECT_EQ(result.outcome, PerformOutcome::kBadChallenge);
  EXPECT_EQ(result.refusal, Refusal::kBadChallenge);
  EXPECT_EQ(pays_.load(), 0);
}

TEST_F(ClientBuyTest, ABadUrlIsRefusedBeforeAnything) {
  auto client = open_client(options());
  const PurchaseResult result = client->buy("ftp://example.com/x", {}, std::nullopt);
  EXPECT_EQ(result.outcome, PerformOutcome::kHttpError);
  EXPECT_FALSE(client->token_for("not a url").ok());
}

}  // namespace
}  // namespace l402::client_test
