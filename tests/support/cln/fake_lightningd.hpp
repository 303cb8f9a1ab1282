// FakeLightningd: a small simulated Core Lightning node behind a real JSON-RPC unix socket,
// for testing CLN clients against the shapes CLN documents (doc/schemas/*.json) without a
// lightningd. NO REAL MONEY: its invoices are regtest invoices only this node can settle.
//
// What it answers (JSON-RPC 2.0, named or positional params, unknown params refused with
// -32602 as lightningd does; each reply a JSON object followed by "\n\n"):
//   getinfo          id, alias, version, blockheight, network "regtest", ... and the
//                    warning_*_sync fields while not `synced`.
//   invoice          a BOLT 11 invoice signed with the node's own key (fields p, s, d, x, c,
//                    9); amount_msat may be "any"; duplicate label → 900, reused preimage →
//                    901, bad params → -32602.
//   listinvoices     by label, invstring or payment_hash (or all); status unpaid/paid/expired.
//   waitinvoice      blocks until paid (the invoice) or expired (903); unknown label → -1.
//   waitanyinvoice   the next invoice paid with pay_index > lastpay_index, blocking up to
//                    `timeout` seconds (then 904).
//   xpay / pay       settle the node's OWN invoices (it is payer and payee at once): another
//                    payee → 205, unknown hash → 203, expired → 207, fee above maxfee → 206,
//                    amount + fee above the balance → 215. Paying an invoice this node paid
//                    before: xpay → 219; pay → the first payment's success again (as CLN's
//                    pay plugin does). Paying an invoice someone else paid → 203.
//   listpays         this node's payments, by payment_hash or bolt11.
// msat fields are JSON integers, or "<n>msat" strings with `legacy_msat_strings` (CLN
// before about v23).
//
// Every other reply is written in three pieces (splitting the "\n\n" terminator too), so
// clients must read incrementally; `split_replies` turns that off.
//
// Fault injection, for a method or for all: stall (read the request, never answer), a
// malformed JSON reply, closing the connection halfway through the reply, a chosen RPC
// error, and no xpay (-32601, as lightningd before v24.11 answers).
//
// stop_serving() and resume_serving() model a restart of lightningd on the same socket
// path: every connection closes, the node's invoices and payments remain.
//
// Thread safety: every method may be called from any thread; the node serves each
// connection on a thread of its own. The destructor stops serving and joins every thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "l402/amount.hpp"
#include "l402/authority.hpp"
#include "l402/bolt11.hpp"
#include "l402/crypto.hpp"
#include "l402/result.hpp"
#include "l402/secret.hpp"

namespace l402::test {

struct FakeLightningdOptions {
  // Where to listen (at most 107 bytes; keep it short, e.g. under /tmp). A stale socket file
  // there is replaced.
  std::string socket_path;
  std::string alias = "l402-fake-cln";
  std::string version = "v25.02";
  std::uint32_t block_height = 800'000;
  // False adds warning_bitcoind_sync to getinfo, as lightningd does while catching up.
  bool synced = true;
  // What xpay/pay may spend: amount + fee of each payment is taken from it.
  Msat balance{100'000'000'000};  // 1 BTC
  // Fee of every payment: fee_base + ceil(amount * fee_ppm / 1e6).
  Msat fee_base{0};
  std::uint32_t fee_ppm = 0;
  bool legacy_msat_strings = false;
  bool split_replies = true;
  bool xpay_available = true;
};

enum class FakeFault {
  kNone,
  kStall,          // read the request, never answer (the connection stays open)
  kMalformedJson,  // answer with a truncated JSON object, properly terminated by "\n\n"
  kCloseMidReply,  // write half of the real reply, then close the connection
};

class FakeLightningd {
 public:
  // Creates the node (a fresh random key) and starts serving. Errors: kInvalidArgument for a
  // bad socket path, kUnavailable when the socket cannot be bound.
  static Result<std::unique_ptr<FakeLightningd>> start(FakeLightningdOptions options);
  ~FakeLightningd();
  FakeLightningd(const FakeLightningd&) = delete;
  FakeLightningd& operator=(const FakeLightningd&) = delete;

  const PublicKey& node_id() const { return node_id_; }
  const std::string& socket_path() const { return options_.socket_path; }

  // ---- The node ---------------------------------------------------------------------

  // An invoice of this node, as the `invoice` method makes it (label "fake-<n>").
  Result<IssuedInvoice> add_invoice(std::optional<Msat> amount, const std::string& description,
                                    std::uint64_t expiry_seconds = 3600);
  // Settles one of the node's invoices as if a remote payer had paid it (default: its
  // amount; required for an "any" invoice). Returns its pay_index. Errors: kNotFound,
  // kFailedPrecondition (paid or expired), kInvalidArgument (no amount).
  Result<std::uint64_t> settle_invoice(const Hash256& payment_hash,
                                       std::optional<Msat> amount = std::nullopt);
  // The node's clock is the system clock plus this offset (for expiry tests).
  void advance_clock(std::chrono::seconds by);
  std::uint64_t now() const;
  Msat balance() const;
  void set_fee(Msat base, std::uint32_t ppm);
  void set_synced(bool synced);

  // ---- Faults -------------------------------------------------------------------------

  // Applies `fault` to `method`, or to every method when `method` is empty.
  void set_fault(FakeFault fault, const std::string& method = "");
  // Answers `method` with this RPC error until clear_faults().
  void set_method_error(const std::string& method, std::int64_t code, const std::string& message);
  void clear_faults();
  // False: xpay answers -32601 "Unknown command 'xpay'".
  void set_xpay_available(bool available);

  // ---- Serving ------------------------------------------------------------------------

  // Closes the socket and every connection (waking blocked waits) and removes the socket
  // file. The node's state is kept. Idempotent.
  void stop_serving();
  // Listens on the same path again. Errors: kUnavailable.
  Result<void> resume_serving();

  // Connections accepted since start.
  std::size_t connections_accepted() const { return connections_accepted_.load(); }
  // The methods of the requests received, in order (including those answered with faults).
  std::vector<std::string> methods_called() const;

 private:
  struct Invoice;
  struct Payment;
  struct Reply;

  FakeLightningd(FakeLightningdOptions options, SecretBytes key, PublicKey node_id);

  void accept_loop();
  void serve(int fd);
  // Writes `reply` (maybe in pieces). False when the peer is gone.
  bool send_reply(int fd, const std::string& reply);
  // Waits until the peer closes the connection or serving stops (a stalled request).
  void stall(int fd);

  Reply handle(const nlohmann::json& request);
  Reply dispatch(const std::string& method, const nlohmann::json& params);
  Reply do_getinfo(const nlohmann::json& params);
  Reply do_invoice(const nlohmann::json& params);
  Reply do_listinvoices(const nlohmann::json& params);
  Reply do_waitinvoice(const nlohmann::json& params);
  Reply do_waitanyinvoice(const nlohmann::json& params);
  Reply do_pay(const nlohmann::json& params, bool xpay);
  Reply do_listpays(const nlohmann::json& params);

  // Requires mutex_ held.
  Result<IssuedInvoice> create_invoice_locked(std::optional<Msat> amount, const std::string& label,
                                              const std::string& description, std::uint64_t expiry,
                                              std::optional<Hash256> preimage, std::uint32_t cltv);
  nlohmann::json invoice_json(const Invoice& invoice) const;
  nlohmann::json payment_json(const Payment& payment) const;
  nlohmann::json msat_json(Msat amount) const;
  std::string status_of(const Invoice& invoice) const;
  Invoice* find_invoice(const Hash256& payment_hash);
  std::uint64_t mark_paid(Invoice& invoice, Msat amount);

  // Constant after construction.
  const SecretBytes node_key_;
  const PublicKey node_id_;

  std::atomic<std::int64_t> clock_offset_seconds_ = 0;
  std::atomic<std::size_t> connections_accepted_ = 0;
  std::atomic<std::uint64_t> replies_sent_ = 0;

  // The node's state, its options and its faults.
  mutable std::mutex mutex_;
  std::condition_variable changed_;  // an invoice was paid, or serving stopped
  FakeLightningdOptions options_;
  std::vector<std::unique_ptr<Invoice>> invoices_;
  std::vector<Payment> payments_;
  std::uint64_t next_pay_index_ = 1;
  std::uint64_t next_updated_index_ = 1;
  std::map<std::string, FakeFault> faults_;  // "" applies to every method
  std::map<std::string, std::pair<std::int64_t, std::string>> method_errors_;
  std::vector<std::string> methods_called_;
  bool serving_ = false;

  // The serving machinery: the listening socket, open connections and their threads.
  std::mutex serve_mutex_;
  int listen_fd_ = -1;                // guarded by serve_mutex_
  std::set<int> open_fds_;            // guarded by serve_mutex_
  std::thread accept_thread_;         // guarded by serve_mutex_
  std::vector<std::thread> threads_;  // guarded by serve_mutex_
};

}  // namespace l402::test
