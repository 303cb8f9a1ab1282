// Takes the Lightning node's settlements into the ledger: what the admin API reports as
// `settlements` and `settled_msat`, the invoices actually paid (a token can be paid for and
// never used). It subscribes to the node's settlements from where the ledger took them
// through for that node, queues what arrives, and write() stores it with the new cursor in
// one transaction. l402d calls write() right after the ledger's own flush, so that a
// challenge's row is stored before its settlement (the store keeps only the settlements of
// invoices with a challenge: the node's other invoices are not the gateway's).
//
// The node may be down when l402d starts: subscribe_if_due() tries again at most every
// kRetryInterval until it succeeds. A subscription that loses its node reconnects by itself
// and resumes after the last settlement it delivered (Backend::subscribe_settlements).
//
// Thread safety: subscribe_if_due(), write() and the destructor from one thread (l402d's
// housekeeping); the subscription's handler runs on the backend's thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "l402/lightning.hpp"
#include "l402/result.hpp"
#include "l402/store.hpp"

namespace l402::gateway {

class SettlementRecorder {
 public:
  // Settlements kept while the store cannot take them; past this the subscription is
  // dropped and resumed from the stored cursor once the queue is written.
  static constexpr std::size_t kMaxQueued = 100'000;
  static constexpr std::chrono::seconds kRetryInterval{10};

  SettlementRecorder(Backend& backend, Store& store) : backend_(backend), store_(store) {}
  ~SettlementRecorder();
  SettlementRecorder(const SettlementRecorder&) = delete;
  SettlementRecorder& operator=(const SettlementRecorder&) = delete;

  // Subscribes unless subscribed already or last tried less than kRetryInterval before `now`.
  // Errors: the backend's (get_info, subscribe_settlements) and the store's.
  Result<void> subscribe_if_due(std::chrono::steady_clock::time_point now);
  // Stores the queued settlements and the cursor; on error they stay queued.
  Result<void> write();
  bool subscribed() const { return subscription_ != nullptr; }

 private:
  void on_settled(const InvoiceStatus& settled);

  Backend& backend_;
  Store& store_;
  std::string node_;  // the node's public key in hex, once known
  std::unique_ptr<SettlementSubscription> subscription_;
  std::optional<std::chrono::steady_clock::time_point> last_attempt_;

  std::mutex mutex_;
  // Guarded by mutex_.
  std::vector<Settlement> queued_;
  std::uint64_t through_ = 0;  // the settle index of the last settlement taken
  bool overflowed_ = false;    // settlements after through_ were dropped
};

}  // namespace l402::gateway
