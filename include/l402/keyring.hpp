// Master keys and revocations: what the Authority reads on every mint and verify.
//
// The Authority derives each token's root key from a master key (authority.hpp,
// docs/tokens.md), so the only state it needs is this keyring and the deny-list of revoked
// token IDs. Both are interfaces that answer from memory; the in-memory implementations here
// serve tests and single-process use, and the store keeps persisted ones current across
// gateways.
//
// Thread safety: KeySet is immutable. InMemoryKeyring and InMemoryRevocationList are safe
// from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "l402/crypto.hpp"
#include "l402/result.hpp"
#include "l402/secret.hpp"
#include "l402/token.hpp"

namespace l402 {

inline constexpr std::size_t kMasterKeySize = 32;
inline constexpr std::size_t kKeyIdSize = 4;
inline constexpr std::string_view kRootKeyLabel = "l402 root key";

using KeyId = std::uint32_t;

enum class KeyState {
  kActive,      // mints new tokens and verifies its own
  kVerifyOnly,  // verifies the tokens it minted; mints nothing
  kRetired,     // its tokens are refused
};

// "active", "verify-only", "retired".
std::string_view key_state_name(KeyState state);

struct MasterKey {
  KeyId id = 0;
  KeyState state = KeyState::kActive;
  SecretBytes key;  // kMasterKeySize bytes
};

// The key ID a token ID carries (its first 4 bytes, big-endian).
KeyId key_id_of(const TokenId& token_id);

// An immutable snapshot of the master keys, with each key's HMAC state precomputed.
class KeySet {
 public:
  // Errors (kInvalidArgument): a key of another size than kMasterKeySize, a repeated key ID,
  // more than one active key.
  static Result<std::shared_ptr<const KeySet>> create(std::vector<MasterKey> keys);

  struct Entry {
    KeyId id;
    KeyState state;
    HmacSha256Key key;
  };

  // The entry for `id`, or nullptr.
  const Entry* find(KeyId id) const;
  // The active key, or nullptr when there is none (nothing can be minted).
  const Entry* active() const;
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  KeySet() = default;
  std::vector<Entry> entries_;
};

// The root key of `token_id` under `master`: HMAC(master, kRootKeyLabel || 0x00 || token_id).
Hash256 derive_root_key(const HmacSha256Key& master, const TokenId& token_id);

// Where the Authority reads master keys. current() is called on every mint and verify: it must
// not block (return a snapshot kept up to date elsewhere).
class Keyring {
 public:
  virtual ~Keyring() = default;
  // Never null; may be empty.
  virtual std::shared_ptr<const KeySet> current() const = 0;
};

// A keyring in memory, for tests, tools and single-process use. Thread-safe.
class InMemoryKeyring final : public Keyring {
 public:
  InMemoryKeyring();

  // Adds a key as given. Errors as KeySet::create, plus kAlreadyExists for a known ID.
  Result<void> add(MasterKey key);
  // Creates a new active key with a fresh random ID and demotes the active key (if any) to
  // verify-only. Returns the new key's ID.
  Result<KeyId> rotate(RandomSource& random);
  // Sets the state of key `id`. Errors: kNotFound; kInvalidArgument when this would make a
  // second key active.
  Result<void> set_state(KeyId id, KeyState state);

  std::shared_ptr<const KeySet> current() const override;

 private:
  Result<void> publish_locked(std::vector<MasterKey> keys);

  mutable std::mutex mutex_;
  std::vector<MasterKey> keys_;
  std::shared_ptr<const KeySet> snapshot_;
};

// Revoked token IDs. is_revoked() is called on every verify after the signature check: it
// must not block.
class RevocationList {
 public:
  virtual ~RevocationList() = default;
  virtual bool is_revoked(const TokenId& token_id) const = 0;
};

struct TokenIdHash {
  std::size_t operator()(const TokenId& id) const;
};

// A deny-list in memory. Thread-safe (readers share a lock).
class InMemoryRevocationList final : public RevocationList {
 public:
  // True when the token was not revoked before.
  bool revoke(const TokenId& token_id);
  // True when the token was revoked before.
  bool unrevoke(const TokenId& token_id);
  // Replaces the whole set (what a store does after reading it).
  void replace(std::unordered_set<TokenId, TokenIdHash> token_ids);
  std::size_t size() const;

  bool is_revoked(const TokenId& token_id) const override;

 private:
  mutable std::shared_mutex mutex_;
  std::unordered_set<TokenId, TokenIdHash> revoked_;
};

}  // namespace l402
