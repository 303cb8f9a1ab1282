// The Backend over LND's REST API. open_lnd_backend() (l402/lightning.hpp) builds it; this
// header exists so its parts can live in separate files (lnd_backend.cpp: info, invoices,
// subscriptions; lnd_pay.cpp: paying). Private to src/lightning/.
//
// Thread safety: every call from any thread (the transport pools connections; the cached
// version has its own mutex).
#pragma once

#include <memory>
#include <mutex>
#include <optional>

#include "l402/bolt11.hpp"
#include "l402/lightning.hpp"
#include "lnd/http_transport.hpp"
#include "lnd/lnd_json.hpp"

namespace l402::lnd {

class LndBackend final : public Backend {
 public:
  LndBackend(const LndOptions& options, std::shared_ptr<HttpTransport> transport)
      : options_(options), transport_(std::move(transport)) {}

  Result<NodeInfo> get_info() override;
  Result<IssuedInvoice> create_invoice(const InvoiceRequest& request) override;
  Result<InvoiceStatus> lookup_invoice(const Hash256& payment_hash) override;
  Result<std::unique_ptr<SettlementSubscription>> subscribe_settlements(
      std::uint64_t after_settle_index, SettlementHandler handler) override;
  PayOutcome pay(const PayRequest& request) override;
  Result<PaymentStatus> lookup_payment(const Hash256& payment_hash) override;

 private:
  // True when the node predates SendPaymentV2; asks getinfo once and remembers.
  Result<bool> needs_legacy_payment_api();
  // SendPaymentV2's stream, until a final status.
  PayOutcome pay_v2(const PayRequest& request, const Hash256& payment_hash);
  // SendPaymentSync, for LND before 0.10.
  PayOutcome pay_sync(const PayRequest& request, const Invoice& invoice);

  // Constant after construction.
  const LndOptions options_;
  const std::shared_ptr<HttpTransport> transport_;  // shared with subscriptions

  std::mutex version_mutex_;
  std::optional<LndVersion> version_;  // from the first get_info; guarded by version_mutex_
};

}  // namespace l402::lnd
