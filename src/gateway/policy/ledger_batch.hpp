// The ledger rows of the last moment (challenges issued, paid requests), kept in memory until
// flush() writes them to the store (one durable commit per batch instead of one per request),
// and the set of tokens already counted as paid in this process (for paid_tokens_total).
// Paid requests are added up per token: a batch holds one row per token whatever the number
// of its requests, so a busy token costs the store one upsert a second, not one per request.
//
// Challenges can wait: an unpaid challenge needs no stored row to be verified later (the
// macaroon carries everything), so its row is only a statistic for the admin API.
//
// Thread safety: every method is safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "l402/keyring.hpp"
#include "l402/result.hpp"
#include "l402/store.hpp"

namespace l402::gateway {

class LedgerBatch {
 public:
  // Rows of each kind (challenges; tokens with paid requests) kept by default when the store
  // keeps failing; further ones are dropped and counted (memory stays bounded while the store
  // is down).
  static constexpr std::size_t kMaxPending = 1'000'000;
  // Tokens remembered as seen; the set is cleared when full (a token seen again after that
  // is counted again by the metric, never by the store).
  static constexpr std::size_t kMaxSeenTokens = 100'000;

  explicit LedgerBatch(std::size_t max_pending = kMaxPending) : max_pending_(max_pending) {}

  // Counts one paid request. Returns true the first time this process sees the token.
  bool add_paid_request(PaidRequest request);
  void add_challenge(IssuedChallenge challenge);

  // Writes every pending challenge, then every pending paid request, each kind in one
  // transaction. A kind whose write fails stays pending for the next flush (the other is
  // still written); the first failure is returned.
  Result<void> flush(Store& store);

  // Requests not yet written (summed over the pending tokens).
  std::size_t pending_paid_requests() const;
  std::size_t pending_challenges() const;
  // Requests and challenges dropped (never to be written) because `max_pending` rows of their
  // kind were waiting.
  std::uint64_t dropped_paid_requests() const;
  std::uint64_t dropped_challenges() const;

 private:
  Result<void> flush_paid(Store& store);

  const std::size_t max_pending_;
  mutable std::mutex mutex_;
  std::vector<PaidRequest> paid_requests_;  // guarded by mutex_; one per token
  // Where each token's row is in paid_requests_.
  std::unordered_map<TokenId, std::size_t, TokenIdHash> paid_index_;  // guarded by mutex_
  std::vector<IssuedChallenge> challenges_;                           // guarded by mutex_
  std::uint64_t dropped_paid_requests_ = 0;                           // guarded by mutex_
  std::uint64_t dropped_challenges_ = 0;                              // guarded by mutex_
  std::unordered_set<TokenId, TokenIdHash> seen_;                     // guarded by mutex_
  std::mutex flush_mutex_;  // one flush at a time, so that batches stay in order
};

}  // namespace l402::gateway
