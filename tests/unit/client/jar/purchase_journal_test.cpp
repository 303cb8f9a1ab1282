// The never-pay-twice journal: begin before paying, complete or fail after; durable across a
// reopen and a kill -9; a payment hash is never accepted for paying twice.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "jar_test_util.hpp"

namespace l402 {
namespace {

using test::HasError;
using test::HasErrorMentioning;
using test::IsOk;
using test::test_purchase;

class PurchaseJournal : public test::JarTest {};

TEST_F(PurchaseJournal, CompleteStoresTheTokenWritesTheReceiptAndClosesThePurchase) {
  auto store = open_store();
  const test::TestPurchase purchase = test_purchase(1);
  ASSERT_TRUE(IsOk(store->begin_purchase(purchase.pending)));
  ASSERT_OK_AND_ASSIGN(const auto pending, store->pending_purchases());
  ASSERT_EQ(pending.size(), 1U);
  EXPECT_EQ(pending[0].token_id, purchase.pending.token_id);
  EXPECT_EQ(pending[0].invoice, purchase.pending.invoice);
  EXPECT_EQ(pending[0].max_fee, purchase.pending.max_fee);
  EXPECT_EQ(pending[0].expires_at, purchase.pending.expires_at);

  ASSERT_OK_AND_ASSIGN(
      const StoredToken token,
      store->complete_purchase(purchase.pending.payment_hash, purchase.payment, test::kJarNow + 2));
  EXPECT_EQ(token.token_id, purchase.pending.token_id);
  EXPECT_EQ(token.origin, purchase.pending.origin);
  EXPECT_EQ(token.service, "myservice");
  EXPECT_EQ(token.path_scope, "/v1/items");
  EXPECT_EQ(token.macaroon_base64, purchase.pending.macaroon_base64);
  EXPECT_EQ(token.payment_hash, purchase.pending.payment_hash);
  EXPECT_EQ(token.preimage, purchase.payment.preimage);
  EXPECT_EQ(token.amount, Msat(21'000));
  EXPECT_EQ(token.fee, Msat(15));
  EXPECT_EQ(token.bought_at, test::kJarNow + 2);
  EXPECT_EQ(token.expires_at, test::kJarNow + 3600);
  EXPECT_FALSE(token.stale);

  ASSERT_OK_AND_ASSIGN(const auto after, store->pending_purchases());
  EXPECT_TRUE(after.empty());
  ASSERT_OK_AND_ASSIGN(const auto receipts, store->spending(0, INT64_MAX));
  ASSERT_EQ(receipts.size(), 1U);
  EXPECT_EQ(receipts[0].at, test::kJarNow + 2);
  EXPECT_EQ(receipts[0].host, "api.example");
  EXPECT_EQ(receipts[0].origin, purchase.pending.origin);
  EXPECT_EQ(receipts[0].service, "myservice");
  EXPECT_EQ(receipts[0].amount, Msat(21'000));
  EXPECT_EQ(receipts[0].fee, Msat(15));
  EXPECT_EQ(receipts[0].payment_hash, purchase.pending.payment_hash);
  EXPECT_EQ(receipts[0].preimage, purchase.payment.preimage);
  EXPECT_EQ(receipts[0].token_id, purchase.pending.token_id);
}

TEST_F(PurchaseJournal, ABegunPurchaseSurvivesReopeningTheStore) {
  const test::TestPurchase purchase = test_purchase(1);
  {
    auto store = open_store();
    ASSERT_TRUE(IsOk(store->begin_purchase(purchase.pending)));
  }
  auto store = open_store();
  ASSERT_OK_AND_ASSIGN(const auto pending, store->pending_purchases());
  ASSERT_EQ(pending.size(), 1U);
  EXPECT_EQ(pending[0].payment_hash, purchase.pending.payment_hash);
  EXPECT_TRUE(IsOk(
      store->complete_purchase(purchase.pending.payment_hash, purchase.payment, test::kJarNow)));
}

TEST_F(PurchaseJournal, ABegunPurchaseSurvivesAKillNineRightAfterBegin) {
  const test::TestPurchase purchase = test_purchase(1);
  ASSERT_NE(open_store(), nullptr);  // create the files first, in the parent
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // No gtest assertions here: the child only journals and dies without any cleanup.
    auto store = ClientStore::open(directory());
    if (!store.ok() || !(*store)->begin_purchase(purchase.pending).ok()) ::_exit(3);
    ::kill(::getpid(), SIGKILL);
    ::_exit(4);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  auto store = open_store();
  ASSERT_OK_AND_ASSIGN(const auto pending, store->pending_purchases());
  ASSERT_EQ(pending.size(), 1U);
  EXPECT_EQ(pending[0].payment_hash, purchase.pending.payment_hash);
  EXPECT_TRUE(HasError(store->begin_purchase(purchase.pending), ErrorCode::kAlreadyExists));
}

TEST_F(PurchaseJournal, BeginRefusesAHashThatIsPending) {
  auto store = open_store();
  const test::TestPurchase purchase = test_purchase(1);
  ASSERT_TRUE(IsOk(store->begin_purchase(purchase.pending)));
  EXPECT_TRUE(HasErrorMentioning(store->begin_purchase(purchase.pending), ErrorCode::kAlreadyExists,
                                 "in progress"));
}

TEST_F(PurchaseJournal, BeginRefusesAHashThatWasBoughtEvenAfterItsTokenIsRemoved) {
  auto store = open_store();
  const test::TestPurchase purchase = test_purchase(1);
  buy(*store, purchase);
  EXPECT_TRUE(HasErrorMentioning(store->begin_purchase(purchase.pending), ErrorCode::kAlreadyExists,
                                 "paid already"));
  ASSERT_TRUE(IsOk(store->remove_token(purchase.pending.token_id)));
  EXPECT_TRUE(HasError(store->begin_purchase(purchase.pending), ErrorCode::kAlreadyExists));
}

TEST_F(PurchaseJournal, CompleteRefusesAPreimageThatDoesNotHashToThePaymentHash) {
  auto store = open_store();
  const test::TestPurchase purchase = test_purchase(1);
  ASSERT_TRUE(IsOk(store->begin_purchase(purchase.pending)));
  Payment forged = purchase.payment;
  forged.preimage[0] ^= 1;
  const auto completed =
      store->complete_purchase(purchase.pending.payment_hash, forged, test::kJarNow);
  EXPECT_TRUE(HasError(completed, ErrorCode::kUnauthenticated));
  // Nothing changed, and the message does not carry the (forged) preimage.
  EXPECT_EQ(completed.error().message().find(hex::encode(forged.preimage)), std::string::npos);
  ASSERT_OK_AND_ASSIGN(const auto pending, store->pending_purchases());
  EXPECT_EQ(pending.size(), 1U);
  ASSERT_OK_AND_ASSIGN(const auto tokens, store->list_tokens());
  EXPECT_TRUE(tokens.empty());
}

TEST_F(PurchaseJournal, CompleteRefusesAPaymentOfAnotherHash) {
  auto store = open_store();
  const test::TestPurchase purchase = test_purchase(1);
  ASSERT_TRUE(IsOk(store->begin_purchase(purchase.pending)));
  const test::TestPurchase other = test_purchase(2);
  EXPECT_TRUE(HasError(
      store->complete_purchase(purchase.pending.payment_hash, other.payment, test::kJarNow),
      ErrorCode::kUnauthenticated));
}

TEST_F(PurchaseJournal, CompleteTwiceReturnsTheSameToken) {
  auto store = open_store();
  const test::TestPurchase purchase = test_purchase(1);
  const StoredToken first = buy(*store, purchase, test::kJarNow);
  ASSERT_OK_AND_ASSIGN(const StoredToken second,
                       store->complete_purchase(purchase.pending.payment_hash, purchase.payment,
                                                test::kJarNow + 50));
  EXPECT_EQ(second.token_id, first.token_id);
  EXPECT_EQ(second.bought_at, test::kJarNow);
  ASSERT_OK_AND_ASSIGN(const auto receipts, store->spending(0, INT64_MAX));
  EXPECT_EQ(receipts.size(), 1U);
}

TEST_F(PurchaseJournal, CompleteOfAnUnknownHashIsNotFound) {
  auto store = open_store();
  const test::TestPurchase purchase = test_purchase(1);
  EXPECT_TRUE(HasError(
      store->complete_purchase(purchase.pending.payment_hash, purchase.payment, test::kJarNow),
      ErrorCode::kNotFound));
}

TEST_F(PurchaseJournal, FailRemovesThePendingPurchaseAndSpendsNothing) {
  auto store = open_store();
  const test::TestPurchase purchase = test_purchase(1);
  ASSERT_TRUE(IsOk(store->begin_purchase(purchase.pending)));
  ASSERT_TRUE(IsOk(store->fail_purchase(purchase.pending.payment_hash)));
  ASSERT_OK_AND_ASSIGN(const auto pending, store->pending_purchases());
  EXPECT_TRUE(pending.empty());
  ASSERT_OK_AND_ASSIGN(const SpentToday spent, store->spent_today("api.example", test::kJarNow));
  EXPECT_EQ(spent.total, Msat(0));
  EXPECT_TRUE(HasError(store->fail_purchase(purchase.pending.payment_hash), ErrorCode::kNotFound));
  // A failed payment may be tried again (a fresh challenge usually brings a new hash).
  EXPECT_TRUE(IsOk(store->begin_purchase(purchase.pending)));
}

TEST_F(PurchaseJournal, ListsPendingPurchasesOldestFirst) {
  auto store = open_store();
  ASSERT_TRUE(IsOk(store->begin_purchase(
      test_purchase(1, std::string(test::kOrigin), Msat(1), test::kJarNow + 9).pending)));
  ASSERT_TRUE(IsOk(store->begin_purchase(
      test_purchase(2, std::string(test::kOrigin), Msat(1), test::kJarNow).pending)));
  ASSERT_OK_AND_ASSIGN(const auto pending, store->pending_purchases());
  ASSERT_EQ(pending.size(), 2U);
  EXPECT_EQ(pending[0].started_at, test::kJarNow);
  EXPECT_EQ(pending[1].started_at, test::kJarNow + 9);
}

TEST_F(PurchaseJournal, BeginChecksEveryField) {
  auto store = open_store();
  const auto with = [](auto change) {
    test::TestPurchase purchase = test_purchase(1);
    change(purchase.pending);
    return purchase.pending;
  };
  EXPECT_TRUE(HasErrorMentioning(
      store->begin_purchase(with([](PendingPurchase& p) { p.token_id = "ABC"; })),
      ErrorCode::kInvalidArgument, "token_id"));
  EXPECT_TRUE(HasErrorMentioning(
      store->begin_purchase(with([](PendingPurchase& p) { p.origin = "https://API.example"; })),
      ErrorCode::kInvalidArgument, "origin"));
  EXPECT_TRUE(HasErrorMentioning(
      store->begin_purchase(with([](PendingPurchase& p) { p.amount = Msat(0); })),
      ErrorCode::kInvalidArgument, "amount"));
  EXPECT_TRUE(HasErrorMentioning(
      store->begin_purchase(with([](PendingPurchase& p) { p.amount = Msat(UINT64_MAX); })),
      ErrorCode::kInvalidArgument, "amount"));
  EXPECT_TRUE(HasErrorMentioning(
      store->begin_purchase(with([](PendingPurchase& p) { p.path = std::string(5000, 'a'); })),
      ErrorCode::kLimitExceeded, "path"));
  EXPECT_TRUE(HasErrorMentioning(
      store->begin_purchase(with([](PendingPurchase& p) { p.service = "a\nb"; })),
      ErrorCode::kInvalidArgument, "service"));
  EXPECT_TRUE(HasErrorMentioning(
      store->begin_purchase(with([](PendingPurchase& p) { p.macaroon_base64 = "%%%"; })),
      ErrorCode::kInvalidArgument, "macaroon"));
  ASSERT_OK_AND_ASSIGN(const auto pending, store->pending_purchases());
  EXPECT_TRUE(pending.empty());
}

}  // namespace
}  // namespace l402
