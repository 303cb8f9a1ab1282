// The devnet node's state in SQLite (devnet.sqlite): accounts and their balances, invoices,
// payments, and the schema version. Private to src/devnet/.
//
// Durability: WAL with synchronous=NORMAL. A commit survives a crash of the process (it is
// in the WAL file, which the OS holds), but the last commits may be lost if the machine
// itself loses power. That is acceptable for a simulation whose money is not real, and it
// keeps a commit free of fsync, which add_invoice's rate depends on.
//
// New invoices with a preimage the node drew can be queued (queue_invoice) and written
// together in one transaction: a commit per invoice cost as much as the rest of a gateway's
// challenge. Every read or write that involves invoices writes the queue first, so nothing
// can tell queued from written invoices, except a crash of the process, which loses the
// invoices still queued: unpaid ones only, since paying one writes it first.
//
// Indexes, each from 1 and never reused: add_index continues from the largest one given
// (kept in devnet_meta before pruning deletes invoices, since the newest may go, and reserved
// there in blocks for queued invoices, since a crash may lose them);
// settle_index and payment_index from the largest stored (settled invoices and payments are
// never deleted). Counting in memory instead of AUTOINCREMENT spares a page write per
// invoice.
//
// Checkpoints run on a thread of their own (wal_checkpointer.hpp).
//
// Thread safety: none. The node serializes every call behind its own mutex; one connection
// serves them all, with its prepared statements cached.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "l402/amount.hpp"
#include "l402/crypto.hpp"
#include "l402/devnet.hpp"
#include "l402/result.hpp"
#include "store/sqlite_db.hpp"
#include "wal_checkpointer.hpp"

namespace l402::devnet {

// The writes of one successful payment, applied in one transaction.
struct Settlement {
  std::string payer;
  Msat payer_balance_after;
  std::string payee;  // may be the payer
  Msat payee_balance_after;
  Hash256 payment_hash{};
  Msat amount_paid;
  std::uint64_t settled_at = 0;
  std::uint64_t settle_index = 0;
};

// Invoices queued at most before they are written (NodeStore::queue_invoice).
inline constexpr std::size_t kMaxQueuedInvoices = 256;
// Add indexes reserved at a time for queued invoices (one write per block): a crash skips
// what is left of the block, so an index returned for a lost invoice is never given again.
inline constexpr std::uint64_t kAddIndexBlock = 4096;

class NodeStore {
 public:
  // Opens (creating when missing) the database, checks it is usable and creates or checks
  // the schema. `now` is recorded as the node's creation time on first open. Errors:
  // kFailedPrecondition (unusable file, schema newer than this build), kUnavailable.
  static Result<std::unique_ptr<NodeStore>> open(const std::filesystem::path& file,
                                                 std::uint64_t now);

  // Unix seconds of the first open.
  std::uint64_t created_at() const { return created_at_; }
  // The largest settle_index given so far (0 when none).
  std::uint64_t last_settle_index() const { return last_settle_index_; }

  // Creates `name` with `initial_balance` unless it exists (then its balance is kept).
  Result<void> ensure_account(std::string_view name, Msat initial_balance);
  Result<std::vector<std::string>> account_names();
  // nullopt for an unknown account.
  Result<std::optional<Msat>> balance(std::string_view account);

  // Writes the queued invoices, closes the database.
  ~NodeStore();

  // Inserts a new invoice and sets its add_index. Errors: kAlreadyExists for a payment hash
  // that is there already.
  Result<void> insert_invoice(DevnetInvoice& invoice);
  // Queues a new invoice for write_queued_invoices() and sets its add_index; writes the queue
  // first when it holds kMaxQueuedInvoices. Requires: a payment hash no invoice can have
  // (the node's random preimages), since it is not checked here.
  Result<void> queue_invoice(DevnetInvoice& invoice);
  // Writes every queued invoice in one transaction; on error they stay queued.
  Result<void> write_queued_invoices();
  bool has_queued_invoices() const { return !queued_.empty(); }
  Result<std::optional<DevnetInvoice>> find_invoice(const Hash256& payment_hash);
  Result<std::vector<DevnetInvoice>> invoices_added_after(std::uint64_t add_index,
                                                          std::size_t limit);
  Result<std::vector<DevnetInvoice>> invoices_settled_after(std::uint64_t settle_index,
                                                            std::size_t limit);
  // Deletes at most `limit` OPEN invoices whose expiry time is before `cutoff`; returns how
  // many went.
  Result<std::size_t> delete_open_invoices_expired_before(std::uint64_t cutoff, std::size_t limit);

  // Debits, credits, settles the invoice and records `payment` (succeeded) in one
  // transaction; sets payment.payment_index. Requires: settlement.settle_index ==
  // last_settle_index() + 1.
  Result<void> apply_settlement(const Settlement& settlement, DevnetPayment& payment);
  // Records a failed payment; sets its payment_index.
  Result<void> record_payment(DevnetPayment& payment);
  // The payment of `account` for this hash with the largest payment_index.
  Result<std::optional<DevnetPayment>> latest_payment(std::string_view account,
                                                      const Hash256& payment_hash);

 private:
  explicit NodeStore(std::unique_ptr<sqlite::Connection> connection) : db_(std::move(connection)) {}
  Result<void> create_schema(std::uint64_t now);
  Result<void> load_counters();
  Result<void> set_balance(std::string_view account, Msat balance);
  Result<void> insert_payment(DevnetPayment& payment);
  Result<void> insert_row(const DevnetInvoice& invoice);
  // devnet_meta's add_index_floor: no add_index up to it is given again after a reopen.
  Result<void> write_add_index_floor(std::uint64_t floor);

  std::unique_ptr<sqlite::Connection> db_;
  // Declared after db_ so that it stops before the connection closes.
  std::unique_ptr<WalCheckpointer> checkpointer_;
  std::uint64_t created_at_ = 0;
  std::uint64_t last_add_index_ = 0;
  std::uint64_t last_settle_index_ = 0;
  std::vector<DevnetInvoice> queued_;  // add_index from last written + 1 to last_add_index_
  // The add_index_floor stored: queue_invoice() stores a higher one before going past it.
  std::uint64_t reserved_add_index_ = 0;
};

}  // namespace l402::devnet
