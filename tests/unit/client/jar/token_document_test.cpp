// export_tokens / import_tokens: a round trip between two stores, duplicates skipped, and
// every kind of malformed document refused with nothing imported.
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "jar_test_util.hpp"

namespace l402 {
namespace {

using test::HasError;
using test::HasErrorMentioning;
using test::IsOk;
using test::test_purchase;
using Json = nlohmann::json;

class TokenDocument : public test::JarTest {
 protected:
  // A document holding tokens 1 and 2 (token 2 stale), exported from a store elsewhere.
  std::string exported() {
    if (exported_.empty()) exported_ = export_elsewhere();
    return exported_;
  }

  std::string export_elsewhere() {
    test::TempDir elsewhere("l402-jar-export");
    auto store = ClientStore::open(elsewhere.path() + "/jar").value();
    buy(*store, test_purchase(1), test::kJarNow);
    buy(*store, test_purchase(2, "http://other.example:80"), test::kJarNow + 1);
    EXPECT_TRUE(IsOk(store->mark_stale(test_purchase(2).pending.token_id)));
    return store->export_tokens().value();
  }

  // The exported document with token 0 changed by `change`.
  std::string with_token(const std::function<void(Json&)>& change) {
    Json document = Json::parse(exported());
    change(document["tokens"][0]);
    return document.dump();
  }

  void expect_nothing_imported(ClientStore& store) {
    ASSERT_OK_AND_ASSIGN(const auto tokens, store.list_tokens());
    EXPECT_TRUE(tokens.empty());
  }

  std::string exported_;
};

TEST_F(TokenDocument, ExportsAVersionedObject) {
  const Json document = Json::parse(exported());
  EXPECT_EQ(document["format"], "l402-tokens");
  EXPECT_EQ(document["version"], 1);
  ASSERT_EQ(document["tokens"].size(), 2U);
  const Json& token = document["tokens"][1];
  EXPECT_EQ(token["token_id"], test_purchase(1).pending.token_id);
  EXPECT_EQ(token["origin"], test::kOrigin);
  EXPECT_EQ(token["service"], "myservice");
  EXPECT_EQ(token["path_scope"], "/v1/items");
  EXPECT_EQ(token["macaroon"], test_purchase(1).pending.macaroon_base64);
  EXPECT_EQ(token["payment_hash"], hex::encode(test_purchase(1).pending.payment_hash));
  EXPECT_EQ(token["preimage"], hex::encode(test_purchase(1).payment.preimage));
  EXPECT_EQ(token["amount_msat"], 21'000);
  EXPECT_EQ(token["fee_msat"], 15);
  EXPECT_EQ(token["bought_at"], test::kJarNow);
  EXPECT_EQ(token["expires_at"], test::kJarNow + 3600);
  EXPECT_EQ(token["stale"], false);
}

TEST_F(TokenDocument, ImportRestoresEveryFieldAndSkipsTokensAlreadyHeld) {
  const std::string document = exported();
  auto store = open_store();
  ASSERT_OK_AND_ASSIGN(const ImportReport first, store->import_tokens(document));
  EXPECT_EQ(first.imported, 2U);
  EXPECT_EQ(first.skipped, 0U);
  ASSERT_OK_AND_ASSIGN(const std::string again, store->export_tokens());
  EXPECT_EQ(again, document);
  ASSERT_OK_AND_ASSIGN(const ImportReport second, store->import_tokens(document));
  EXPECT_EQ(second.imported, 0U);
  EXPECT_EQ(second.skipped, 2U);
  // Imported tokens are not spending here.
  ASSERT_OK_AND_ASSIGN(const auto receipts, store->spending(0, INT64_MAX));
  EXPECT_TRUE(receipts.empty());
}

TEST_F(TokenDocument, ImportedTokensBlockPayingTheirHashAgain) {
  auto store = open_store();
  ASSERT_TRUE(IsOk(store->import_tokens(exported())));
  EXPECT_TRUE(HasError(store->begin_purchase(test_purchase(1).pending), ErrorCode::kAlreadyExists));
}

TEST_F(TokenDocument, ImportRefusesDocumentsThatAreNotTokenLists) {
  auto store = open_store();
  for (const std::string& bad :
       {std::string("not json"), std::string("[]"), std::string("{}"),
        std::string(R"({"format":"other","version":1,"tokens":[]})"),
        std::string(R"({"format":"l402-tokens","version":2,"tokens":[]})"),
        std::string(R"({"format":"l402-tokens","version":1,"tokens":{}})"),
        std::string(R"({"format":"l402-tokens","version":1,"tokens":[7]})")}) {
    EXPECT_TRUE(HasError(store->import_tokens(bad), ErrorCode::kInvalidArgument)) << bad;
  }
  expect_nothing_imported(*store);
}

TEST_F(TokenDocument, ImportRefusesABadFieldNamingTheTokenAndField) {
  auto store = open_store();
  const auto refuses = [&](const std::function<void(Json&)>& change, std::string_view word) {
    return HasErrorMentioning(store->import_tokens(with_token(change)), ErrorCode::kInvalidArgument,
                              word);
  };
  EXPECT_TRUE(refuses([](Json& t) { t.erase("preimage"); }, "token 0: preimage is missing"));
  EXPECT_TRUE(refuses([](Json& t) { t["amount_msat"] = "21"; }, "amount_msat"));
  EXPECT_TRUE(refuses([](Json& t) { t["amount_msat"] = -1; }, "amount_msat"));
  EXPECT_TRUE(refuses([](Json& t) { t["amount_msat"] = 1e30; }, "amount_msat"));
  EXPECT_TRUE(refuses([](Json& t) { t["amount_msat"] = UINT64_MAX; }, "INT64_MAX"));
  EXPECT_TRUE(refuses([](Json& t) { t["stale"] = 1; }, "stale"));
  EXPECT_TRUE(refuses([](Json& t) { t["extra"] = 1; }, "extra"));
  EXPECT_TRUE(refuses([](Json& t) { t["origin"] = "https://x.example"; }, "origin"));
  EXPECT_TRUE(refuses([](Json& t) { t["payment_hash"] = "00"; }, "payment_hash"));
  EXPECT_TRUE(refuses([](Json& t) { t["macaroon"] = "AgE="; }, "token 0"));
  EXPECT_TRUE(refuses(
      [](Json& t) { t["preimage"] = hex::encode(test_purchase(9).payment.preimage); }, "preimage"));
  EXPECT_TRUE(refuses([](Json& t) { t["token_id"] = test_purchase(9).pending.token_id; },
                      "differs from the macaroon"));
  EXPECT_TRUE(refuses(
      [](Json& t) {
        t["payment_hash"] = hex::encode(test_purchase(9).pending.payment_hash);
        t["preimage"] = hex::encode(test_purchase(9).payment.preimage);
      },
      "payment_hash: differs from the macaroon"));
  expect_nothing_imported(*store);
}

TEST_F(TokenDocument, ImportIsAllOrNothing) {
  auto store = open_store();
  Json document = Json::parse(exported());
  document["tokens"][1]["preimage"] = std::string(64, '0');
  EXPECT_TRUE(HasErrorMentioning(store->import_tokens(document.dump()), ErrorCode::kInvalidArgument,
                                 "token 1"));
  expect_nothing_imported(*store);
}

TEST_F(TokenDocument, ImportEnforcesItsSizeCountAndNestingLimits) {
  ClientStoreOptions options;
  options.limits.max_import_tokens = 1;
  options.limits.max_import_size = 4096;
  auto store = open_store(options);
  EXPECT_TRUE(HasErrorMentioning(store->import_tokens(exported()), ErrorCode::kLimitExceeded,
                                 "more than 1 tokens"));
  EXPECT_TRUE(HasError(store->import_tokens(std::string(4097, ' ')), ErrorCode::kLimitExceeded));
  const std::string deep = std::string(1000, '[') + std::string(1000, ']');
  EXPECT_TRUE(HasErrorMentioning(store->import_tokens(deep), ErrorCode::kLimitExceeded, "nested"));
  // Brackets inside strings are text, not nesting.
  EXPECT_TRUE(IsOk(
      store->import_tokens(R"({"format":"l402-tokens","version":1,"tokens":[],"x":"[[[[["})")));
}

}  // namespace
}  // namespace l402
