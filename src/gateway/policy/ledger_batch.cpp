// Batching of ledger rows for the store (see ledger_batch.hpp).
#include "gateway/policy/ledger_batch.hpp"

#include <algorithm>
#include <functional>
#include <iterator>
#include <span>
#include <utility>

namespace l402::gateway {
namespace {

// Appends `row` unless `pending` is full, counting it in `dropped` then.
template <typename Row>
void keep_bounded(std::vector<Row>& pending, std::size_t max_pending, Row row,
                  std::uint64_t& dropped) {
  if (pending.size() < max_pending) {
    pending.push_back(std::move(row));
  } else {
    ++dropped;
  }
}

// Takes everything pending of one kind and writes it; on failure puts the batch back in front
// of what arrived meanwhile, so that the next flush retries it in order.
template <typename Row>
Result<void> write_pending(std::mutex& mutex, std::vector<Row>& pending, std::size_t max_pending,
                           std::uint64_t& dropped,
                           const std::function<Result<void>(std::span<const Row>)>& write) {
  std::vector<Row> batch;
  {
    const std::lock_guard lock(mutex);
    batch.swap(pending);
  }
  if (batch.empty()) return ok_result();
  Result<void> written = write(batch);
  if (!written.ok()) {
    const std::lock_guard lock(mutex);
    batch.insert(batch.end(), std::make_move_iterator(pending.begin()),
                 std::make_move_iterator(pending.end()));
    if (batch.size() > max_pending) {
      dropped += batch.size() - max_pending;
      batch.resize(max_pending);
    }
    pending.swap(batch);
  }
  return written;
}

// Adds `request` to its token's row in `rows` (indexed by `index`), or appends a row for it
// while fewer than `max_rows` are there; returns false when it had to be dropped.
bool merge_paid(std::vector<PaidRequest>& rows,
                std::unordered_map<TokenId, std::size_t, TokenIdHash>& index, std::size_t max_rows,
                PaidRequest request) {
  const auto found = index.find(request.token_id);
  if (found != index.end()) {
    PaidRequest& row = rows[found->second];
    if (row.first_at == 0) row.first_at = row.at;
    if (request.first_at == 0) request.first_at = request.at;
    row.first_at = std::min(row.first_at, request.first_at);
    row.at = std::max(row.at, request.at);
    row.count += request.count;
    return true;
  }
  if (rows.size() >= max_rows) return false;
  index.emplace(request.token_id, rows.size());
  rows.push_back(std::move(request));
  return true;
}

}  // namespace

bool LedgerBatch::add_paid_request(PaidRequest request) {
  const std::lock_guard lock(mutex_);
  if (seen_.size() >= kMaxSeenTokens) seen_.clear();
  const bool first = seen_.insert(request.token_id).second;
  const std::uint64_t count = request.count;
  if (!merge_paid(paid_requests_, paid_index_, max_pending_, std::move(request))) {
    dropped_paid_requests_ += count;
  }
  return first;
}

void LedgerBatch::add_challenge(IssuedChallenge challenge) {
  const std::lock_guard lock(mutex_);
  keep_bounded(challenges_, max_pending_, std::move(challenge), dropped_challenges_);
}

Result<void> LedgerBatch::flush(Store& store) {
  const std::lock_guard flush_lock(flush_mutex_);
  // Challenges first: a token's challenge row then precedes its paid row, as when recorded
  // one by one.
  Result<void> challenges = write_pending<IssuedChallenge>(
      mutex_, challenges_, max_pending_, dropped_challenges_,
      [&](std::span<const IssuedChallenge> rows) { return store.record_challenges(rows); });
  Result<void> paid = flush_paid(store);
  return challenges.ok() ? paid : challenges;
}

Result<void> LedgerBatch::flush_paid(Store& store) {
  std::vector<PaidRequest> batch;
  {
    const std::lock_guard lock(mutex_);
    batch.swap(paid_requests_);
    paid_index_.clear();
  }
  if (batch.empty()) return ok_result();
  Result<void> written = store.record_paid_requests(batch);
  if (!written.ok()) {
    // Back in front of what arrived meanwhile, merged per token, for the next flush.
    const std::lock_guard lock(mutex_);
    std::vector<PaidRequest> arrived;
    arrived.swap(paid_requests_);
    paid_index_.clear();
    for (std::vector<PaidRequest>* rows : {&batch, &arrived}) {
      for (PaidRequest& row : *rows) {
        const std::uint64_t count = row.count;
        if (!merge_paid(paid_requests_, paid_index_, max_pending_, std::move(row))) {
          dropped_paid_requests_ += count;
        }
      }
    }
  }
  return written;
}

std::size_t LedgerBatch::pending_paid_requests() const {
  const std::lock_guard lock(mutex_);
  std::size_t requests = 0;
  for (const PaidRequest& row : paid_requests_) requests += row.count;
  return requests;
}

std::size_t LedgerBatch::pending_challenges() const {
  const std::lock_guard lock(mutex_);
  return challenges_.size();
}

std::uint64_t LedgerBatch::dropped_paid_requests() const {
  const std::lock_guard lock(mutex_);
  return dropped_paid_requests_;
}

std::uint64_t LedgerBatch::dropped_challenges() const {
  const std::lock_guard lock(mutex_);
  return dropped_challenges_;
}

}  // namespace l402::gateway
