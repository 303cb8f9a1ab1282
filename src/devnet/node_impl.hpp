// The DevnetNode implementation: state, locking and the rules of invoices and payments.
// DevnetNode::open (node_open.cpp) assembles one from the data directory.
//
// Locking: store_mutex_ serializes every use of the SQLite connection, and so every read and
// change of invoices, payments and balances; it is held for the database work only (invoices
// are signed before it is taken). Events go to listeners through an InvoiceNotifier after the
// lock is released, in commit order; see invoice_notifier.hpp for what a listener may call.
//
// Invoices with a preimage the node drew are queued in the store (node_store.hpp) and
// written within kQueueWindow by a thread of the node's, or sooner by whatever reads or
// writes invoices next: one commit for many challenges.
//
// Housekeeping: every kPruneEveryAdds invoices, add_invoice deletes up to kPruneBatch OPEN
// invoices that expired more than kPruneGraceSeconds ago (and open() deletes all of them), so
// that unpaid invoices (a gateway mints one per challenge) do not grow the database without
// bound. Twice as many deletions as additions are allowed, so pruning keeps up with any rate
// of adds. Settled invoices and payments are kept.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "invoice_notifier.hpp"
#include "l402/devnet.hpp"
#include "l402/secret.hpp"
#include "node_files.hpp"
#include "node_macaroons.hpp"
#include "node_store.hpp"

namespace l402::devnet {

inline constexpr std::uint64_t kPruneEveryAdds = 500;
inline constexpr std::size_t kPruneBatch = 1'000;
inline constexpr std::uint64_t kPruneGraceSeconds = 24 * 3600;
inline constexpr std::chrono::milliseconds kQueueWindow{20};

// What open() hands to the node.
struct NodeParts {
  explicit NodeParts(DirectoryLock lock) : directory_lock(std::move(lock)) {}
  DirectoryLock directory_lock;
  DevnetOptions options;
  SecretBytes node_key;
  PublicKey node_id{};
  std::unique_ptr<NodeMacaroons> macaroons;
  std::unique_ptr<NodeStore> store;
  std::set<std::string, std::less<>> accounts;
};

class DevnetNodeImpl final : public DevnetNode {
 public:
  explicit DevnetNodeImpl(NodeParts parts);
  ~DevnetNodeImpl() override;
  DevnetNodeImpl(const DevnetNodeImpl&) = delete;
  DevnetNodeImpl& operator=(const DevnetNodeImpl&) = delete;

  NodeInfo info() const override;
  const std::filesystem::path& data_dir() const override { return options_.data_dir; }
  std::filesystem::path macaroon_path(std::string_view account) const override;
  Result<std::string> authenticate(std::span<const std::uint8_t> macaroon) const override;

  Result<DevnetInvoice> add_invoice(const DevnetInvoiceRequest& request) override;
  Result<DevnetInvoice> lookup_invoice(const Hash256& payment_hash) const override;
  Result<std::vector<DevnetInvoice>> invoices_added_after(std::uint64_t after_add_index,
                                                          std::size_t limit) const override;
  Result<std::vector<DevnetInvoice>> invoices_settled_after(std::uint64_t after_settle_index,
                                                            std::size_t limit) const override;

  std::uint64_t subscribe(InvoiceListener listener) override;
  void unsubscribe(std::uint64_t id) override;

  Result<DevnetPayment> pay(std::string_view account, const PayRequest& request) override;
  Result<DevnetPayment> lookup_payment(std::string_view account,
                                       const Hash256& payment_hash) const override;
  Result<Msat> balance(std::string_view account) const override;

 private:
  std::uint64_t now() const;
  bool has_account(std::string_view account) const { return accounts_.contains(account); }
  // The invoice as LND would report it at `now`: an open invoice past its expiry is canceled.
  static DevnetInvoice as_reported(DevnetInvoice invoice, std::uint64_t now);
  // Deletes a batch of long-expired open invoices when kPruneEveryAdds adds have passed.
  // Requires: store_mutex_ held.
  void prune_if_due(std::uint64_t now);
  // The payment part of pay() that needs the store. Requires: store_mutex_ held.
  Result<DevnetPayment> settle_locked(DevnetPayment payment, const Invoice& decoded,
                                      const PayRequest& request, DevnetInvoice& settled);
  // The queue writer's loop: writes the store's queued invoices kQueueWindow after the first
  // one arrives, until stopping_.
  void write_queue_until_stopped();
  // Records `payment` as failed. Requires: store_mutex_ held.
  Result<DevnetPayment> record_failure(DevnetPayment payment, PayFailure failure,
                                       std::string_view message);

  // Constant after construction.
  const DirectoryLock directory_lock_;
  const DevnetOptions options_;
  const SecretBytes node_key_;
  const PublicKey node_id_;
  const std::unique_ptr<const NodeMacaroons> macaroons_;
  const std::set<std::string, std::less<>> accounts_;
  const std::uint64_t created_at_;

  // Provides its own synchronization.
  InvoiceNotifier notifier_;

  mutable std::mutex store_mutex_;
  // Guarded by store_mutex_.
  const std::unique_ptr<NodeStore> store_;
  std::uint64_t adds_since_prune_ = 0;
  bool stopping_ = false;
  std::condition_variable queue_started_;  // the store's queue was empty and is not
  // Declared last: it starts once everything above is constructed.
  std::thread queue_writer_;
};

}  // namespace l402::devnet
