// Master keys: immutable KeySet snapshots with precomputed HMAC states, and a keyring in
// memory that publishes a new snapshot on every change (readers never wait for writers
// longer than a shared_ptr copy).
#include "l402/keyring.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>

#include "authority/internal.hpp"

namespace l402 {
namespace {

namespace ai = authority_internal;

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

std::vector<MasterKey> clone_keys(const std::vector<MasterKey>& keys) {
  std::vector<MasterKey> copies;
  copies.reserve(keys.size());
  for (const MasterKey& key : keys) copies.push_back(MasterKey{key.id, key.state, key.key.clone()});
  return copies;
}

// Draws attempts at an unused, nonzero key ID; a healthy source collides with the few IDs in
// use with negligible probability, so running out of attempts means the source is broken.
constexpr int kKeyIdAttempts = 64;

}  // namespace

namespace authority_internal {

std::string key_id_hex(KeyId id) {
  std::array<char, 9> text{};
  std::snprintf(text.data(), text.size(), "%08x", static_cast<unsigned>(id));
  return std::string(text.data());
}

}  // namespace authority_internal

std::string_view key_state_name(KeyState state) {
  switch (state) {
    case KeyState::kActive:
      return "active";
    case KeyState::kVerifyOnly:
      return "verify-only";
    case KeyState::kRetired:
      return "retired";
  }
  return "unknown";
}

KeyId key_id_of(const TokenId& token_id) {
  return (KeyId{token_id[0]} << 24) | (KeyId{token_id[1]} << 16) | (KeyId{token_id[2]} << 8) |
         KeyId{token_id[3]};
}

Result<std::shared_ptr<const KeySet>> KeySet::create(std::vector<MasterKey> keys) {
  // The constructor is private, so make_shared cannot reach it.
  std::shared_ptr<KeySet> set(new KeySet());
  set->entries_.reserve(keys.size());
  bool has_active = false;
  for (const MasterKey& key : keys) {
    const std::string id = ai::key_id_hex(key.id);
    if (key.key.size() != kMasterKeySize) {
      return invalid("master key " + id + " has " + std::to_string(key.key.size()) +
                     " bytes; a master key has " + std::to_string(kMasterKeySize));
    }
    if (set->find(key.id) != nullptr) return invalid("master key ID " + id + " appears twice");
    if (key.state == KeyState::kActive) {
      if (has_active) return invalid("more than one active master key (" + id + " is the second)");
      has_active = true;
    }
    set->entries_.push_back(Entry{key.id, key.state, HmacSha256Key(key.key.view())});
  }
  return std::shared_ptr<const KeySet>(std::move(set));
}

const KeySet::Entry* KeySet::find(KeyId id) const {
  for (const Entry& entry : entries_) {
    if (entry.id == id) return &entry;
  }
  return nullptr;
}

const KeySet::Entry* KeySet::active() const {
  for (const Entry& entry : entries_) {
    if (entry.state == KeyState::kActive) return &entry;
  }
  return nullptr;
}

Hash256 derive_root_key(const HmacSha256Key& master, const TokenId& token_id) {
  // kRootKeyLabel || 0x00 || token ID: 46 bytes, one compression after the precomputed pad.
  std::array<char, kRootKeyLabel.size() + 1 + kTokenIdSize> message{};
  std::copy(kRootKeyLabel.begin(), kRootKeyLabel.end(), message.begin());
  message[kRootKeyLabel.size()] = '\0';
  std::copy(token_id.begin(), token_id.end(), message.begin() + kRootKeyLabel.size() + 1);
  return master.mac({message.data(), message.size()});
}

// ---- InMemoryKeyring ------------------------------------------------------------------------

InMemoryKeyring::InMemoryKeyring() : snapshot_(KeySet::create({}).value()) {}

Result<void> InMemoryKeyring::add(MasterKey key) {
  std::lock_guard lock(mutex_);
  for (const MasterKey& existing : keys_) {
    if (existing.id == key.id) {
      return Error(ErrorCode::kAlreadyExists,
                   "master key ID " + ai::key_id_hex(key.id) + " exists already");
    }
  }
  std::vector<MasterKey> next = clone_keys(keys_);
  next.push_back(std::move(key));
  return publish_locked(std::move(next));
}

Result<KeyId> InMemoryKeyring::rotate(RandomSource& random) {
  std::lock_guard lock(mutex_);
  std::array<std::uint8_t, kMasterKeySize> bytes{};
  const Result<void> filled = random.fill(bytes);
  if (!filled.ok()) return filled.error().with_context("rotating the master key");
  MasterKey fresh{0, KeyState::kActive,
                  SecretBytes({reinterpret_cast<const char*>(bytes.data()), bytes.size()})};
  secure_wipe(bytes.data(), bytes.size());

  const auto in_use = [this](KeyId id) {
    return std::any_of(keys_.begin(), keys_.end(), [id](const MasterKey& k) { return k.id == id; });
  };
  for (int attempt = 0; attempt < kKeyIdAttempts && fresh.id == 0; ++attempt) {
    std::array<std::uint8_t, kKeyIdSize> id_bytes{};
    L402_RETURN_IF_ERROR(random.fill(id_bytes));
    const KeyId id = (KeyId{id_bytes[0]} << 24) | (KeyId{id_bytes[1]} << 16) |
                     (KeyId{id_bytes[2]} << 8) | KeyId{id_bytes[3]};
    if (id != 0 && !in_use(id)) fresh.id = id;
  }
  if (fresh.id == 0) {
    return Error(ErrorCode::kInternal,
                 "rotating the master key: the random source gave no unused key ID in " +
                     std::to_string(kKeyIdAttempts) + " attempts");
  }

  std::vector<MasterKey> next = clone_keys(keys_);
  for (MasterKey& key : next) {
    if (key.state == KeyState::kActive) key.state = KeyState::kVerifyOnly;
  }
  const KeyId id = fresh.id;
  next.push_back(std::move(fresh));
  L402_RETURN_IF_ERROR(publish_locked(std::move(next)));
  return id;
}

Result<void> InMemoryKeyring::set_state(KeyId id, KeyState state) {
  std::lock_guard lock(mutex_);
  const auto found =
      std::find_if(keys_.begin(), keys_.end(), [id](const MasterKey& k) { return k.id == id; });
  if (found == keys_.end()) {
    return Error(ErrorCode::kNotFound, "no master key with ID " + ai::key_id_hex(id));
  }
  if (state == KeyState::kActive) {
    for (const MasterKey& key : keys_) {
      if (key.id != id && key.state == KeyState::kActive) {
        return invalid("master key " + ai::key_id_hex(key.id) +
                       " is active; demote it before activating " + ai::key_id_hex(id));
      }
    }
  }
  std::vector<MasterKey> next = clone_keys(keys_);
  next[static_cast<std::size_t>(found - keys_.begin())].state = state;
  return publish_locked(std::move(next));
}

std::shared_ptr<const KeySet> InMemoryKeyring::current() const {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

Result<void> InMemoryKeyring::publish_locked(std::vector<MasterKey> keys) {
  L402_ASSIGN_OR_RETURN(std::shared_ptr<const KeySet> snapshot, KeySet::create(clone_keys(keys)));
  keys_ = std::move(keys);
  snapshot_ = std::move(snapshot);
  return ok_result();
}

}  // namespace l402
