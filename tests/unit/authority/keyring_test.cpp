// Master keys (KeySet, InMemoryKeyring), root-key derivation, the deny-list, and how key
// states decide what the Authority accepts.
#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <thread>
#include <unordered_set>
#include <vector>

#include "test_util.hpp"

namespace l402 {
namespace {

using test::HasError;
using test::HasErrorMentioning;
using test::IsOk;

MasterKey key(KeyId id, KeyState state, std::uint8_t fill = 0x42) {
  return MasterKey{id, state, test::master_key_bytes(fill)};
}

std::vector<MasterKey> keys_of(std::initializer_list<std::pair<KeyId, KeyState>> specs) {
  std::vector<MasterKey> out;
  for (const auto& [id, state] : specs) out.push_back(key(id, state));
  return out;
}

TEST(KeyState, HasStableNames) {
  EXPECT_EQ(key_state_name(KeyState::kActive), "active");
  EXPECT_EQ(key_state_name(KeyState::kVerifyOnly), "verify-only");
  EXPECT_EQ(key_state_name(KeyState::kRetired), "retired");
}

TEST(KeyIdOf, ReadsTheFirstFourBytesBigEndian) {
  TokenId id = test::filled_hash(0xee);
  id[0] = 0x12;
  id[1] = 0x34;
  id[2] = 0x56;
  id[3] = 0x78;
  EXPECT_EQ(key_id_of(id), 0x12345678u);
  EXPECT_EQ(key_id_of(test::filled_hash(0xff)), 0xffffffffu);
  EXPECT_EQ(key_id_of(TokenId{}), 0u);
}

TEST(DeriveRootKey, IsHmacOfLabelZeroByteAndTokenId) {
  const TokenId token_id = test::token_id_for(0x01020304, 0x5a);
  const HmacSha256Key master(std::string(kMasterKeySize, '\x11'));
  EXPECT_EQ(derive_root_key(master, token_id), test::expected_root_key(0x11, token_id));
}

TEST(DeriveRootKey, DiffersPerTokenAndPerMasterKey) {
  const HmacSha256Key a(std::string(kMasterKeySize, '\x01'));
  const HmacSha256Key b(std::string(kMasterKeySize, '\x02'));
  const TokenId one = test::token_id_for(7, 1);
  const TokenId two = test::token_id_for(7, 2);
  EXPECT_NE(derive_root_key(a, one), derive_root_key(a, two));
  EXPECT_NE(derive_root_key(a, one), derive_root_key(b, one));
  EXPECT_EQ(derive_root_key(a, one), derive_root_key(a, one));
}

// ---- KeySet -----------------------------------------------------------------------------------

TEST(KeySet, FindsEntriesByIdAndTheActiveKey) {
  ASSERT_OK_AND_ASSIGN(
      auto set,
      KeySet::create(
          keys_of({{1, KeyState::kVerifyOnly}, {2, KeyState::kActive}, {3, KeyState::kRetired}})));
  ASSERT_EQ(set->entries().size(), 3u);
  ASSERT_NE(set->find(3), nullptr);
  EXPECT_EQ(set->find(3)->state, KeyState::kRetired);
  EXPECT_EQ(set->find(4), nullptr);
  ASSERT_NE(set->active(), nullptr);
  EXPECT_EQ(set->active()->id, 2u);
}

TEST(KeySet, MayHaveNoActiveKey) {
  ASSERT_OK_AND_ASSIGN(auto set, KeySet::create(keys_of({{1, KeyState::kVerifyOnly}})));
  EXPECT_EQ(set->active(), nullptr);
  ASSERT_OK_AND_ASSIGN(auto empty, KeySet::create({}));
  EXPECT_TRUE(empty->entries().empty());
  EXPECT_EQ(empty->active(), nullptr);
}

TEST(KeySet, EntriesHoldTheMasterKeysHmacState) {
  std::vector<MasterKey> keys;
  keys.push_back(key(9, KeyState::kActive, 0x77));
  ASSERT_OK_AND_ASSIGN(auto set, KeySet::create(std::move(keys)));
  const TokenId token_id = test::token_id_for(9, 3);
  EXPECT_EQ(derive_root_key(set->find(9)->key, token_id), test::expected_root_key(0x77, token_id));
}

TEST(KeySet, RejectsKeysOfAnotherSize) {
  for (const std::size_t size : {0u, 16u, 31u, 33u, 64u}) {
    SCOPED_TRACE(size);
    std::vector<MasterKey> keys;
    keys.push_back(MasterKey{1, KeyState::kActive, SecretBytes(std::string(size, 'k'))});
    EXPECT_TRUE(HasErrorMentioning(KeySet::create(std::move(keys)), ErrorCode::kInvalidArgument,
                                   "00000001"));
  }
}

TEST(KeySet, RejectsARepeatedId) {
  EXPECT_TRUE(HasErrorMentioning(
      KeySet::create(keys_of({{5, KeyState::kVerifyOnly}, {5, KeyState::kRetired}})),
      ErrorCode::kInvalidArgument, "twice"));
}

TEST(KeySet, RejectsTwoActiveKeys) {
  EXPECT_TRUE(
      HasErrorMentioning(KeySet::create(keys_of({{1, KeyState::kActive}, {2, KeyState::kActive}})),
                         ErrorCode::kInvalidArgument, "active"));
}

// ---- InMemoryKeyring --------------------------------------------------------------------------

TEST(InMemoryKeyring, StartsEmpty) {
  InMemoryKeyring keyring;
  ASSERT_NE(keyring.current(), nullptr);
  EXPECT_TRUE(keyring.current()->entries().empty());
  EXPECT_EQ(keyring.current()->active(), nullptr);
}

TEST(InMemoryKeyring, RotateCreatesAnActiveKeyAndDemotesThePreviousOne) {
  InMemoryKeyring keyring;
  test::DeterministicRandom random(7);
  ASSERT_OK_AND_ASSIGN(const KeyId first, keyring.rotate(random));
  EXPECT_NE(first, 0u);
  ASSERT_NE(keyring.current()->active(), nullptr);
  EXPECT_EQ(keyring.current()->active()->id, first);

  ASSERT_OK_AND_ASSIGN(const KeyId second, keyring.rotate(random));
  EXPECT_NE(second, first);
  const auto set = keyring.current();
  ASSERT_EQ(set->entries().size(), 2u);
  EXPECT_EQ(set->active()->id, second);
  EXPECT_EQ(set->find(first)->state, KeyState::kVerifyOnly);
}

TEST(InMemoryKeyring, RotateLeavesRetiredKeysRetired) {
  InMemoryKeyring keyring;
  test::DeterministicRandom random(8);
  ASSERT_OK_AND_ASSIGN(const KeyId first, keyring.rotate(random));
  ASSERT_OK(keyring.set_state(first, KeyState::kRetired));
  ASSERT_OK_AND_ASSIGN(const KeyId second, keyring.rotate(random));
  EXPECT_EQ(keyring.current()->find(first)->state, KeyState::kRetired);
  EXPECT_EQ(keyring.current()->find(second)->state, KeyState::kActive);
}

// Serves scripted bytes, then fails.
class ScriptedRandom final : public RandomSource {
 public:
  explicit ScriptedRandom(std::deque<std::string> chunks) : chunks_(std::move(chunks)) {}
  Result<void> fill(std::span<std::uint8_t> out) override {
    if (chunks_.empty() || chunks_.front().size() != out.size()) {
      return Error(ErrorCode::kInternal, "scripted random: unexpected request");
    }
    std::copy(chunks_.front().begin(), chunks_.front().end(), out.begin());
    chunks_.pop_front();
    return ok_result();
  }

 private:
  std::deque<std::string> chunks_;
};

TEST(InMemoryKeyring, RotateSkipsKeyIdZeroAndIdsInUse) {
  InMemoryKeyring keyring;
  ASSERT_OK(keyring.add(key(0x01020304, KeyState::kActive)));
  const std::string master(kMasterKeySize, 'm');
  ScriptedRandom random({master, std::string("\0\0\0\0", 4), std::string("\x01\x02\x03\x04", 4),
                         std::string("\x0a\x0b\x0c\x0d", 4)});
  ASSERT_OK_AND_ASSIGN(const KeyId id, keyring.rotate(random));
  EXPECT_EQ(id, 0x0a0b0c0du);
  const TokenId token_id = test::token_id_for(id, 1);
  EXPECT_EQ(
      derive_root_key(keyring.current()->find(id)->key, token_id),
      hmac_sha256(master, std::string(kRootKeyLabel) + '\0' + std::string(as_view(token_id))));
}

TEST(InMemoryKeyring, RotateReportsABrokenRandomSource) {
  InMemoryKeyring keyring;
  test::FailingRandom random;
  EXPECT_TRUE(HasError(keyring.rotate(random), ErrorCode::kInternal));
  EXPECT_TRUE(keyring.current()->entries().empty());
}

TEST(InMemoryKeyring, RotateGivesUpWhenEveryKeyIdIsTaken) {
  InMemoryKeyring keyring;
  ASSERT_OK(keyring.add(key(5, KeyState::kActive)));
  std::deque<std::string> chunks{std::string(kMasterKeySize, 'm')};
  for (int i = 0; i < 64; ++i) chunks.emplace_back("\0\0\0\x05", 4);
  ScriptedRandom random(std::move(chunks));
  EXPECT_TRUE(HasErrorMentioning(keyring.rotate(random), ErrorCode::kInternal, "key ID"));
  EXPECT_EQ(keyring.current()->active()->id, 5u);  // unchanged
}

TEST(InMemoryKeyring, SnapshotsAreImmutable) {
  InMemoryKeyring keyring;
  test::DeterministicRandom random(9);
  ASSERT_OK_AND_ASSIGN(const KeyId first, keyring.rotate(random));
  const std::shared_ptr<const KeySet> before = keyring.current();
  ASSERT_OK(keyring.rotate(random));
  ASSERT_OK(keyring.set_state(first, KeyState::kRetired));
  EXPECT_EQ(before->entries().size(), 1u);
  EXPECT_EQ(before->find(first)->state, KeyState::kActive);
  EXPECT_NE(keyring.current(), before);
}

TEST(InMemoryKeyring, AddRefusesAKnownIdAndBadKeys) {
  InMemoryKeyring keyring;
  ASSERT_OK(keyring.add(key(1, KeyState::kActive)));
  EXPECT_TRUE(HasError(keyring.add(key(1, KeyState::kRetired)), ErrorCode::kAlreadyExists));
  EXPECT_TRUE(HasError(keyring.add(MasterKey{2, KeyState::kVerifyOnly, SecretBytes("short")}),
                       ErrorCode::kInvalidArgument));
  EXPECT_TRUE(HasError(keyring.add(key(3, KeyState::kActive)), ErrorCode::kInvalidArgument));
  EXPECT_EQ(keyring.current()->entries().size(), 1u);
}

TEST(InMemoryKeyring, SetStateChangesOneKey) {
  InMemoryKeyring keyring;
  ASSERT_OK(keyring.add(key(1, KeyState::kActive)));
  ASSERT_OK(keyring.add(key(2, KeyState::kVerifyOnly)));
  EXPECT_TRUE(HasError(keyring.set_state(3, KeyState::kRetired), ErrorCode::kNotFound));
  EXPECT_TRUE(HasError(keyring.set_state(2, KeyState::kActive), ErrorCode::kInvalidArgument));
  ASSERT_OK(keyring.set_state(1, KeyState::kActive));  // already active: fine
  ASSERT_OK(keyring.set_state(1, KeyState::kVerifyOnly));
  ASSERT_OK(keyring.set_state(2, KeyState::kActive));
  EXPECT_EQ(keyring.current()->active()->id, 2u);
  ASSERT_OK(keyring.set_state(1, KeyState::kRetired));
  EXPECT_EQ(keyring.current()->find(1)->state, KeyState::kRetired);
}

TEST(InMemoryKeyring, ReadersSeeWholeSnapshotsWhileKeysRotate) {
  InMemoryKeyring keyring;
  test::DeterministicRandom random(10);
  ASSERT_OK(keyring.rotate(random));
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      while (!done.load()) {
        const auto set = keyring.current();
        int active = 0;
        for (const auto& entry : set->entries()) active += entry.state == KeyState::kActive;
        if (active != 1) ++bad;
      }
    });
  }
  for (int i = 0; i < 200; ++i) ASSERT_OK(keyring.rotate(random));
  done = true;
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(keyring.current()->entries().size(), 201u);
}

// ---- What key states mean to the Authority ------------------------------------------------------

TEST(AuthorityKeys, TokenOfARotatedKeyVerifiesWhileVerifyOnly) {
  test::Harness harness;
  ASSERT_OK_AND_ASSIGN(const test::PaidToken token, harness.buy());
  ASSERT_OK_AND_ASSIGN(const KeyId fresh, harness.keyring().rotate(harness.random()));
  EXPECT_EQ(harness.keyring().current()->find(test::Harness::kKeyId)->state, KeyState::kVerifyOnly);

  const Target target = test::target();
  EXPECT_TRUE(test::IsGranted(harness.verify(token.macaroon(), token.preimage, target)));

  // New tokens carry the new key.
  ASSERT_OK_AND_ASSIGN(const test::PaidToken newer, harness.buy());
  EXPECT_EQ(newer.challenge.key_id, fresh);
  EXPECT_EQ(key_id_of(newer.challenge.token_id), fresh);
  EXPECT_TRUE(test::IsGranted(harness.verify(newer.macaroon(), newer.preimage, target)));
}

TEST(AuthorityKeys, TokenOfARetiredKeyIsDenied) {
  test::Harness harness;
  ASSERT_OK_AND_ASSIGN(const test::PaidToken token, harness.buy());
  ASSERT_OK(harness.keyring().rotate(harness.random()));
  ASSERT_OK(harness.keyring().set_state(test::Harness::kKeyId, KeyState::kRetired));
  const Verdict verdict = harness.verify(token.macaroon(), token.preimage, test::target());
  EXPECT_TRUE(test::IsDeniedMentioning(verdict, DenialCode::kKeyRetired, "0a0b0c0d"));
  EXPECT_EQ(verdict.denial().http_status, 402);

  // Un-retiring the key (an operator's mistake undone) accepts the token again.
  ASSERT_OK(harness.keyring().set_state(test::Harness::kKeyId, KeyState::kVerifyOnly));
  EXPECT_TRUE(test::IsGranted(harness.verify(token.macaroon(), token.preimage, test::target())));
}

TEST(AuthorityKeys, TokenOfAKeyThisKeyringNeverHadIsUnknown) {
  test::Harness minter;
  ASSERT_OK_AND_ASSIGN(const test::PaidToken token, minter.buy());
  // Another gateway, with other keys (one of them even has the same master bytes).
  InMemoryKeyring other_keyring;
  ASSERT_OK(other_keyring.add(
      MasterKey{0x01010101, KeyState::kActive, test::master_key_bytes(test::Harness::kKeyFill)}));
  InMemoryRevocationList revocations;
  test::FailingInvoiceSource invoices;
  test::DeterministicRandom random(3);
  const Authority other(other_keyring, revocations, invoices, random);
  const Verdict verdict =
      other.verify(test::credential(token.macaroon(), token.preimage), test::target(), test::kNow);
  EXPECT_TRUE(test::IsDeniedMentioning(verdict, DenialCode::kUnknownKeyId, "0a0b0c0d"));
  EXPECT_EQ(verdict.denial().http_status, 401);
}

TEST(AuthorityKeys, NoMintingWithoutAnActiveKeyButVerifyingGoesOn) {
  test::Harness harness;
  ASSERT_OK_AND_ASSIGN(const test::PaidToken token, harness.buy());
  ASSERT_OK(harness.keyring().set_state(test::Harness::kKeyId, KeyState::kVerifyOnly));
  EXPECT_TRUE(HasError(harness.buy(), ErrorCode::kFailedPrecondition));
  EXPECT_TRUE(test::IsGranted(harness.verify(token.macaroon(), token.preimage, test::target())));
}

// ---- InMemoryRevocationList -------------------------------------------------------------------

TEST(InMemoryRevocationList, RevokesAndUnrevokes) {
  InMemoryRevocationList list;
  const TokenId a = test::token_id_for(1, 0xaa);
  const TokenId b = test::token_id_for(1, 0xbb);
  EXPECT_FALSE(list.is_revoked(a));
  EXPECT_TRUE(list.revoke(a));
  EXPECT_FALSE(list.revoke(a));
  EXPECT_TRUE(list.is_revoked(a));
  EXPECT_FALSE(list.is_revoked(b));
  EXPECT_EQ(list.size(), 1u);
  EXPECT_TRUE(list.unrevoke(a));
  EXPECT_FALSE(list.unrevoke(a));
  EXPECT_FALSE(list.is_revoked(a));
  EXPECT_EQ(list.size(), 0u);
}

TEST(InMemoryRevocationList, ReplaceSwapsTheWholeSet) {
  InMemoryRevocationList list;
  const TokenId a = test::token_id_for(1, 0xaa);
  const TokenId b = test::token_id_for(2, 0xbb);
  const TokenId c = test::token_id_for(3, 0xcc);
  list.revoke(a);
  list.replace({b, c});
  EXPECT_FALSE(list.is_revoked(a));
  EXPECT_TRUE(list.is_revoked(b));
  EXPECT_TRUE(list.is_revoked(c));
  EXPECT_EQ(list.size(), 2u);
}

TEST(TokenIdHash, SpreadsTokenIdsOfOneKey) {
  // Token IDs of one key share their first four bytes; the hash must use the random rest.
  const TokenIdHash hash;
  std::unordered_set<std::size_t> seen;
  test::DeterministicRandom random(11);
  for (int i = 0; i < 1000; ++i) {
    TokenId id = test::token_id_for(0x0a0b0c0d, 0);
    ASSERT_OK(random.fill(std::span(id).subspan(4)));
    seen.insert(hash(id));
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(AuthorityRevocation, RevokedTokenIsDeniedUntilUnrevoked) {
  test::Harness harness;
  ASSERT_OK_AND_ASSIGN(const test::PaidToken token, harness.buy());
  const Target target = test::target();
  ASSERT_TRUE(harness.revocations().revoke(token.challenge.token_id));
  const Verdict verdict = harness.verify(token.macaroon(), token.preimage, target);
  EXPECT_TRUE(test::IsDenied(verdict, DenialCode::kRevoked));
  EXPECT_EQ(verdict.denial().http_status, 402);
  ASSERT_TRUE(harness.revocations().unrevoke(token.challenge.token_id));
  EXPECT_TRUE(test::IsGranted(harness.verify(token.macaroon(), token.preimage, target)));
}

}  // namespace
}  // namespace l402
