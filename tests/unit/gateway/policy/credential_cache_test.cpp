#include "gateway/policy/credential_cache.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace l402::gateway {
namespace {

std::shared_ptr<const KeySet> empty_key_set() { return KeySet::create({}).value(); }

CredentialCache::Entry entry_for(std::uint8_t tag) {
  CredentialCache::Entry entry;
  entry.grant.token_id.fill(tag);
  entry.forwarded_authorization = "L402 token" + std::to_string(tag) + ":preimage";
  entry.token_id_hex = std::string(64, 'a');
  return entry;
}

class CredentialCacheTest : public ::testing::Test {
 protected:
  void SetUp() override { cache_.use_snapshots(policy_, keys_); }

  const int routes_[2] = {0, 0};
  std::shared_ptr<const int> policy_ = std::make_shared<const int>(1);
  std::shared_ptr<const KeySet> keys_ = empty_key_set();
  CredentialCache cache_{4};
};

TEST_F(CredentialCacheTest, FindsAGrantOnlyForTheExactValueRouteAndCapability) {
  const std::string value = "L402 abc:def";
  cache_.insert({value, &routes_[0], "add"}, entry_for(1));

  const CredentialCache::Entry* hit = cache_.find({value, &routes_[0], "add"});
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->grant.token_id[0], 1);
  EXPECT_EQ(hit->forwarded_authorization, "L402 token1:preimage");

  EXPECT_EQ(cache_.find({"L402 abc:dee", &routes_[0], "add"}), nullptr);
  EXPECT_EQ(cache_.find({"L402 abc:def ", &routes_[0], "add"}), nullptr);
  EXPECT_EQ(cache_.find({"L402 abc:de", &routes_[0], "add"}), nullptr);
  EXPECT_EQ(cache_.find({value, &routes_[1], "add"}), nullptr);
  EXPECT_EQ(cache_.find({value, &routes_[0], "subtract"}), nullptr);
  EXPECT_EQ(cache_.find({value, &routes_[0], ""}), nullptr);
}

TEST_F(CredentialCacheTest, InsertingTheSameScopeReplacesItsEntry) {
  cache_.insert({"L402 a:b", &routes_[0], ""}, entry_for(1));
  cache_.insert({"L402 a:b", &routes_[0], ""}, entry_for(2));
  EXPECT_EQ(cache_.size(), 1u);
  EXPECT_EQ(cache_.find({"L402 a:b", &routes_[0], ""})->grant.token_id[0], 2);
}

TEST_F(CredentialCacheTest, EraseForgetsOneScope) {
  cache_.insert({"L402 a:b", &routes_[0], ""}, entry_for(1));
  cache_.insert({"L402 c:d", &routes_[0], ""}, entry_for(2));
  cache_.erase({"L402 a:b", &routes_[0], ""});
  cache_.erase({"L402 never:cached", &routes_[0], ""});
  EXPECT_EQ(cache_.find({"L402 a:b", &routes_[0], ""}), nullptr);
  EXPECT_NE(cache_.find({"L402 c:d", &routes_[0], ""}), nullptr);
}

TEST_F(CredentialCacheTest, StaysWithinItsCapacity) {
  for (int i = 0; i < 10; ++i) {
    cache_.insert({"L402 t" + std::to_string(i) + ":p", &routes_[0], ""},
                  entry_for(static_cast<std::uint8_t>(i)));
    EXPECT_LE(cache_.size(), 4u);
  }
  // The latest insert is always there.
  EXPECT_NE(cache_.find({"L402 t9:p", &routes_[0], ""}), nullptr);
}

TEST_F(CredentialCacheTest, ANewConfigurationSnapshotEmptiesIt) {
  cache_.insert({"L402 a:b", &routes_[0], ""}, entry_for(1));
  cache_.use_snapshots(policy_, keys_);
  EXPECT_EQ(cache_.size(), 1u);

  const auto reloaded = std::make_shared<const int>(1);
  cache_.use_snapshots(reloaded, keys_);
  EXPECT_EQ(cache_.size(), 0u);
}

TEST_F(CredentialCacheTest, ANewKeyringSnapshotEmptiesIt) {
  cache_.insert({"L402 a:b", &routes_[0], ""}, entry_for(1));
  cache_.use_snapshots(policy_, empty_key_set());
  EXPECT_EQ(cache_.find({"L402 a:b", &routes_[0], ""}), nullptr);
}

TEST_F(CredentialCacheTest, ASnapshotAtTheAddressOfAFreedOneIsStillNew) {
  cache_.insert({"L402 a:b", &routes_[0], ""}, entry_for(1));
  policy_.reset();
  // Whatever address the allocator hands out now, the cache must not take it for the old one.
  for (int i = 0; i < 8; ++i) {
    const auto next = std::make_shared<const int>(i);
    CredentialCache cache{4};
    cache.use_snapshots(next, keys_);
    cache.insert({"L402 a:b", &routes_[0], ""}, entry_for(1));
  }
  const auto next = std::make_shared<const int>(2);
  cache_.use_snapshots(next, keys_);
  EXPECT_EQ(cache_.size(), 0u);
}

}  // namespace
}  // namespace l402::gateway
