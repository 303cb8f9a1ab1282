#include <utility>

#include "l402/lightning.hpp"
#include "l402/worker_pool.hpp"

namespace l402 {

bool AsyncBackend::try_create_invoice(InvoiceRequest request,
                                      std::function<void(Result<IssuedInvoice>)> done) {
  return pool_.try_submit([this, request = std::move(request), done = std::move(done)] {
    done(backend_.create_invoice(request));
  });
}

bool AsyncBackend::try_lookup_invoice(const Hash256& payment_hash,
                                      std::function<void(Result<InvoiceStatus>)> done) {
  return pool_.try_submit([this, payment_hash, done = std::move(done)] {
    done(backend_.lookup_invoice(payment_hash));
  });
}

bool AsyncBackend::try_pay(PayRequest request, std::function<void(PayOutcome)> done) {
  return pool_.try_submit([this, request = std::move(request), done = std::move(done)] {
    done(backend_.pay(request));
  });
}

}  // namespace l402
