#include "deferred_wallet.hpp"

#include <mutex>
#include <utility>

namespace l402::cli {
namespace {

class DeferredWallet final : public Backend {
 public:
  explicit DeferredWallet(WalletConfig config) : config_(std::move(config)) {}

  Result<NodeInfo> get_info() override {
    L402_ASSIGN_OR_RETURN(Backend * wallet, opened());
    return wallet->get_info();
  }
  Result<IssuedInvoice> create_invoice(const InvoiceRequest& request) override {
    L402_ASSIGN_OR_RETURN(Backend * wallet, opened());
    return wallet->create_invoice(request);
  }
  Result<InvoiceStatus> lookup_invoice(const Hash256& payment_hash) override {
    L402_ASSIGN_OR_RETURN(Backend * wallet, opened());
    return wallet->lookup_invoice(payment_hash);
  }
  Result<std::unique_ptr<SettlementSubscription>> subscribe_settlements(
      std::uint64_t after_settle_index, SettlementHandler handler) override {
    L402_ASSIGN_OR_RETURN(Backend * wallet, opened());
    return wallet->subscribe_settlements(after_settle_index, std::move(handler));
  }
  PayOutcome pay(const PayRequest& request) override {
    Result<Backend*> wallet = opened();
    if (!wallet.ok())
      return PayOutcome::failure(PayFailure::kUnavailable, wallet.error().message());
    return (*wallet)->pay(request);
  }
  Result<PaymentStatus> lookup_payment(const Hash256& payment_hash) override {
    L402_ASSIGN_OR_RETURN(Backend * wallet, opened());
    return wallet->lookup_payment(payment_hash);
  }

 private:
  Result<Backend*> opened() {
    const std::lock_guard lock(mutex_);
    if (!wallet_) {
      Result<std::unique_ptr<Backend>> wallet = open_wallet(config_);
      if (!wallet.ok()) {
        return Error(ErrorCode::kUnavailable, "wallet: " + wallet.error().message());
      }
      wallet_ = std::move(wallet).value();
    }
    return wallet_.get();
  }

  const WalletConfig config_;
  std::mutex mutex_;
  std::unique_ptr<Backend> wallet_;  // guarded by mutex_ until set, then constant
};

}  // namespace

std::unique_ptr<Backend> open_wallet_when_needed(WalletConfig wallet) {
  return std::make_unique<DeferredWallet>(std::move(wallet));
}

}  // namespace l402::cli
