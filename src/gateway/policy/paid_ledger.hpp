// The paid requests of the last moment, kept in memory until flush() writes them to the
// store in one transaction (one durable commit per batch instead of one per request), and
// the set of tokens already counted as paid in this process (for paid_tokens_total).
//
// Thread safety: every method is safe from any thread.
#pragma once

#include <cstddef>
#include <mutex>
#include <unordered_set>
#include <vector>

#include "l402/keyring.hpp"
#include "l402/result.hpp"
#include "l402/store.hpp"

namespace l402::gateway {

class PaidLedger {
 public:
  // Requests kept when the store keeps failing; further ones are not recorded (memory stays
  // bounded while the store is down).
  static constexpr std::size_t kMaxPending = 1'000'000;
  // Tokens remembered as seen; the set is cleared when full (a token seen again after that
  // is counted again by the metric, never by the store).
  static constexpr std::size_t kMaxSeenTokens = 100'000;

  // Counts one request. Returns true the first time this process sees the token.
  bool add(PaidRequest request);

  // Writes every pending request. On failure they stay pending for the next flush.
  Result<void> flush(Store& store);

  std::size_t pending() const;

 private:
  mutable std::mutex mutex_;
  std::vector<PaidRequest> pending_;               // guarded by mutex_
  std::unordered_set<TokenId, TokenIdHash> seen_;  // guarded by mutex_
  std::mutex flush_mutex_;  // one flush at a time, so that batches stay in order
};

}  // namespace l402::gateway
