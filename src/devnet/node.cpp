#include <algorithm>
#include <chrono>
#include <utility>

#include "invoice_builder.hpp"
#include "l402/encoding.hpp"
#include "node_impl.hpp"
#include "payment_rules.hpp"

namespace l402::devnet {

namespace {

constexpr std::string_view kVersion = "l402-devnet 0.1.0";
// A regtest chain starts its life with 101 blocks (the first coinbase matures); after that
// the node pretends a block every ten minutes.
constexpr std::uint32_t kFirstBlockHeight = 101;
constexpr std::uint64_t kSecondsPerBlock = 600;

Error unknown_account(std::string_view account) {
  return Error(ErrorCode::kNotFound, "unknown account \"" + std::string(account) + "\"");
}

DevnetPayment refused(DevnetPayment payment, Refusal refusal) {
  payment.status = DevnetPaymentStatus::kFailed;
  payment.failure = refusal.failure;
  payment.failure_message = std::move(refusal.message);
  return payment;
}

}  // namespace

DevnetNodeImpl::DevnetNodeImpl(NodeParts parts)
    : directory_lock_(std::move(parts.directory_lock)),
      options_(std::move(parts.options)),
      node_key_(std::move(parts.node_key)),
      node_id_(parts.node_id),
      macaroons_(std::move(parts.macaroons)),
      accounts_(std::move(parts.accounts)),
      created_at_(parts.store->created_at()),
      store_(std::move(parts.store)) {
  queue_writer_ = std::thread([this] { write_queue_until_stopped(); });
}

DevnetNodeImpl::~DevnetNodeImpl() {
  {
    std::lock_guard lock(store_mutex_);
    stopping_ = true;
  }
  queue_started_.notify_one();
  queue_writer_.join();
  // The store writes what is still queued when it closes.
}

void DevnetNodeImpl::write_queue_until_stopped() {
  std::unique_lock lock(store_mutex_);
  while (true) {
    queue_started_.wait(lock, [&] { return stopping_ || store_->has_queued_invoices(); });
    if (stopping_) return;
    // Invoices added meanwhile go into the same commit.
    queue_started_.wait_for(lock, kQueueWindow, [&] { return stopping_; });
    if (stopping_) return;
    // On failure the invoices stay queued: the next add, read or round tries again.
    if (!store_->write_queued_invoices().ok()) {
      queue_started_.wait_for(lock, kQueueWindow, [&] { return stopping_; });
    }
  }
}

std::uint64_t DevnetNodeImpl::now() const {
  if (options_.now) return options_.now();
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

DevnetInvoice DevnetNodeImpl::as_reported(DevnetInvoice invoice, std::uint64_t now) {
  InvoiceStatus& status = invoice.status;
  // LND's expiry watcher cancels an invoice that expires unpaid.
  if (status.state == InvoiceState::kOpen && now >= status.created_at + invoice.expiry_seconds) {
    status.state = InvoiceState::kCanceled;
  }
  return invoice;
}

NodeInfo DevnetNodeImpl::info() const {
  NodeInfo info;
  info.implementation = "devnet";
  info.version = std::string(kVersion);
  info.alias = options_.alias;
  info.node_id = node_id_;
  info.network = Network::kRegtest;
  const std::uint64_t at = now();
  const std::uint64_t age = at > created_at_ ? at - created_at_ : 0;
  info.block_height =
      kFirstBlockHeight + static_cast<std::uint32_t>(std::min<std::uint64_t>(
                              age / kSecondsPerBlock, UINT32_MAX - kFirstBlockHeight));
  info.synced_to_chain = true;
  return info;
}

std::filesystem::path DevnetNodeImpl::macaroon_path(std::string_view account) const {
  return options_.data_dir / devnet_macaroon_file_name(account);
}

Result<std::string> DevnetNodeImpl::authenticate(std::span<const std::uint8_t> macaroon) const {
  L402_ASSIGN_OR_RETURN(std::string account, macaroons_->authenticate(macaroon));
  if (!has_account(account)) {
    return Error(ErrorCode::kUnauthenticated,
                 std::string(kMacaroonMismatchMessage) + " (no account \"" + account + "\")");
  }
  return account;
}

// ---- Invoices ---------------------------------------------------------------------------

Result<DevnetInvoice> DevnetNodeImpl::add_invoice(const DevnetInvoiceRequest& request) {
  if (!has_account(request.account)) return unknown_account(request.account);
  L402_RETURN_IF_ERROR(check_invoice_request(
      request, InvoiceLimits{options_.max_memo_bytes, options_.max_expiry_seconds}));
  const std::uint64_t created_at = now();
  // Signing is the expensive part: it runs before the lock, in parallel across callers.
  L402_ASSIGN_OR_RETURN(DevnetInvoice invoice,
                        build_invoice(request, created_at, node_key_, system_random()));
  std::uint64_t ticket = 0;
  {
    std::lock_guard lock(store_mutex_);
    // A preimage the caller chose may be one the node has seen: that insert checks. One the
    // node drew cannot, and is queued to be written with others in one commit.
    const bool was_idle = !store_->has_queued_invoices();
    Result<void> inserted = request.preimage.has_value() ? store_->insert_invoice(invoice)
                                                         : store_->queue_invoice(invoice);
    if (inserted.ok() && was_idle && store_->has_queued_invoices()) queue_started_.notify_one();
    if (!inserted.ok()) {
      if (inserted.error().code() == ErrorCode::kAlreadyExists) {
        return Error(ErrorCode::kAlreadyExists, "invoice with payment hash already exists");
      }
      return std::move(inserted).error();
    }
    prune_if_due(created_at);
    ticket = notifier_.reserve_ticket();
  }
  notifier_.deliver(ticket, invoice);
  return invoice;
}

void DevnetNodeImpl::prune_if_due(std::uint64_t now) {
  if (++adds_since_prune_ < kPruneEveryAdds) return;
  adds_since_prune_ = 0;
  if (now <= kPruneGraceSeconds) return;
  // A failure here costs nothing but space; the next round tries again.
  (void)store_->delete_open_invoices_expired_before(now - kPruneGraceSeconds, kPruneBatch);
}

Result<DevnetInvoice> DevnetNodeImpl::lookup_invoice(const Hash256& payment_hash) const {
  std::optional<DevnetInvoice> found;
  {
    std::lock_guard lock(store_mutex_);
    L402_ASSIGN_OR_RETURN(found, store_->find_invoice(payment_hash));
  }
  if (!found.has_value()) return Error(ErrorCode::kNotFound, "unable to locate invoice");
  return as_reported(std::move(*found), now());
}

Result<std::vector<DevnetInvoice>> DevnetNodeImpl::invoices_added_after(
    std::uint64_t after_add_index, std::size_t limit) const {
  std::vector<DevnetInvoice> invoices;
  {
    std::lock_guard lock(store_mutex_);
    L402_ASSIGN_OR_RETURN(invoices, store_->invoices_added_after(after_add_index, limit));
  }
  const std::uint64_t at = now();
  for (DevnetInvoice& invoice : invoices) invoice = as_reported(std::move(invoice), at);
  return invoices;
}

Result<std::vector<DevnetInvoice>> DevnetNodeImpl::invoices_settled_after(
    std::uint64_t after_settle_index, std::size_t limit) const {
  std::lock_guard lock(store_mutex_);
  return store_->invoices_settled_after(after_settle_index, limit);
}

std::uint64_t DevnetNodeImpl::subscribe(InvoiceListener listener) {
  return notifier_.subscribe(std::move(listener));
}

void DevnetNodeImpl::unsubscribe(std::uint64_t id) { notifier_.unsubscribe(id); }

// ---- Payments ---------------------------------------------------------------------------

Result<DevnetPayment> DevnetNodeImpl::pay(std::string_view account, const PayRequest& request) {
  if (!has_account(account)) return unknown_account(account);
  Result<Invoice> decoded = decode_invoice(request.bolt11);
  if (!decoded.ok()) {
    return Error(ErrorCode::kInvalidArgument,
                 "invalid payment request: " + decoded.error().message());
  }
  DevnetPayment payment;
  payment.account = std::string(account);
  payment.payment_hash = decoded->payment_hash;
  payment.bolt11 = request.bolt11;
  payment.created_at = now();
  // Refusals before routing are answers to the request, not payments: LND records none.
  if (std::optional<Refusal> refusal =
          check_before_routing(*decoded, request, payment.created_at)) {
    payment.amount = decoded->amount.value_or(Msat(0));
    return refused(std::move(payment), std::move(*refusal));
  }
  payment.amount = amount_to_pay(*decoded, request);

  DevnetInvoice settled;
  std::uint64_t ticket = 0;
  Result<DevnetPayment> outcome = [&] {
    std::lock_guard lock(store_mutex_);
    Result<DevnetPayment> result = settle_locked(std::move(payment), *decoded, request, settled);
    if (result.ok() && result->status == DevnetPaymentStatus::kSucceeded) {
      ticket = notifier_.reserve_ticket();
    }
    return result;
  }();
  notifier_.deliver(ticket, settled);
  return outcome;
}

Result<DevnetPayment> DevnetNodeImpl::settle_locked(DevnetPayment payment, const Invoice& decoded,
                                                    const PayRequest& request,
                                                    DevnetInvoice& settled) {
  if (decoded.payee != node_id_) {
    return record_failure(
        std::move(payment), PayFailure::kNoRoute,
        "unable to find a path to destination " +
            hex::encode(std::string_view(reinterpret_cast<const char*>(decoded.payee.data()),
                                         decoded.payee.size())));
  }
  L402_ASSIGN_OR_RETURN(std::optional<DevnetInvoice> invoice,
                        store_->find_invoice(decoded.payment_hash));
  if (invoice.has_value() && invoice->status.state == InvoiceState::kSettled) {
    return refused(std::move(payment),
                   {PayFailure::kAlreadyPaid, std::string(kAlreadyPaidMessage)});
  }
  const std::optional<Msat> fee = routing_fee(payment.amount, options_.fee_base, options_.fee_ppm);
  if (!fee.has_value() || *fee > request.max_fee) {
    return record_failure(std::move(payment), PayFailure::kNoRoute, kFeeLimitMessage);
  }
  L402_ASSIGN_OR_RETURN(std::optional<Msat> payer_balance, store_->balance(payment.account));
  const std::optional<Msat> total = payment.amount.checked_add(*fee);
  if (!payer_balance.has_value() || !total.has_value() || *payer_balance < *total) {
    return record_failure(std::move(payment), PayFailure::kInsufficientBalance,
                          kInsufficientBalanceMessage);
  }
  // What the payee checks when the payment arrives: that it knows the invoice and the
  // payment carries its secret.
  if (!invoice.has_value() || invoice->payment_addr != decoded.payment_secret) {
    return record_failure(std::move(payment), PayFailure::kRejected, kIncorrectDetailsMessage);
  }

  Settlement settlement;
  settlement.payer = payment.account;
  settlement.payer_balance_after = Msat(payer_balance->value() - total->value());
  settlement.payee = invoice->account;
  Msat payee_before = settlement.payer_balance_after;
  if (settlement.payee != settlement.payer) {
    L402_ASSIGN_OR_RETURN(std::optional<Msat> balance, store_->balance(settlement.payee));
    payee_before = balance.value_or(Msat(0));
  }
  const std::optional<Msat> payee_after = payee_before.checked_add(payment.amount);
  if (!payee_after.has_value() || payee_after->value() > kMaxStoredMsat) {
    return record_failure(std::move(payment), PayFailure::kRejected,
                          "the payee's balance cannot hold this amount");
  }
  settlement.payee_balance_after = *payee_after;
  if (settlement.payee == settlement.payer) settlement.payer_balance_after = *payee_after;
  settlement.payment_hash = decoded.payment_hash;
  settlement.amount_paid = payment.amount;
  settlement.settled_at = payment.created_at;
  settlement.settle_index = store_->last_settle_index() + 1;

  payment.status = DevnetPaymentStatus::kSucceeded;
  payment.preimage = invoice->preimage;
  payment.fee = *fee;
  L402_RETURN_IF_ERROR(store_->apply_settlement(settlement, payment));

  settled = std::move(*invoice);
  settled.status.state = InvoiceState::kSettled;
  settled.status.amount_paid = settlement.amount_paid;
  settled.status.settled_at = settlement.settled_at;
  settled.status.settle_index = settlement.settle_index;
  return payment;
}

Result<DevnetPayment> DevnetNodeImpl::record_failure(DevnetPayment payment, PayFailure failure,
                                                     std::string_view message) {
  payment = refused(std::move(payment), {failure, std::string(message)});
  L402_RETURN_IF_ERROR(store_->record_payment(payment));
  return payment;
}

Result<DevnetPayment> DevnetNodeImpl::lookup_payment(std::string_view account,
                                                     const Hash256& payment_hash) const {
  std::optional<DevnetPayment> found;
  {
    std::lock_guard lock(store_mutex_);
    L402_ASSIGN_OR_RETURN(found, store_->latest_payment(account, payment_hash));
  }
  if (!found.has_value()) return Error(ErrorCode::kNotFound, "payment isn't initiated");
  return std::move(*found);
}

Result<Msat> DevnetNodeImpl::balance(std::string_view account) const {
  std::optional<Msat> found;
  {
    std::lock_guard lock(store_mutex_);
    L402_ASSIGN_OR_RETURN(found, store_->balance(account));
  }
  if (!found.has_value()) return unknown_account(account);
  return *found;
}

}  // namespace l402::devnet
