#include "invoice_notifier.hpp"

#include <utility>

namespace l402::devnet {

std::uint64_t InvoiceNotifier::subscribe(Listener listener) {
  std::lock_guard lock(mutex_);
  const std::uint64_t id = next_id_++;
  listeners_.emplace(id, std::move(listener));
  listener_count_.store(listeners_.size());
  return id;
}

void InvoiceNotifier::unsubscribe(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  listeners_.erase(id);
  listener_count_.store(listeners_.size());
}

std::uint64_t InvoiceNotifier::reserve_ticket() {
  // A listener that subscribes after this load missed no committed event: the commit came
  // before it, so a replay from the database (after subscribing) finds it.
  if (listener_count_.load() == 0) return 0;
  return next_ticket_++;
}

void InvoiceNotifier::deliver(std::uint64_t ticket, const DevnetInvoice& invoice) {
  if (ticket == 0) return;
  std::unique_lock lock(mutex_);
  turn_changed_.wait(lock, [&] { return now_serving_ == ticket; });
  for (auto& [id, listener] : listeners_) listener(invoice);
  ++now_serving_;
  lock.unlock();
  turn_changed_.notify_all();
}

}  // namespace l402::devnet
