// Batching of paid requests for the store (see paid_ledger.hpp).
#include "gateway/policy/paid_ledger.hpp"

#include <utility>

namespace l402::gateway {

bool PaidLedger::add(PaidRequest request) {
  const std::lock_guard lock(mutex_);
  if (seen_.size() >= kMaxSeenTokens) seen_.clear();
  const bool first = seen_.insert(request.token_id).second;
  if (pending_.size() < kMaxPending) pending_.push_back(std::move(request));
  return first;
}

Result<void> PaidLedger::flush(Store& store) {
  const std::lock_guard flush_lock(flush_mutex_);
  std::vector<PaidRequest> batch;
  {
    const std::lock_guard lock(mutex_);
    batch.swap(pending_);
  }
  if (batch.empty()) return ok_result();
  Result<void> written = store.record_paid_requests(batch);
  if (!written.ok()) {
    // Put the batch back in front of what arrived meanwhile.
    const std::lock_guard lock(mutex_);
    batch.insert(batch.end(), std::make_move_iterator(pending_.begin()),
                 std::make_move_iterator(pending_.end()));
    if (batch.size() > kMaxPending) batch.resize(kMaxPending);
    pending_.swap(batch);
  }
  return written;
}

std::size_t PaidLedger::pending() const {
  const std::lock_guard lock(mutex_);
  return pending_.size();
}

}  // namespace l402::gateway
