#include "lnd/lnd_subscription.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "lnd/lnd_errors.hpp"
#include "lnd/lnd_rpc.hpp"

namespace l402::lnd {
namespace {

// After the request goes out, how long to wait for an early refusal (a bad macaroon) before
// taking silence as acceptance: LND sends a stream's headers only with its first event.
constexpr std::chrono::milliseconds kRefusalWait{500};
// Invoices per ListInvoices page while catching up.
constexpr std::uint64_t kListPageSize = 1000;
// A connection that lasted this long was healthy: the next failure starts the backoff anew.
constexpr std::chrono::seconds kHealthyConnection{30};
// Waits for stream lines are cut into slices this long (there is no idle limit: an idle
// subscription is normal, and TCP keep-alive finds dead peers).
constexpr std::chrono::hours kLineWaitSlice{1};

}  // namespace

Result<std::unique_ptr<SettlementSubscription>> LndSubscription::start(
    std::shared_ptr<HttpTransport> transport, SubscriptionOptions options,
    std::uint64_t after_settle_index, SettlementHandler handler) {
  std::unique_ptr<LndSubscription> subscription(
      new LndSubscription(std::move(transport), options, after_settle_index, std::move(handler)));
  LndSubscription* self = subscription.get();
  self->thread_ = std::thread([self] { self->run(); });
  std::unique_lock<std::mutex> lock(self->mutex_);
  self->changed_.wait(lock, [self] { return self->first_reported_; });
  if (self->first_error_) {
    Error error = *self->first_error_;
    lock.unlock();
    if (error.code() == ErrorCode::kDeadlineExceeded) {
      return Error(ErrorCode::kUnavailable, error.message());
    }
    return error;
  }
  return std::unique_ptr<SettlementSubscription>(std::move(subscription));
}

LndSubscription::LndSubscription(std::shared_ptr<HttpTransport> transport,
                                 SubscriptionOptions options, std::uint64_t after_settle_index,
                                 SettlementHandler handler)
    : transport_(std::move(transport)),
      options_(options),
      handler_(std::move(handler)),
      last_settle_index_(after_settle_index) {}

LndSubscription::~LndSubscription() {
  stopping_.store(true);
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (stream_ != nullptr) stream_->cancel();
    changed_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void LndSubscription::report_first_connection(std::optional<Error> error) {
  const std::lock_guard<std::mutex> lock(mutex_);
  first_reported_ = true;
  first_error_ = std::move(error);
  changed_.notify_all();
}

bool LndSubscription::wait_before_reconnecting(std::chrono::milliseconds delay) {
  std::unique_lock<std::mutex> lock(mutex_);
  return !changed_.wait_for(lock, delay, [this] { return stopping_.load(); });
}

void LndSubscription::run() {
  std::chrono::milliseconds delay = options_.reconnect_delay;
  while (!stopping_.load()) {
    const Clock::time_point started = Clock::now();
    const ConnectionEnd end = run_connection();
    connected_.store(false);
    if (first_connection_) {
      // The first attempt failed before LND took the subscription: start() reports it.
      first_connection_ = false;
      report_first_connection(end.error);
      return;
    }
    if (stopping_.load()) return;
    if (end.delivered || Clock::now() - started >= kHealthyConnection) {
      delay = options_.reconnect_delay;
    }
    if (!wait_before_reconnecting(delay)) return;
    delay = std::min(delay * 2,
                     std::chrono::duration_cast<std::chrono::milliseconds>(kMaxReconnectDelay));
  }
}

Result<std::unique_ptr<HttpStream>> LndSubscription::open_stream() {
  const std::string path =
      "/v1/invoices/subscribe?settle_index=" + std::to_string(last_settle_index_);
  L402_ASSIGN_OR_RETURN(std::unique_ptr<HttpStream> stream,
                        transport_->open_stream("GET", path, ""));
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stream_ = stream.get();
    if (stopping_.load()) stream->cancel();
  }
  L402_RETURN_IF_ERROR(stream->wait_until_sent(Clock::now() + options_.call_timeout));
  const auto refusal_wait = std::min(options_.call_timeout, kRefusalWait);
  L402_ASSIGN_OR_RETURN(const long status, stream->wait_for_status(Clock::now() + refusal_wait,
                                                                   /*accept_no_answer=*/true));
  if (status != 0 && status != 200) {
    L402_ASSIGN_OR_RETURN(const std::string body,
                          stream->read_error_body(Clock::now() + options_.call_timeout));
    return error_from_http(status, body);
  }
  return stream;
}

LndSubscription::ConnectionEnd LndSubscription::run_connection() {
  ConnectionEnd end{false, false, Error(ErrorCode::kUnavailable, "lnd: subscription stopped")};
  auto opened = open_stream();
  // Whatever happens below, the destructor must not cancel a stream that is gone.
  struct Forget {
    LndSubscription* self;
    ~Forget() {
      const std::lock_guard<std::mutex> lock(self->mutex_);
      self->stream_ = nullptr;
    }
  } forget{this};
  if (!opened.ok()) {
    end.error = std::move(opened).error();
    return end;
  }
  HttpStream& stream = **opened;
  if (last_settle_index_ == 0) {
    // LND replays nothing for settle_index = 0: list what settled before the stream began.
    if (auto listed = catch_up_by_listing(); !listed.ok()) {
      end.error = std::move(listed).error();
      return end;
    }
  }
  end.opened = true;
  connected_.store(true);
  if (first_connection_) {
    first_connection_ = false;
    report_first_connection(std::nullopt);
  }
  while (!stopping_.load()) {
    auto line = stream.next_line(Clock::now() + kLineWaitSlice);
    if (!line.ok()) {
      if (line.error().code() == ErrorCode::kDeadlineExceeded) continue;
      end.error = std::move(line).error();
      return end;
    }
    if (!line->has_value()) {
      // The headers may have come late, with a refusal instead of events.
      if (stream.status() != 0 && stream.status() != 200) {
        auto body = stream.read_error_body(Clock::now() + options_.call_timeout);
        end.error = body.ok() ? error_from_http(stream.status(), *body) : std::move(body).error();
        return end;
      }
      end.error = Error(ErrorCode::kUnavailable, "lnd: the invoice stream ended");
      return end;
    }
    auto item = parse_invoice_stream_line(**line);
    if (!item.ok()) {
      end.error = std::move(item).error();
      return end;
    }
    if (const auto* error = std::get_if<LndError>(&*item)) {
      end.error = error_from_lnd(*error);
      return end;
    }
    end.delivered = true;
    on_invoice(std::get<LndInvoice>(*item));
  }
  return end;
}

void LndSubscription::on_invoice(const LndInvoice& invoice) {
  const InvoiceStatus& status = invoice.status;
  // Add events (OPEN) and anything not settled are not ours to report.
  if (status.state != InvoiceState::kSettled || status.settle_index == 0) return;
  if (status.settle_index <= last_settle_index_) return;  // replayed or listed already
  if (last_settle_index_ == 0 && status.settle_index > 1) {
    // Something settled between the listing and the stream taking effect: list again, so
    // that it comes first. A failed listing is not fatal: deliver what we have.
    (void)catch_up_by_listing();
    if (status.settle_index <= last_settle_index_) return;
  }
  deliver(status);
}

void LndSubscription::deliver(const InvoiceStatus& settled) {
  if (stopping_.load()) return;
  handler_(settled);
  last_settle_index_ = settled.settle_index;
}

Result<void> LndSubscription::catch_up_by_listing() {
  std::vector<InvoiceStatus> settled;
  std::uint64_t offset = 0;
  while (!stopping_.load()) {
    L402_ASSIGN_OR_RETURN(std::optional<InvoicePage> page,
                          list_invoices(*transport_, offset, kListPageSize, options_.call_timeout));
    // A server without ListInvoices (devnet) cannot show the past; the stream still works.
    if (!page) break;
    for (LndInvoice& invoice : page->invoices) {
      if (invoice.status.state == InvoiceState::kSettled &&
          invoice.status.settle_index > last_settle_index_) {
        settled.push_back(std::move(invoice.status));
      }
    }
    // The offset only grows, so this ends.
    if (page->invoices.empty() || page->last_index_offset <= offset) break;
    offset = page->last_index_offset;
  }
  std::sort(settled.begin(), settled.end(), [](const InvoiceStatus& a, const InvoiceStatus& b) {
    return a.settle_index < b.settle_index;
  });
  for (const InvoiceStatus& status : settled) {
    if (status.settle_index > last_settle_index_) deliver(status);
  }
  return ok_result();
}

}  // namespace l402::lnd
