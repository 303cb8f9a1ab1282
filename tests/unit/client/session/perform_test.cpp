// l402::Client::perform against an L402 seller on 127.0.0.1 paid through devnet.
#include <gtest/gtest.h>

#include <fstream>

#include "l402/encoding.hpp"
#include "session_test_env.hpp"

namespace l402::client_test {
namespace {

TEST_F(ClientSessionTest, PaysOnceThenReusesTheToken) {
  start_server();
  auto client = open_client(options());
  ASSERT_NE(client, nullptr);
  MemorySink first_body;
  const PerformResult first = client->perform(get("/paid/quote"), first_body);
  ASSERT_EQ(first.outcome, PerformOutcome::kDone)
      << (first.error ? first.error->message() : std::string());
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first_body.data(), "paid content " + sha256_hex(""));
  ASSERT_TRUE(first.purchase.has_value());
  EXPECT_TRUE(first.purchase->paid);
  EXPECT_EQ(first.purchase->amount, kPrice);
  EXPECT_EQ(first.purchase->fee, kNodeFee);
  EXPECT_EQ(first.purchase->service, "demo");
  EXPECT_EQ(first.token_id, first.purchase->token_id);
  EXPECT_TRUE(first.challenge_body.empty());
  EXPECT_EQ(spent(), Msat(kPrice.value() + kNodeFee.value()));

  MemorySink second_body;
  const PerformResult second = client->perform(get("/paid/other"), second_body);
  ASSERT_EQ(second.outcome, PerformOutcome::kDone);
  EXPECT_EQ(second.status, 200);
  EXPECT_FALSE(second.purchase.has_value());
  EXPECT_EQ(second.token_id, first.purchase->token_id);
  EXPECT_EQ(spent(), Msat(kPrice.value() + kNodeFee.value()));
  EXPECT_EQ(server_->challenges(), 1);
  EXPECT_EQ(pays_.load(), 1);
}

TEST_F(ClientSessionTest, ANewClientOnTheSameStoreReusesTheToken) {
  start_server();
  MemorySink body;
  ASSERT_EQ(open_client(options())->perform(get("/paid/a"), body).outcome, PerformOutcome::kDone);
  const PerformResult again = open_client(options())->perform(get("/paid/a"), body);
  EXPECT_EQ(again.outcome, PerformOutcome::kDone);
  EXPECT_FALSE(again.purchase.has_value());
  EXPECT_EQ(pays_.load(), 1);
}

TEST_F(ClientSessionTest, ReportsProgressForPeople) {
  start_server();
  MemorySink body;
  ASSERT_EQ(open_client(options())->perform(get("/paid/a"), body).outcome, PerformOutcome::kDone);
  const std::vector<ProgressKind> expected = {ProgressKind::kChallenged, ProgressKind::kPaying,
                                              ProgressKind::kPaid, ProgressKind::kRetrying,
                                              ProgressKind::kStatus};
  EXPECT_EQ(event_kinds(), expected);
  EXPECT_EQ(events_[0].url, server_->url("/paid/a"));
  EXPECT_EQ(events_[0].amount, kPrice);
  EXPECT_EQ(events_[2].fee, kNodeFee);
  EXPECT_EQ(events_[4].status, 200);
}

TEST_F(ClientSessionTest, RetriesAFileBodyIntact) {
  start_server();
  const std::string path = dir_.file("upload.json");
  std::string content(200'000, 'x');
  for (std::size_t i = 0; i < content.size(); i += 7) content[i] = static_cast<char>('a' + i % 26);
  std::ofstream(path, std::ios::binary) << content;
  HttpRequest request = get("/paid/upload");
  request.method = "POST";
  request.headers = {{"Content-Type", "application/json"}};
  request.body = RequestBody::file(path);
  MemorySink body;
  const PerformResult result = open_client(options())->perform(request, body);
  ASSERT_EQ(result.outcome, PerformOutcome::kDone);
  EXPECT_EQ(body.data(), "paid content " + sha256_hex(content));
  EXPECT_EQ(server_->last_granted_body(), content);
  const std::vector<StringRequest> seen = server_->http().requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].body(), content);  // the unpaid attempt carried it too
}

TEST_F(ClientSessionTest, BudgetRefusalPaysNothingAndKeepsTheBodyFromTheSink) {
  start_server();
  ClientOptions refusing = options();
  refusing.budget.max_price = Msat(kPrice.value() - 1);
  auto client = open_client(std::move(refusing));
  MemorySink body;
  const PerformResult result = client->perform(get("/paid/a"), body);
  EXPECT_EQ(result.outcome, PerformOutcome::kBudgetRefused);
  EXPECT_EQ(result.refusal, Refusal::kOverMaxPrice);
  ASSERT_TRUE(result.error.has_value());
  EXPECT_NE(result.error->message().find("over_max_price"), std::string::npos);
  EXPECT_EQ(result.status, 402);
  EXPECT_EQ(result.challenge_body, "{\"error\":\"payment required\"}");
  EXPECT_FALSE(body.head().has_value());
  EXPECT_EQ(body.data(), "");
  EXPECT_EQ(pays_.load(), 0);
  EXPECT_EQ(spent(), Msat());
  ASSERT_OK_AND_ASSIGN(const std::vector<StoredToken> tokens, client->store().list_tokens());
  EXPECT_TRUE(tokens.empty());
}

TEST_F(ClientSessionTest, DailyBudgetCountsEarlierPurchases) {
  start_server();
  ClientOptions daily = options();
  // Room for one purchase at its worst (price + the default fee limit), not for two.
  daily.budget.per_host_per_day = Msat(2 * kPrice.value());
  auto client = open_client(std::move(daily));
  MemorySink body;
  ASSERT_EQ(client->perform(get("/paid/a"), body).outcome, PerformOutcome::kDone);
  ASSERT_OK_AND_ASSIGN(const std::vector<StoredToken> tokens, client->store().list_tokens());
  ASSERT_EQ(tokens.size(), 1u);
  ASSERT_OK(client->store().mark_stale(tokens[0].token_id));
  const PerformResult second = client->perform(get("/paid/a"), body);
  EXPECT_EQ(second.outcome, PerformOutcome::kBudgetRefused);
  EXPECT_EQ(second.refusal, Refusal::kOverHostBudget);
  EXPECT_EQ(pays_.load(), 1);
}

TEST_F(ClientSessionTest, DryRunSaysWhatItWouldPayAndPaysNothing) {
  start_server();
  ClientOptions dry = options();
  dry.dry_run = true;
  MemorySink body;
  const PerformResult result = open_client(std::move(dry))->perform(get("/paid/a"), body);
  EXPECT_EQ(result.outcome, PerformOutcome::kDryRun);
  ASSERT_TRUE(result.purchase.has_value());
  EXPECT_FALSE(result.purchase->paid);
  EXPECT_EQ(result.purchase->amount, kPrice);
  EXPECT_EQ(result.purchase->token_id.size(), 64u);
  EXPECT_EQ(pays_.load(), 0);
  EXPECT_EQ(spent(), Msat());
}

TEST_F(ClientSessionTest, APaymentLoopStopsAfterOnePurchase) {
  start_server(SellerMode::kLoop);
  MemorySink body;
  const PerformResult result = open_client(options())->perform(get("/paid/a"), body);
  EXPECT_EQ(result.outcome, PerformOutcome::kPaymentLoop);
  ASSERT_TRUE(result.purchase.has_value());
  EXPECT_TRUE(result.purchase->paid);
  EXPECT_EQ(result.status, 402);
  EXPECT_EQ(pays_.load(), 1);
  EXPECT_EQ(spent(), Msat(kPrice.value() + kNodeFee.value()));
  EXPECT_EQ(server_->challenges(), 2);
  EXPECT_EQ(body.data(), "");
}

TEST_F(ClientSessionTest, AStaleTokenIsReplacedOnce) {
  start_server();
  auto client = open_client(options());
  MemorySink body;
  const PerformResult first = client->perform(get("/paid/a"), body);
  ASSERT_EQ(first.outcome, PerformOutcome::kDone);
  ASSERT_OK_AND_ASSIGN(const std::vector<StoredToken> bought, client->store().list_tokens());
  ASSERT_EQ(bought.size(), 1u);
  ASSERT_OK_AND_ASSIGN(const std::string id_bytes, hex::decode(bought[0].token_id));
  TokenId token_id{};
  ASSERT_EQ(id_bytes.size(), token_id.size());
  std::copy(id_bytes.begin(), id_bytes.end(), token_id.begin());
  server_->revoke(token_id);

  const PerformResult second = client->perform(get("/paid/a"), body);
  ASSERT_EQ(second.outcome, PerformOutcome::kDone);
  ASSERT_TRUE(second.purchase.has_value());
  EXPECT_NE(second.purchase->token_id, first.purchase->token_id);
  ASSERT_OK_AND_ASSIGN(const StoredToken old, client->store().find_token(bought[0].token_id));
  EXPECT_TRUE(old.stale);
  EXPECT_EQ(pays_.load(), 2);
  EXPECT_EQ(spent(), Msat(2 * (kPrice.value() + kNodeFee.value())));
}

TEST_F(ClientSessionTest, AHashMismatchIsRefusedWithoutPaying) {
  start_server(SellerMode::kHashMismatch);
  MemorySink body;
  const PerformResult result = open_client(options())->perform(get("/paid/a"), body);
  EXPECT_EQ(result.outcome, PerformOutcome::kBadChallenge);
  EXPECT_EQ(result.refusal, Refusal::kHashMismatch);
  EXPECT_EQ(pays_.load(), 0);
}

TEST_F(ClientSessionTest, GarbageChallengesAreRefusedWithoutPaying) {
  start_server(SellerMode::kGarbage);
  MemorySink body;
  const PerformResult result = open_client(options())->perform(get("/paid/a"), body);
  EXPECT_EQ(result.outcome, PerformOutcome::kBadChallenge);
  EXPECT_EQ(result.refusal, Refusal::kBadChallenge);
  EXPECT_EQ(pays_.load(), 0);
}

TEST_F(ClientSessionTest, AnInvoiceForAnotherNetworkIsRefused) {
  start_server();
  ClientOptions mainnet = options();
  mainnet.wallet_network = Network::kBitcoin;
  MemorySink body;
  const PerformResult result = open_client(std::move(mainnet))->perform(get("/paid/a"), body);
  EXPECT_EQ(result.outcome, PerformOutcome::kBadChallenge);
  EXPECT_EQ(result.refusal, Refusal::kWrongNetwork);
  EXPECT_EQ(pays_.load(), 0);
}

TEST_F(ClientSessionTest, AFailedPaymentSpendsNothingAndLeavesNothingPending) {
  start_server(SellerMode::kNormal, Msat(kPayerFunds.value() * 2));
  auto client = open_client(options());
  MemorySink body;
  const PerformResult result = client->perform(get("/paid/a"), body);
  EXPECT_EQ(result.outcome, PerformOutcome::kPaymentFailed);
  ASSERT_TRUE(result.error.has_value());
  EXPECT_NE(result.error->message().find("insufficient_balance"), std::string::npos)
      << result.error->message();
  EXPECT_EQ(spent(), Msat());
  ASSERT_OK_AND_ASSIGN(const std::vector<PendingPurchase> pending,
                       client->store().pending_purchases());
  EXPECT_TRUE(pending.empty());
}

TEST_F(ClientSessionTest, ARequestWithItsOwnAuthorizationIsNotPaidFor) {
  start_server();
  HttpRequest request = get("/paid/a");
  request.headers = {{"Authorization", "L402 bm90LWEtbWFjYXJvb24=:" + std::string(64, '0')}};
  MemorySink body;
  const PerformResult result = open_client(options())->perform(request, body);
  EXPECT_EQ(result.outcome, PerformOutcome::kDone);
  EXPECT_EQ(result.status, 402);
  EXPECT_EQ(body.data(), "{\"error\":\"payment required\"}");
  EXPECT_EQ(pays_.load(), 0);
}

TEST_F(ClientSessionTest, FreeResourcesNeedNoToken) {
  start_server();
  MemorySink body;
  const PerformResult result = open_client(options())->perform(get("/free/x"), body);
  EXPECT_EQ(result.outcome, PerformOutcome::kDone);
  EXPECT_EQ(body.data(), "free content");
  EXPECT_FALSE(result.token_id.has_value());
}

TEST_F(ClientSessionTest, TransportFailuresAreHttpErrors) {
  start_server();
  const std::string url = server_->url("/paid/a");
  server_.reset();
  HttpRequest request;
  request.url = url;
  MemorySink body;
  const PerformResult result = open_client(options())->perform(request, body);
  EXPECT_EQ(result.outcome, PerformOutcome::kHttpError);
  ASSERT_TRUE(result.error.has_value());
  EXPECT_EQ(result.error->code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace l402::client_test
