// SubscribeInvoices for one account, without sockets: replays what the subscriber missed,
// then forwards the node's live events, in order and without duplicates. Private to
// src/devnet/rest/.
//
// LND's rules: with add_index > 0, first every invoice added after it; with settle_index > 0,
// then every invoice settled after it; then live add (OPEN) and settle (SETTLED) events.
// Events are only those of the subscription's account.
//
// Thread safety: the sink is called with the feed's mutex held, from start() (the replay) and
// then from the node's thread that changed an invoice; it must only queue (never block, never
// call back into the feed or the node). Destroying the feed unsubscribes; once the destructor
// returns the sink is not running and will not be called again.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "l402/devnet.hpp"
#include "l402/result.hpp"

namespace l402::devnet_rest {

class InvoiceFeed {
 public:
  using Sink = std::function<void(const DevnetInvoice& invoice)>;

  // Subscribes to `node`, then replays through `sink` before returning. Errors: those of the
  // node's replay queries (the feed is then not subscribed).
  static Result<std::unique_ptr<InvoiceFeed>> start(DevnetNode& node, std::string account,
                                                    std::uint64_t add_index,
                                                    std::uint64_t settle_index, Sink sink);
  ~InvoiceFeed();
  InvoiceFeed(const InvoiceFeed&) = delete;
  InvoiceFeed& operator=(const InvoiceFeed&) = delete;

 private:
  // Shared with the node's listener, which may outlive nothing: the destructor unsubscribes.
  struct State {
    std::mutex mu;
    bool replayed = false;             // guarded by mu
    std::vector<DevnetInvoice> early;  // live events that arrived during the replay; by mu
    std::uint64_t last_add = 0;        // highest add_index delivered; by mu
    std::uint64_t last_settle = 0;     // highest settle_index delivered; by mu
    std::string account;               // const after construction
    Sink sink;                         // const after construction
    void deliver_if_new(const DevnetInvoice& invoice);  // requires mu
  };

  InvoiceFeed(DevnetNode& node, std::shared_ptr<State> state)
      : node_(node), state_(std::move(state)) {}

  DevnetNode& node_;
  std::shared_ptr<State> state_;
  std::uint64_t subscription_ = 0;
};

}  // namespace l402::devnet_rest
