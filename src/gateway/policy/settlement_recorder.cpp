#include "gateway/policy/settlement_recorder.hpp"

#include <utility>

#include "l402/encoding.hpp"

namespace l402::gateway {

SettlementRecorder::~SettlementRecorder() {
  // Stopped before the members it calls back into go.
  subscription_.reset();
}

Result<void> SettlementRecorder::subscribe_if_due(std::chrono::steady_clock::time_point now) {
  if (subscription_ != nullptr) return ok_result();
  if (last_attempt_.has_value() && now - *last_attempt_ < kRetryInterval) return ok_result();
  last_attempt_ = now;
  if (node_.empty()) {
    L402_ASSIGN_OR_RETURN(const NodeInfo info, backend_.get_info());
    node_ = hex::encode(info.node_id);
  }
  L402_ASSIGN_OR_RETURN(const std::uint64_t through, store_.settlements_through(node_));
  {
    const std::lock_guard lock(mutex_);
    through_ = through;
    overflowed_ = false;
  }
  L402_ASSIGN_OR_RETURN(
      subscription_, backend_.subscribe_settlements(
                         through, [this](const InvoiceStatus& settled) { on_settled(settled); }));
  return ok_result();
}

void SettlementRecorder::on_settled(const InvoiceStatus& settled) {
  const std::lock_guard lock(mutex_);
  if (overflowed_ || settled.settle_index <= through_) return;
  if (queued_.size() >= kMaxQueued) {
    overflowed_ = true;
    return;
  }
  queued_.push_back(Settlement{settled.payment_hash, settled.amount_paid,
                               static_cast<std::int64_t>(settled.settled_at)});
  through_ = settled.settle_index;
}

Result<void> SettlementRecorder::write() {
  std::vector<Settlement> batch;
  std::uint64_t through = 0;
  bool overflowed = false;
  {
    const std::lock_guard lock(mutex_);
    if (node_.empty() || (queued_.empty() && !overflowed_)) return ok_result();
    batch.swap(queued_);
    through = through_;
    overflowed = overflowed_;
  }
  Result<void> written = store_.record_settlements(node_, batch, through);
  if (!written.ok()) {
    const std::lock_guard lock(mutex_);
    // Older ones first, as they arrived.
    batch.insert(batch.end(), queued_.begin(), queued_.end());
    queued_.swap(batch);
    return written;
  }
  if (overflowed) {
    // What was dropped comes again from the stored cursor (never with the lock held: the
    // subscription's destructor waits for its handler).
    subscription_.reset();
    last_attempt_.reset();
  }
  return ok_result();
}

}  // namespace l402::gateway
