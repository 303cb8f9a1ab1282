// A settlement subscription over LND's SubscribeInvoices stream (GET /v1/invoices/subscribe),
// run by a thread of its own. Private to src/lightning/.
//
// Resuming: LND replays the settlements after settle_index only when settle_index > 0, so
// while nothing has been delivered yet (index 0) each connection first opens the stream and
// then lists every invoice (ListInvoices, paged) to deliver those already settled, in
// settle_index order; the stream's own events at or below the last delivered index are
// dropped. A settlement that arrives with a gap below it while still at index 0 (one settled
// between the listing and the stream taking effect) makes it list once more. Once something
// was delivered, reconnections pass settle_index = last delivered and LND replays the rest.
//
// Thread safety: connected() from any thread; the destructor from any thread but the
// subscription's own (that is, not from the handler).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "l402/lightning.hpp"
#include "lnd/http_transport.hpp"
#include "lnd/lnd_json.hpp"

namespace l402::lnd {

struct SubscriptionOptions {
  // Bounds each listing call and the wait for the stream's connection.
  std::chrono::milliseconds call_timeout{10'000};
  // First wait before reconnecting; doubles to kMaxReconnectDelay.
  std::chrono::milliseconds reconnect_delay{250};
};

inline constexpr std::chrono::milliseconds kMaxReconnectDelay{30'000};

class LndSubscription final : public SettlementSubscription {
 public:
  // Starts the thread and waits for its first connection. Errors: kUnavailable when it
  // fails, kUnauthenticated and the like when LND refuses it.
  static Result<std::unique_ptr<SettlementSubscription>> start(
      std::shared_ptr<HttpTransport> transport, SubscriptionOptions options,
      std::uint64_t after_settle_index, SettlementHandler handler);

  ~LndSubscription() override;
  LndSubscription(const LndSubscription&) = delete;
  LndSubscription& operator=(const LndSubscription&) = delete;

  bool connected() const override { return connected_.load(); }

 private:
  // How one connection ended.
  struct ConnectionEnd {
    bool opened = false;     // LND took the subscription
    bool delivered = false;  // and sent at least one message
    Error error;
  };

  LndSubscription(std::shared_ptr<HttpTransport> transport, SubscriptionOptions options,
                  std::uint64_t after_settle_index, SettlementHandler handler);

  void run();
  ConnectionEnd run_connection();
  // Opens the stream and waits for LND to take it (or refuse it).
  Result<std::unique_ptr<HttpStream>> open_stream();
  // Delivers the settled invoices ListInvoices shows above the last delivered index.
  Result<void> catch_up_by_listing();
  void on_invoice(const LndInvoice& invoice);
  void deliver(const InvoiceStatus& settled);
  // Sleeps unless stopping; false when stopping.
  bool wait_before_reconnecting(std::chrono::milliseconds delay);
  void report_first_connection(std::optional<Error> error);

  // Constant after construction.
  const std::shared_ptr<HttpTransport> transport_;
  const SubscriptionOptions options_;
  const SettlementHandler handler_;

  std::atomic<bool> stopping_{false};
  std::atomic<bool> connected_{false};

  std::mutex mutex_;
  std::condition_variable changed_;
  HttpStream* stream_ = nullptr;      // the open stream, for the destructor to cancel
  bool first_reported_ = false;       // guarded by mutex_
  std::optional<Error> first_error_;  // guarded by mutex_

  // The subscription thread's own.
  std::uint64_t last_settle_index_;
  bool first_connection_ = true;

  std::thread thread_;  // last: started once everything above exists
};

}  // namespace l402::lnd
