// A Backend that passes every call on to another one: the base of test doubles that change
// one or two answers (a wallet that counts its payments, a node that can be made unreachable).
#pragma once

#include <cstdint>
#include <memory>
#include <utility>

#include "l402/lightning.hpp"

namespace l402::test {

class ForwardingBackend : public Backend {
 public:
  explicit ForwardingBackend(Backend& inner) : inner_(inner) {}

  Result<NodeInfo> get_info() override { return inner_.get_info(); }
  Result<IssuedInvoice> create_invoice(const InvoiceRequest& request) override {
    return inner_.create_invoice(request);
  }
  Result<InvoiceStatus> lookup_invoice(const Hash256& payment_hash) override {
    return inner_.lookup_invoice(payment_hash);
  }
  Result<std::unique_ptr<SettlementSubscription>> subscribe_settlements(
      std::uint64_t after_settle_index, SettlementHandler handler) override {
    return inner_.subscribe_settlements(after_settle_index, std::move(handler));
  }
  PayOutcome pay(const PayRequest& request) override { return inner_.pay(request); }
  Result<PaymentStatus> lookup_payment(const Hash256& payment_hash) override {
    return inner_.lookup_payment(payment_hash);
  }

 private:
  Backend& inner_;
};

}  // namespace l402::test
