// Lightning backends: one interface to create invoices, learn when they settle, and pay.
//
// Implementations: devnet (a simulated node in our own process, l402/devnet.hpp), LND over
// its REST API, Core Lightning over its JSON-RPC unix socket. Every call is bounded by a
// timeout; a backend that cannot be reached answers kUnavailable quickly (connect timeout),
// never by hanging. Amounts are Msat everywhere.
//
// The calls block the calling thread for at most their timeout. The gateway never calls them
// on an I/O thread: AsyncBackend runs them on a bounded WorkerPool and hands the result to a
// callback, or refuses at once when the pool is full.
//
// Thread safety: every Backend may be used from any number of threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "l402/amount.hpp"
#include "l402/authority.hpp"
#include "l402/bolt11.hpp"
#include "l402/crypto.hpp"
#include "l402/result.hpp"

namespace l402 {

class WorkerPool;

struct NodeInfo {
  std::string implementation;  // "devnet", "lnd" or "cln"
  std::string version;         // as the node reports it, e.g. "0.18.3-beta"
  std::string alias;
  PublicKey node_id{};
  Network network = Network::kRegtest;
  std::uint32_t block_height = 0;
  bool synced_to_chain = false;
};

enum class InvoiceState {
  kOpen,      // waiting for payment
  kSettled,   // paid
  kCanceled,  // canceled by the node (LND)
  kAccepted,  // HTLCs held, not yet settled (LND hold invoices)
  kExpired,   // expired unpaid (CLN reports this; LND keeps such invoices OPEN or CANCELED)
};

// "open", "settled", "canceled", "accepted", "expired".
std::string_view invoice_state_name(InvoiceState state);

struct InvoiceStatus {
  Hash256 payment_hash{};
  InvoiceState state = InvoiceState::kOpen;
  std::string bolt11;
  std::optional<Msat> amount;    // requested; nullopt for an any-amount invoice
  Msat amount_paid;              // received; may exceed `amount`
  std::uint64_t created_at = 0;  // Unix seconds
  std::uint64_t settled_at = 0;  // Unix seconds; 0 unless settled
  // The node's sequence number for settlements (LND settle_index, CLN pay_index), from 1;
  // 0 unless settled. A subscription resumes after the last one it delivered.
  std::uint64_t settle_index = 0;
};

// ---- Paying ----------------------------------------------------------------------------

struct PayRequest {
  std::string bolt11;
  // The most the payer will pay in routing fees. Zero allows only fee-free routes.
  Msat max_fee;
  // How long to try before giving up; the call returns within about this time.
  std::chrono::milliseconds timeout{60'000};
  // Only for an any-amount invoice: what to pay.
  std::optional<Msat> amount;
};

enum class PayFailure {
  kNoRoute,              // no route (or none within the fee limit), unknown destination
  kInvoiceExpired,       // the invoice expired before it could be paid
  kAlreadyPaid,          // this invoice was paid before (or a payment is in flight)
  kInsufficientBalance,  // the payer's funds do not cover amount + fees
  kTimeout,              // no outcome within the timeout; the payment may still complete
  kUnavailable,          // the backend could not be reached or the connection broke
  kInvalidInvoice,       // not a BOLT 11 invoice the backend accepts (or wrong network)
  kRejected,             // any other refusal: bad credential, incorrect payment details, ...
};

// "no_route", "invoice_expired", "already_paid", "insufficient_balance", "timeout",
// "unavailable", "invalid_invoice", "rejected".
std::string_view pay_failure_name(PayFailure failure);

struct Payment {
  Hash256 payment_hash{};
  Hash256 preimage{};  // sha256(preimage) == payment_hash, checked by every backend
  Msat amount;         // received by the payee
  Msat fee;            // routing fees paid on top of `amount`
};

// A payment, or why there is none.
class PayOutcome {
 public:
  static PayOutcome success(Payment payment);
  static PayOutcome failure(PayFailure failure, std::string message);

  bool ok() const { return ok_; }
  // Requires: ok().
  const Payment& payment() const;
  // Requires: !ok().
  PayFailure failure() const;
  const std::string& message() const { return message_; }
  // The failure as a generic Error (kFailedPrecondition, kAlreadyExists, kUnavailable,
  // kDeadlineExceeded, ...), with the failure's name in the message.
  Error to_error() const;

 private:
  PayOutcome() = default;
  bool ok_ = false;
  Payment payment_{};
  PayFailure failure_ = PayFailure::kRejected;
  std::string message_;
};

// What the payer's node knows of an earlier payment, by payment hash.
enum class PaymentState { kUnknown, kInFlight, kSucceeded, kFailed };

struct PaymentStatus {
  PaymentState state = PaymentState::kUnknown;
  std::optional<Payment> payment;     // when kSucceeded
  std::optional<PayFailure> failure;  // when kFailed
};

// ---- Settlement subscriptions ----------------------------------------------------------

// Receives settled invoices, in settle_index order, on a thread of the backend. Must not
// block for long; must not destroy its own subscription.
using SettlementHandler = std::function<void(const InvoiceStatus& settled)>;

// A running subscription. Destroying it stops delivery; once the destructor returns, the
// handler is not running and will not run again.
class SettlementSubscription {
 public:
  virtual ~SettlementSubscription() = default;
  // False while the backend is unreachable and the subscription is reconnecting.
  virtual bool connected() const = 0;
};

// ---- The interface ---------------------------------------------------------------------

// Backend is the InvoiceSource the Authority mints with: create_invoice() returns the
// invoice and its payment hash, with the node choosing the preimage.
class Backend : public InvoiceSource {
 public:
  ~Backend() override = default;

  // Errors: kUnavailable, kDeadlineExceeded, kUnauthenticated (the node refused our
  // credential), kInternal (an answer we cannot read).
  virtual Result<NodeInfo> get_info() = 0;

  // Errors as get_info, and kInvalidArgument for a zero amount, an overlong memo or an
  // expiry of 0.
  Result<IssuedInvoice> create_invoice(const InvoiceRequest& request) override = 0;

  // Errors as get_info, and kNotFound for an invoice the node does not know.
  virtual Result<InvoiceStatus> lookup_invoice(const Hash256& payment_hash) = 0;

  // Delivers every invoice settled with settle_index > `after_settle_index`, first those
  // settled already, then each new one as it settles. Survives the backend going away:
  // reconnects with backoff and resumes after the last index delivered, so nothing is missed
  // or delivered twice. Errors: kUnavailable when the first connection fails, and the
  // errors of get_info.
  virtual Result<std::unique_ptr<SettlementSubscription>> subscribe_settlements(
      std::uint64_t after_settle_index, SettlementHandler handler) = 0;

  // Pays a BOLT 11 invoice. Checks sha256(preimage) == payment hash before succeeding.
  virtual PayOutcome pay(const PayRequest& request) = 0;

  // What the node knows of a payment this node made (kUnknown if it never tried). Used to
  // learn the outcome of a payment whose call was interrupted, without paying again.
  virtual Result<PaymentStatus> lookup_payment(const Hash256& payment_hash) = 0;
};

// ---- Connecting to a node --------------------------------------------------------------

struct LndOptions {
  // "https://host:port" (LND's REST listener; 8080 by default), or "http://..." only with
  // allow_plain_http.
  std::string url = "https://127.0.0.1:8080";
  // LND's tls.cert: the only certificate trusted for the connection (pinned as the CA).
  std::string tls_cert_path;
  // admin.macaroon (or invoice.macaroon for a backend that never pays), sent as hex.
  std::string macaroon_path;
  bool allow_plain_http = false;
  std::chrono::milliseconds connect_timeout{2'000};
  // Every unary call; streaming calls use it for the response headers and as an idle limit.
  std::chrono::milliseconds call_timeout{10'000};
  // Connections kept open for reuse.
  std::size_t max_idle_connections = 8;
  // Subscriptions wait this long after a failure before reconnecting, doubling to 30 s.
  std::chrono::milliseconds reconnect_delay{250};
};

// Reads the certificate and macaroon files (errors: kInvalidArgument naming the file and
// what is wrong, kNotFound). Does not connect: the first call does.
Result<std::unique_ptr<Backend>> open_lnd_backend(const LndOptions& options);

struct ClnOptions {
  // lightningd's JSON-RPC socket, e.g. ~/.lightning/regtest/lightning-rpc.
  std::string socket_path;
  std::chrono::milliseconds call_timeout{10'000};
  std::size_t max_idle_connections = 4;
  std::chrono::milliseconds reconnect_delay{250};
  // Labels of the invoices we create: this prefix and 32 random hex digits (the payment
  // hash is not known before the node answers).
  std::string label_prefix = "l402-";
};

// Does not connect: the first call does.
Result<std::unique_ptr<Backend>> open_cln_backend(const ClnOptions& options);

// ---- Off the caller's thread ------------------------------------------------------------

// Runs a Backend's blocking calls on a WorkerPool. Each try_* queues the call and returns
// true, or returns false at once (the callback is not called) when the pool is full: the
// caller then answers "busy". Callbacks run on a pool thread.
class AsyncBackend {
 public:
  // `backend` and `pool` must outlive this object and any call in flight.
  AsyncBackend(Backend& backend, WorkerPool& pool) : backend_(backend), pool_(pool) {}

  bool try_create_invoice(InvoiceRequest request, std::function<void(Result<IssuedInvoice>)> done);
  bool try_lookup_invoice(const Hash256& payment_hash,
                          std::function<void(Result<InvoiceStatus>)> done);
  bool try_pay(PayRequest request, std::function<void(PayOutcome)> done);

  Backend& backend() { return backend_; }

 private:
  Backend& backend_;
  WorkerPool& pool_;
};

}  // namespace l402
