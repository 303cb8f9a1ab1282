// The in-memory deny-list of revoked token IDs.
#include <cstring>
#include <mutex>

#include "l402/keyring.hpp"

namespace l402 {

std::size_t TokenIdHash::operator()(const TokenId& id) const {
  // Token IDs minted here are a key ID followed by 28 random bytes, and only genuine tokens
  // (their signature verified) are ever looked up or revoked, so random bytes make a good
  // hash without further mixing. Bytes 4-11 and 24-31 are folded so that foreign token IDs
  // (all 32 bytes random, as Aperture mints) hash as well.
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::memcpy(&a, id.data() + 4, sizeof(a));
  std::memcpy(&b, id.data() + 24, sizeof(b));
  return static_cast<std::size_t>(a ^ (b * 0x9e3779b97f4a7c15ULL));
}

bool InMemoryRevocationList::revoke(const TokenId& token_id) {
  std::unique_lock lock(mutex_);
  return revoked_.insert(token_id).second;
}

bool InMemoryRevocationList::unrevoke(const TokenId& token_id) {
  std::unique_lock lock(mutex_);
  return revoked_.erase(token_id) > 0;
}

void InMemoryRevocationList::replace(std::unordered_set<TokenId, TokenIdHash> token_ids) {
  std::unique_lock lock(mutex_);
  revoked_.swap(token_ids);
  // The old set is destroyed after the lock is released, below.
  lock.unlock();
}

std::size_t InMemoryRevocationList::size() const {
  std::shared_lock lock(mutex_);
  return revoked_.size();
}

bool InMemoryRevocationList::is_revoked(const TokenId& token_id) const {
  std::shared_lock lock(mutex_);
  return revoked_.find(token_id) != revoked_.end();
}

}  // namespace l402
