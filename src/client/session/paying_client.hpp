// l402::Client's implementation (client.hpp): the transport, the store, the policy and the
// wallet put together. perform() is in paying_client.cpp, buying in purchase.cpp, recovery in
// recovery.cpp. Private to src/client/.
//
// Thread safety: one thread at a time (the transport holds one connection).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/http/transport.hpp"
#include "client/session/token_chooser.hpp"
#include "l402/client.hpp"

namespace l402::client {

class PayingClient final : public Client {
 public:
  PayingClient(ClientOptions options, std::unique_ptr<Backend> wallet,
               std::unique_ptr<ClientStore> store, std::unique_ptr<Transport> transport)
      : options_(std::move(options)),
        wallet_(std::move(wallet)),
        store_(std::move(store)),
        transport_(std::move(transport)),
        network_(options_.wallet_network) {}

  PerformResult perform(const HttpRequest& request, BodySink& sink) override;
  Result<RecoveryReport> recover_pending() override;
  Result<std::optional<StoredToken>> token_for(std::string_view url) override;
  PurchaseResult buy(std::string_view url, const std::vector<std::string_view>& www_authenticate,
                     std::optional<std::string_view> stale_token_id) override;
  ClientStore& store() override { return *store_; }

 private:
  enum class Settled { kCompleted, kFailed, kInFlight };
  struct Settlement {
    Settled state = Settled::kInFlight;
    std::optional<StoredToken> token;   // kCompleted
    std::optional<PayFailure> failure;  // kFailed, when the wallet said why
    std::optional<Error> wallet_error;  // kInFlight because the wallet could not be asked
  };

  // One exchange of `request`: the final answer's body to `sink`, unless it is a 402 from an
  // origin we may pay (then to a bounded buffer, copied into result.challenge_body). Fills
  // result's status, head, url, token_id, body_bytes and request_time.
  Result<Exchange> send(const HttpRequest& request, BodySink& sink, TokenChooser& chooser,
                        PerformResult& result);

  // Plans and makes the purchase a 402 asks for (purchase() over the exchange). Returns the
  // stored token, or nullopt when perform() ends here (result's outcome and error filled).
  std::optional<StoredToken> buy(const Exchange& exchange, PerformResult& result);
  // The purchase logic every protocol shares: plans the purchase `challenges` (the values of
  // WWW-Authenticate) ask for at `url` (whose path is `path`), journals it, pays and stores
  // the token. Fills result (token on success; outcome and error otherwise).
  void purchase(const std::string& url, std::string_view path,
                const std::vector<std::string_view>& challenges, PurchaseResult& result);
  // The pay step of purchase(), once begin_purchase() succeeded.
  std::optional<StoredToken> pay(const PendingPurchase& pending, const std::string& url,
                                 PurchaseResult& result);

  // What the wallet says of a pending purchase, applied to the store.
  Result<Settlement> settle(const PendingPurchase& pending);
  // complete_purchase(), journalling the purchase again if another process's recovery closed
  // it while we paid (it saw nothing yet): the payment is made and must be kept.
  Result<StoredToken> record_payment(const PendingPurchase& pending, const Payment& payment);

  Result<Network> wallet_network();
  std::int64_t now() const;
  void emit(ProgressEvent event) const;
  void emit_status(const PerformResult& result) const;

  // Constant after construction.
  const ClientOptions options_;
  const std::unique_ptr<Backend> wallet_;
  const std::unique_ptr<ClientStore> store_;
  const std::unique_ptr<Transport> transport_;

  std::optional<Network> network_;  // from the options, else the wallet's get_info
};

// A progress event (designated initializers would leave fields unnamed, which -Wextra flags).
ProgressEvent progress_event(ProgressKind kind, std::string url, std::string service = {},
                             Msat amount = Msat(), Msat fee = Msat(), std::string message = {});

// kBudgetRefused for the budget refusals, kBadChallenge for the others.
PerformOutcome outcome_for(Refusal refusal);

// Milliseconds since `start` (steady clock).
std::chrono::milliseconds elapsed_since(std::chrono::steady_clock::time_point start);

}  // namespace l402::client
