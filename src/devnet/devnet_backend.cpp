// The in-process Backend over a DevnetNode: one account's invoices and payments.
//
// The backend sees the node as that account's own node would: lookups and settlement
// subscriptions cover the invoices created for the account (another account's invoice is
// unknown to it, as another node's would be); payments are made from the account.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include "l402/devnet.hpp"

namespace l402 {

namespace {

constexpr std::size_t kReplayBatch = 256;
// How long a subscription waits before retrying a failed read of the node's database.
constexpr auto kRetryDelay = std::chrono::milliseconds(250);

// Delivers settlements of one account on a thread of its own: first those already settled
// (read from the node), then live ones (queued by a node listener, which never waits for the
// handler). It subscribes before it replays, so nothing settled in between is missed, and it
// skips what it has delivered already (a settlement can be both replayed and queued).
class DevnetSubscription final : public SettlementSubscription {
 public:
  DevnetSubscription(DevnetNode& node, std::string account, std::uint64_t after_settle_index,
                     SettlementHandler handler)
      : node_(node),
        account_(std::move(account)),
        handler_(std::move(handler)),
        last_seen_(after_settle_index) {
    listener_id_ = node_.subscribe([this](const DevnetInvoice& invoice) { enqueue(invoice); });
    thread_ = std::thread([this] { run(); });
  }

  ~DevnetSubscription() override {
    node_.unsubscribe(listener_id_);  // no enqueue() runs after this
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  DevnetSubscription(const DevnetSubscription&) = delete;
  DevnetSubscription& operator=(const DevnetSubscription&) = delete;

  bool connected() const override { return true; }

 private:
  void enqueue(const DevnetInvoice& invoice) {
    if (invoice.status.state != InvoiceState::kSettled) return;
    {
      std::lock_guard lock(mutex_);
      live_.push_back(invoice);
    }
    wake_.notify_one();
  }

  bool stopping() {
    std::lock_guard lock(mutex_);
    return stopping_;
  }

  // Hands `invoice` to the handler unless it was seen already. Runs on the thread only.
  void offer(const DevnetInvoice& invoice) {
    if (invoice.status.settle_index <= last_seen_) return;
    last_seen_ = invoice.status.settle_index;
    if (invoice.account == account_) handler_(invoice.status);
  }

  void replay() {
    while (!stopping()) {
      Result<std::vector<DevnetInvoice>> batch =
          node_.invoices_settled_after(last_seen_, kReplayBatch);
      if (!batch.ok()) {
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, kRetryDelay, [&] { return stopping_; });
        continue;
      }
      for (const DevnetInvoice& invoice : *batch) {
        if (stopping()) return;
        offer(invoice);
      }
      if (batch->size() < kReplayBatch) return;
    }
  }

  void run() {
    replay();
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait(lock, [&] { return stopping_ || !live_.empty(); });
      if (stopping_) return;
      DevnetInvoice invoice = std::move(live_.front());
      live_.pop_front();
      lock.unlock();
      offer(invoice);
      lock.lock();
    }
  }

  DevnetNode& node_;
  const std::string account_;
  const SettlementHandler handler_;
  std::uint64_t listener_id_ = 0;

  std::mutex mutex_;
  std::condition_variable wake_;
  // Guarded by mutex_.
  std::deque<DevnetInvoice> live_;
  bool stopping_ = false;

  // Used by the subscription's thread only.
  std::uint64_t last_seen_;
  std::thread thread_;
};

PayFailure failure_for(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kInvalidArgument:
      return PayFailure::kInvalidInvoice;
    case ErrorCode::kUnavailable:
      return PayFailure::kUnavailable;
    case ErrorCode::kDeadlineExceeded:
      return PayFailure::kTimeout;
    case ErrorCode::kLimitExceeded:
    case ErrorCode::kNotFound:
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kFailedPrecondition:
    case ErrorCode::kInternal:
      return PayFailure::kRejected;
  }
  return PayFailure::kRejected;
}

Payment payment_of(const DevnetPayment& payment) {
  return Payment{payment.payment_hash, payment.preimage, payment.amount, payment.fee};
}

class DevnetBackend final : public Backend {
 public:
  DevnetBackend(DevnetNode& node, std::string account)
      : node_(node), account_(std::move(account)) {}

  Result<NodeInfo> get_info() override { return node_.info(); }

  Result<IssuedInvoice> create_invoice(const InvoiceRequest& request) override {
    DevnetInvoiceRequest devnet_request;
    devnet_request.account = account_;
    // An explicit amount: a zero is refused, as the Backend contract says.
    devnet_request.amount = request.amount;
    devnet_request.memo = request.memo;
    devnet_request.expiry_seconds = request.expiry_seconds;
    L402_ASSIGN_OR_RETURN(DevnetInvoice invoice, node_.add_invoice(devnet_request));
    return IssuedInvoice{std::move(invoice.status.bolt11), invoice.status.payment_hash};
  }

  Result<InvoiceStatus> lookup_invoice(const Hash256& payment_hash) override {
    L402_ASSIGN_OR_RETURN(DevnetInvoice invoice, node_.lookup_invoice(payment_hash));
    if (invoice.account != account_) {
      return Error(ErrorCode::kNotFound, "unable to locate invoice");
    }
    return std::move(invoice.status);
  }

  Result<std::unique_ptr<SettlementSubscription>> subscribe_settlements(
      std::uint64_t after_settle_index, SettlementHandler handler) override {
    // Fails now, rather than in the subscription's thread, when the node cannot be read.
    L402_RETURN_IF_ERROR(node_.invoices_settled_after(after_settle_index, 1));
    return std::unique_ptr<SettlementSubscription>(std::make_unique<DevnetSubscription>(
        node_, account_, after_settle_index, std::move(handler)));
  }

  PayOutcome pay(const PayRequest& request) override {
    Result<DevnetPayment> paid = node_.pay(account_, request);
    if (!paid.ok()) return PayOutcome::failure(failure_for(paid.error()), paid.error().message());
    if (paid->status == DevnetPaymentStatus::kFailed) {
      return PayOutcome::failure(paid->failure.value_or(PayFailure::kRejected),
                                 paid->failure_message);
    }
    if (sha256(as_view(paid->preimage)) != paid->payment_hash) {
      return PayOutcome::failure(PayFailure::kRejected,
                                 "the node returned a preimage that does not match the hash");
    }
    return PayOutcome::success(payment_of(*paid));
  }

  Result<PaymentStatus> lookup_payment(const Hash256& payment_hash) override {
    Result<DevnetPayment> found = node_.lookup_payment(account_, payment_hash);
    if (!found.ok()) {
      if (found.error().code() == ErrorCode::kNotFound) return PaymentStatus{};
      return std::move(found).error();
    }
    PaymentStatus status;
    if (found->status == DevnetPaymentStatus::kSucceeded) {
      status.state = PaymentState::kSucceeded;
      status.payment = payment_of(*found);
    } else {
      status.state = PaymentState::kFailed;
      status.failure = found->failure.value_or(PayFailure::kRejected);
    }
    return status;
  }

 private:
  DevnetNode& node_;
  const std::string account_;
};

}  // namespace

std::unique_ptr<Backend> open_devnet_backend(DevnetNode& node, std::string account) {
  return std::make_unique<DevnetBackend>(node, std::move(account));
}

}  // namespace l402
