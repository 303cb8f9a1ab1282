// The Core Lightning Backend: lightningd's JSON-RPC over its unix socket.
//
// Unary calls share JsonRpcClient's pool of idle connections; each settlement subscription
// owns one connection for its blocking waitanyinvoice loop, as CLN advises, so that a wait
// never delays other calls.
#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "cln/cln_json.hpp"
#include "cln/json_rpc.hpp"
#include "l402/bolt11.hpp"
#include "l402/encoding.hpp"
#include "l402/lightning.hpp"

namespace l402 {
namespace cln {
namespace {

using nlohmann::json;

// How long one waitanyinvoice blocks before lightningd answers 904 and we ask again. Short
// enough that a silently dead lightningd is noticed within a minute (the read deadline is
// this plus call_timeout); the destructor does not wait for it (it shuts the socket down).
constexpr std::uint64_t kWaitAnyInvoiceSeconds = 30;
constexpr std::chrono::milliseconds kMaxReconnectDelay{30'000};
// BOLT 11: the `d` field holds at most 639 bytes.
constexpr std::size_t kMaxMemoBytes = 639;
// Bytes of randomness in an invoice label (the payment hash is unknown before the call).
constexpr std::size_t kLabelRandomBytes = 16;

// The result of a call, or its failure as an Error (RPC errors through error_from_rpc).
Result<json> result_of(std::string_view method, Result<RpcReply> reply) {
  if (!reply.ok()) return std::move(reply).error();
  if (reply->error) return error_from_rpc(method, *reply->error);
  return std::move(reply->result);
}

std::string hex_of(const Hash256& hash) { return hex::encode(as_view(hash)); }

// A transport failure during a payment: the payment may or may not have happened.
PayOutcome pay_transport_failure(const Error& error) {
  if (error.code() == ErrorCode::kDeadlineExceeded) {
    return PayOutcome::failure(PayFailure::kTimeout,
                               error.message() + "; the payment may still complete");
  }
  // A broken connection or a malformed reply (kInternal): the outcome is unknown either way,
  // and lookup_payment() can tell it later.
  return PayOutcome::failure(PayFailure::kUnavailable, error.message());
}

PayOutcome pay_rpc_failure(std::string_view method, const RpcError& error) {
  std::string message = "cln: " + std::string(method) + " failed (code " +
                        std::to_string(error.code) + "): " + error.message;
  if (error.code == rpc_code::kPayInProgress) message += " (a payment is in flight)";
  return PayOutcome::failure(pay_failure_from_code(error.code), std::move(message));
}

// ---- Settlement subscription ------------------------------------------------------------

class ClnSubscription final : public SettlementSubscription {
 public:
  ClnSubscription(std::shared_ptr<JsonRpcClient> rpc, std::chrono::milliseconds reconnect_delay,
                  std::uint64_t after_settle_index, SettlementHandler handler,
                  std::unique_ptr<UnixSocketConnection> first_connection)
      : rpc_(std::move(rpc)),
        reconnect_delay_(std::max(reconnect_delay, std::chrono::milliseconds(1))),
        handler_(std::move(handler)),
        last_delivered_(after_settle_index),
        connection_(std::move(first_connection)) {
    thread_ = std::thread([this] { run(); });
  }

  ~ClnSubscription() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      // Wakes a waitanyinvoice blocked in poll(): its read fails at once.
      if (connection_) connection_->shutdown();
    }
    wake_.notify_all();
    thread_.join();
  }

  bool connected() const override { return connected_.load(); }

 private:
  void run() {
    std::chrono::milliseconds delay = reconnect_delay_;
    while (!stopping()) {
      if (!has_connection() && !reconnect()) {
        connected_ = false;
        sleep_for(delay);
        delay = std::min(delay * 2, kMaxReconnectDelay);
        continue;
      }
      connected_ = true;
      if (wait_once()) {
        delay = reconnect_delay_;
        continue;
      }
      // Any failure: drop the connection, back off, reconnect and resume after the last
      // pay_index delivered.
      drop_connection();
      connected_ = false;
      sleep_for(delay);
      delay = std::min(delay * 2, kMaxReconnectDelay);
    }
  }

  // One waitanyinvoice; delivers what it returns. False when the connection must go.
  bool wait_once() {
    const json params = {{"lastpay_index", last_delivered_}, {"timeout", kWaitAnyInvoiceSeconds}};
    const Clock::time_point deadline =
        Clock::now() + std::chrono::seconds(kWaitAnyInvoiceSeconds) + rpc_->options().call_timeout;
    Result<RpcReply> reply =
        rpc_->call_on(*connection_, framer_, "waitanyinvoice", params, deadline);
    if (!reply.ok()) return false;
    if (reply->error) return reply->error->code == rpc_code::kInvoiceWaitTimedOut;
    Result<InvoiceStatus> settled = parse_invoice(reply->result);
    if (!settled.ok() || settled->state != InvoiceState::kSettled) return false;
    // waitanyinvoice returns the next paid invoice after lastpay_index, so indexes rise; the
    // check keeps a misbehaving node from making us deliver one twice.
    if (settled->settle_index > last_delivered_ && !stopping()) {
      handler_(*settled);
      last_delivered_ = settled->settle_index;
    }
    return true;
  }

  bool reconnect() {
    Result<std::unique_ptr<UnixSocketConnection>> connection = rpc_->connect();
    if (!connection.ok()) return false;
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    connection_ = std::move(connection).value();
    framer_.clear();
    return true;
  }

  bool has_connection() {
    std::lock_guard lock(mutex_);
    return connection_ != nullptr;
  }

  void drop_connection() {
    std::lock_guard lock(mutex_);
    connection_.reset();
  }

  bool stopping() {
    std::lock_guard lock(mutex_);
    return stopping_;
  }

  void sleep_for(std::chrono::milliseconds delay) {
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, delay, [this] { return stopping_; });
  }

  // Constant after construction.
  const std::shared_ptr<JsonRpcClient> rpc_;
  const std::chrono::milliseconds reconnect_delay_;
  const SettlementHandler handler_;

  // Used by the subscription thread only.
  std::uint64_t last_delivered_;
  ReplyFramer framer_;

  std::atomic<bool> connected_ = true;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  // Replaced and reset under mutex_ (so that the destructor can shut it down); read and
  // written through by the subscription thread alone.
  std::unique_ptr<UnixSocketConnection> connection_;
  std::thread thread_;
};

// ---- The backend ------------------------------------------------------------------------

class ClnBackend final : public Backend {
 public:
  explicit ClnBackend(const ClnOptions& options)
      : options_(options),
        rpc_(std::make_shared<JsonRpcClient>(JsonRpcOptions{
            options.socket_path, options.call_timeout, options.max_idle_connections})) {}

  Result<NodeInfo> get_info() override {
    L402_ASSIGN_OR_RETURN(const json result,
                          result_of("getinfo", rpc_->call("getinfo", json::object())));
    return parse_getinfo(result);
  }

  Result<IssuedInvoice> create_invoice(const InvoiceRequest& request) override {
    if (request.amount == Msat(0)) {
      return Error(ErrorCode::kInvalidArgument, "cln: invoice amount must not be zero");
    }
    if (request.memo.size() > kMaxMemoBytes) {
      return Error(ErrorCode::kInvalidArgument,
                   "cln: invoice memo longer than " + std::to_string(kMaxMemoBytes) + " bytes");
    }
    if (!utf8::is_valid(request.memo)) {
      return Error(ErrorCode::kInvalidArgument, "cln: invoice memo is not UTF-8");
    }
    if (request.expiry_seconds == 0) {
      return Error(ErrorCode::kInvalidArgument, "cln: invoice expiry must not be zero");
    }
    // Labels are unique per node. A random one can only collide with another client's
    // label, so one retry with a fresh label settles it.
    for (int attempt = 0;; ++attempt) {
      L402_ASSIGN_OR_RETURN(const std::string label, new_label());
      const json params = {{"amount_msat", request.amount.value()},
                           {"label", label},
                           {"description", request.memo},
                           {"expiry", request.expiry_seconds}};
      L402_ASSIGN_OR_RETURN(RpcReply reply, rpc_->call("invoice", params));
      if (reply.error) {
        if (reply.error->code == rpc_code::kInvoiceLabelAlreadyExists && attempt == 0) continue;
        return error_from_rpc("invoice", *reply.error);
      }
      return issued_invoice(reply.result, request.amount);
    }
  }

  Result<InvoiceStatus> lookup_invoice(const Hash256& payment_hash) override {
    const json params = {{"payment_hash", hex_of(payment_hash)}};
    L402_ASSIGN_OR_RETURN(const json result,
                          result_of("listinvoices", rpc_->call("listinvoices", params)));
    return parse_listinvoices(result, payment_hash);
  }

  Result<std::unique_ptr<SettlementSubscription>> subscribe_settlements(
      std::uint64_t after_settle_index, SettlementHandler handler) override {
    // The first connection is made here so that an unreachable node is an error now.
    L402_ASSIGN_OR_RETURN(std::unique_ptr<UnixSocketConnection> connection, rpc_->connect());
    return std::unique_ptr<SettlementSubscription>(
        std::make_unique<ClnSubscription>(rpc_, options_.reconnect_delay, after_settle_index,
                                          std::move(handler), std::move(connection)));
  }

  PayOutcome pay(const PayRequest& request) override {
    Result<Invoice> invoice = decode_invoice(request.bolt11);
    if (!invoice.ok()) {
      return PayOutcome::failure(PayFailure::kInvalidInvoice, invoice.error().message());
    }
    if (!xpay_missing_.load()) {
      json params = {{"invstring", request.bolt11},
                     {"maxfee", request.max_fee.value()},
                     {"retry_for", retry_for_seconds(request)}};
      if (request.amount) params["amount_msat"] = request.amount->value();
      Result<RpcReply> reply = rpc_->call("xpay", params, pay_deadline(request));
      if (!reply.ok()) return pay_transport_failure(reply.error());
      if (!reply->error) return payment_from(reply->result, *invoice);
      if (reply->error->code != rpc_code::kMethodNotFound) {
        return pay_rpc_failure("xpay", *reply->error);
      }
      // lightningd before v24.11 has no xpay; remember, and use pay from now on.
      xpay_missing_ = true;
    }
    return pay_with_legacy_pay(request, *invoice);
  }

  Result<PaymentStatus> lookup_payment(const Hash256& payment_hash) override {
    const json params = {{"payment_hash", hex_of(payment_hash)}};
    L402_ASSIGN_OR_RETURN(const json result, result_of("listpays", rpc_->call("listpays", params)));
    return parse_listpays(result, payment_hash);
  }

 private:
  Result<std::string> new_label() {
    std::array<std::uint8_t, kLabelRandomBytes> random{};
    L402_RETURN_IF_ERROR(system_random().fill(random));
    return options_.label_prefix + hex::encode(random);
  }

  // Checks that the node's bolt11 is the invoice it says it made.
  static Result<IssuedInvoice> issued_invoice(const json& result, Msat amount) {
    IssuedInvoice issued;
    L402_ASSIGN_OR_RETURN(issued.payment_hash,
                          parse_hash(result.value("payment_hash", json()), "payment_hash"));
    const auto bolt11 = result.find("bolt11");
    if (bolt11 == result.end() || !bolt11->is_string()) {
      return Error(ErrorCode::kInternal, "cln: malformed response: missing bolt11");
    }
    issued.bolt11 = bolt11->get<std::string>();
    Result<Invoice> decoded = decode_invoice(issued.bolt11);
    if (!decoded.ok()) {
      return Error(ErrorCode::kInternal,
                   "cln: malformed response: bolt11 does not decode: " + decoded.error().message());
    }
    if (decoded->payment_hash != issued.payment_hash || decoded->amount != amount) {
      return Error(ErrorCode::kInternal,
                   "cln: malformed response: bolt11 does not match the payment hash and amount");
    }
    return issued;
  }

  // The call gives lightningd the payment's own timeout and a margin to answer in.
  std::chrono::milliseconds pay_deadline(const PayRequest& request) const {
    return request.timeout + options_.call_timeout;
  }

  // retry_for is whole seconds; pay takes it as a u16.
  static std::uint64_t retry_for_seconds(const PayRequest& request) {
    const auto seconds = std::chrono::ceil<std::chrono::seconds>(request.timeout).count();
    return static_cast<std::uint64_t>(std::clamp<std::int64_t>(seconds, 1, 65'535));
  }

  // `pay`, for lightningd without xpay. pay answers a second payment of an invoice it has
  // paid with the first payment's success, where xpay answers 219; we ask listpays first so
  // that both report kAlreadyPaid, as the Backend contract says.
  PayOutcome pay_with_legacy_pay(const PayRequest& request, const Invoice& invoice) {
    Result<PaymentStatus> earlier = lookup_payment(invoice.payment_hash);
    if (!earlier.ok()) return pay_transport_failure(earlier.error());
    if (earlier->state == PaymentState::kSucceeded) {
      return PayOutcome::failure(PayFailure::kAlreadyPaid,
                                 "cln: this node paid the invoice before (listpays)");
    }
    if (earlier->state == PaymentState::kInFlight) {
      return PayOutcome::failure(PayFailure::kAlreadyPaid,
                                 "cln: a payment of this invoice is in flight (listpays)");
    }
    json params = {{"bolt11", request.bolt11},
                   {"maxfee", request.max_fee.value()},
                   {"retry_for", retry_for_seconds(request)}};
    if (request.amount) params["amount_msat"] = request.amount->value();
    Result<RpcReply> reply = rpc_->call("pay", params, pay_deadline(request));
    if (!reply.ok()) return pay_transport_failure(reply.error());
    if (reply->error) return pay_rpc_failure("pay", *reply->error);
    return payment_from(reply->result, invoice);
  }

  static PayOutcome payment_from(const json& result, const Invoice& invoice) {
    Result<PayResult> paid = parse_pay_result(result);
    if (!paid.ok()) return pay_transport_failure(paid.error());
    if (paid->status == "pending") {
      return PayOutcome::failure(PayFailure::kTimeout,
                                 "cln: the payment is still pending; it may yet complete");
    }
    if (paid->status != "complete") {
      return PayOutcome::failure(PayFailure::kRejected,
                                 "cln: payment ended with status '" + paid->status + "'");
    }
    if (sha256(as_view(paid->preimage)) != invoice.payment_hash) {
      return PayOutcome::failure(PayFailure::kRejected,
                                 "cln: the preimage returned does not match the payment hash");
    }
    Payment payment;
    payment.payment_hash = invoice.payment_hash;
    payment.preimage = paid->preimage;
    payment.amount = paid->amount;
    payment.fee = *paid->amount_sent.checked_sub(paid->amount);  // parse checked sent >= amount
    return PayOutcome::success(payment);
  }

  // Constant after construction.
  const ClnOptions options_;
  // Shared with subscriptions, which may outlive this object.
  const std::shared_ptr<JsonRpcClient> rpc_;

  std::atomic<bool> xpay_missing_ = false;
};

}  // namespace
}  // namespace cln

Result<std::unique_ptr<Backend>> open_cln_backend(const ClnOptions& options) {
  // sockaddr_un holds 108 bytes including the terminating NUL.
  constexpr std::size_t kMaxSocketPath = 107;
  if (options.socket_path.empty() || options.socket_path.size() > kMaxSocketPath) {
    return Error(ErrorCode::kInvalidArgument,
                 "cln: socket_path must be 1 to 107 bytes: '" + options.socket_path + "'");
  }
  if (options.call_timeout <= std::chrono::milliseconds::zero()) {
    return Error(ErrorCode::kInvalidArgument, "cln: call_timeout must be positive");
  }
  return std::unique_ptr<Backend>(std::make_unique<cln::ClnBackend>(options));
}

}  // namespace l402
