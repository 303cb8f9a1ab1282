// Delivers the node's invoice events (added, settled) to its listeners in the order the
// changes were committed, on the threads that made them.
//
// Protocol: a writer, still holding the node's store lock right after its commit, calls
// reserve_ticket(); after releasing the lock it calls deliver() with that ticket. deliver()
// waits until every earlier ticket has been delivered, so listeners see events in commit
// (= index) order although writers release the store lock in any order, and no writer waits
// for a listener while holding the store lock.
//
// Listeners run under this notifier's mutex (never under the store lock). So a listener may
// call the node's const methods (lookups, listings, balance, info, authenticate), which only
// take the store lock; it must not call add_invoice, pay, subscribe or unsubscribe: those
// wait for this delivery to end and would deadlock.
//
// Thread safety: every method may be called from any thread; reserve_ticket() only under
// the node's store lock (which is what orders the tickets).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>

#include "l402/devnet.hpp"

namespace l402::devnet {

class InvoiceNotifier {
 public:
  using Listener = DevnetNode::InvoiceListener;

  std::uint64_t subscribe(Listener listener);
  // Waits for a delivery in progress; once it returns the listener will not run again.
  void unsubscribe(std::uint64_t id);

  // 0 when nobody listens (then there is nothing to deliver). Requires: the store lock.
  std::uint64_t reserve_ticket();
  // Delivers `invoice` to every listener in the ticket's turn. Does nothing for ticket 0.
  void deliver(std::uint64_t ticket, const DevnetInvoice& invoice);

 private:
  // Read under the store lock by reserve_ticket(); changed under mutex_.
  std::atomic<std::size_t> listener_count_{0};
  // Guarded by the node's store lock.
  std::uint64_t next_ticket_ = 1;

  std::mutex mutex_;
  std::condition_variable turn_changed_;
  // Guarded by mutex_.
  std::uint64_t now_serving_ = 1;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, Listener> listeners_;
};

}  // namespace l402::devnet
