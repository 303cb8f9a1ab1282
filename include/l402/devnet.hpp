// devnet: a simulated Lightning node inside our own process. NO REAL MONEY: its invoices are
// regtest invoices (`lnbcrt`) that only this node can settle, and its balances are numbers in
// a file.
//
// It behaves like a one-node Lightning network: it signs real BOLT 11 invoices with its own
// secp256k1 key (created on first start, kept in the data directory), settles an invoice of
// its own when one of its payer accounts pays it, and refuses what LND would refuse (unknown
// destination: no route; expired; already paid; insufficient balance; fee above the limit).
// Invoices, payments and balances live in SQLite in the data directory and survive restarts.
//
// DevnetNode is the node; DevnetRestServer puts LND's REST API in front of it (TLS with a
// self-signed certificate and a macaroon per account, written into the data directory as LND
// does), so that any LND client, ours included, can use it; open_devnet_backend() gives the
// in-process Backend the gateway embeds.
//
// Files in the data directory:
//   node.key        the node's secp256k1 private key (mode 0600)
//   devnet.sqlite   invoices, payments, accounts
//   devnet.lock     held (flock) while a node has the directory open: one node per directory
//   macaroon.key    root key of the node's macaroons (mode 0600)
//   admin.macaroon  macaroon of the "default" account (LND's name for the file)
//   <account>.macaroon  one per further account
//   tls.cert, tls.key   the REST server's self-signed certificate (key mode 0600)
//
// Thread safety: DevnetNode and DevnetRestServer may be used from any number of threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "l402/amount.hpp"
#include "l402/bolt11.hpp"
#include "l402/crypto.hpp"
#include "l402/lightning.hpp"
#include "l402/result.hpp"

namespace l402 {

struct DevnetAccount {
  std::string name;  // [a-z0-9_-]{1,32}
  Msat initial_balance;
};

struct DevnetOptions {
  std::filesystem::path data_dir;
  // Accounts created on first start with their balance (an existing account keeps its
  // balance). "default" is always there, with 1 BTC unless listed here.
  std::vector<DevnetAccount> accounts;
  std::string alias = "l402-devnet";
  // Routing fee charged on every payment: base + amount * ppm / 1e6 (rounded up).
  Msat fee_base;
  std::uint32_t fee_ppm = 0;
  // Unix seconds; injected so that tests can move time. Default: the system clock.
  std::function<std::uint64_t()> now;
  // Limits on what one caller can make the node store.
  std::size_t max_memo_bytes = 639;  // BOLT 11's `d` field holds at most 639 bytes
  std::uint64_t max_expiry_seconds = 365ull * 24 * 3600;
};

// One invoice as the node keeps it.
struct DevnetInvoice {
  InvoiceStatus status;
  std::string account;  // the one credited on payment
  Hash256 preimage{};
  Hash256 payment_addr{};  // the payment secret (`s`)
  std::string memo;
  std::optional<Hash256> description_hash;
  std::uint64_t expiry_seconds = 0;
  std::uint64_t cltv_expiry = 0;
  std::uint64_t add_index = 0;  // from 1, in creation order
};

struct DevnetInvoiceRequest {
  std::string account = "default";  // credited when the invoice is paid
  std::optional<Msat> amount;       // nullopt: any-amount invoice
  std::string memo;
  std::optional<Hash256> description_hash;  // writes `h` instead of `d`
  std::optional<Hash256> preimage;          // the node draws one when absent
  std::uint64_t expiry_seconds = 86'400;    // LND's default
  std::uint64_t cltv_expiry = 80;
};

enum class DevnetPaymentStatus { kSucceeded, kFailed };

struct DevnetPayment {
  std::string account;
  Hash256 payment_hash{};
  std::string bolt11;
  DevnetPaymentStatus status = DevnetPaymentStatus::kFailed;
  Hash256 preimage{};  // zero unless succeeded
  Msat amount;
  Msat fee;
  std::optional<PayFailure> failure;  // when failed
  std::string failure_message;
  std::uint64_t created_at = 0;
  std::uint64_t payment_index = 0;  // from 1
};

class DevnetNode {
 public:
  // Creates the data directory (mode 0700) and its files on first start; reopens them after.
  // Errors: kFailedPrecondition for an unusable directory, key file or database,
  // kInvalidArgument for bad options.
  static Result<std::unique_ptr<DevnetNode>> open(const DevnetOptions& options);
  virtual ~DevnetNode() = default;

  virtual NodeInfo info() const = 0;
  virtual const std::filesystem::path& data_dir() const = 0;
  // The file holding the macaroon of `account`; admin.macaroon for "default".
  virtual std::filesystem::path macaroon_path(std::string_view account) const = 0;

  // The account a macaroon (its binary serialization) authorizes. Errors: kUnauthenticated
  // with LND's message ("verification failed: signature mismatch after caveat
  // verification") for a macaroon the node did not mint or one altered since.
  virtual Result<std::string> authenticate(std::span<const std::uint8_t> macaroon) const = 0;

  // Errors: kInvalidArgument (amount of zero, memo too long or not UTF-8, expiry 0 or over
  // the limit, cltv_expiry over 65535; a cltv_expiry of 0 means LND's default, 80),
  // kAlreadyExists ("invoice with payment hash already exists") for a reused preimage,
  // kNotFound for an unknown account.
  virtual Result<DevnetInvoice> add_invoice(const DevnetInvoiceRequest& request) = 0;
  // Errors: kNotFound ("unable to locate invoice"). An open invoice past its expiry is
  // reported kCanceled, as LND cancels it. Open invoices that expired over 24 h ago are
  // deleted from time to time, so that unpaid invoices do not accumulate.
  virtual Result<DevnetInvoice> lookup_invoice(const Hash256& payment_hash) const = 0;
  // Invoices with add_index > after_add_index (ascending add_index), at most `limit`.
  virtual Result<std::vector<DevnetInvoice>> invoices_added_after(std::uint64_t after_add_index,
                                                                  std::size_t limit) const = 0;
  // Settled invoices with settle_index > after_settle_index (ascending), at most `limit`.
  virtual Result<std::vector<DevnetInvoice>> invoices_settled_after(
      std::uint64_t after_settle_index, std::size_t limit) const = 0;

  // Calls `listener` on every invoice added or settled from now on, in index order, on the
  // thread that made the change (after it is durable). Returns an id for unsubscribe().
  // Listeners run one at a time and never under the node's storage lock: a listener may call
  // the node's const methods (lookups, listings, balance, info), but must not call
  // add_invoice, pay, subscribe or unsubscribe (that deadlocks), and should return quickly
  // (the writer that made the change waits for it).
  using InvoiceListener = std::function<void(const DevnetInvoice&)>;
  virtual std::uint64_t subscribe(InvoiceListener listener) = 0;
  // Once it returns, the listener is not running and will not run again.
  virtual void unsubscribe(std::uint64_t id) = 0;

  // Pays from `account`. Always returns the recorded payment (also for failures, which are
  // recorded too, as LND does), except for errors that prevent recording: kNotFound for an
  // unknown account, kInvalidArgument for a string that is not an invoice (LND answers
  // such a request with an error, not a failed payment), kUnavailable for a storage failure.
  // Failures: kInvalidInvoice (another network), kNoRoute (not this node's invoice, or the
  // fee exceeds max_fee), kInvoiceExpired, kAlreadyPaid (an earlier success for this hash
  // from any account), kInsufficientBalance.
  virtual Result<DevnetPayment> pay(std::string_view account, const PayRequest& request) = 0;
  // The latest payment of `account` for this hash. Errors: kNotFound.
  virtual Result<DevnetPayment> lookup_payment(std::string_view account,
                                               const Hash256& payment_hash) const = 0;

  // Errors: kNotFound for an unknown account.
  virtual Result<Msat> balance(std::string_view account) const = 0;
};

// The name of the file holding an account's macaroon in a devnet data directory:
// "admin.macaroon" for "default" (LND's name), "<account>.macaroon" for the others.
std::string devnet_macaroon_file_name(std::string_view account);

// The node as an in-process Backend: invoices and payments of `account` ("default").
// `node` must outlive the backend.
std::unique_ptr<Backend> open_devnet_backend(DevnetNode& node, std::string account = "default");

struct DevnetServerOptions {
  std::string host = "127.0.0.1";  // loopback only: "127.0.0.1", "::1" or "localhost"
  std::uint16_t port = 0;          // 0: a free port chosen by the system
  bool plain_http = false;         // serve HTTP instead of HTTPS (explicit opt-in)
  std::size_t threads = 2;
  std::size_t max_connections = 1024;
  std::size_t max_body_bytes = 64 * 1024;
  std::chrono::milliseconds idle_timeout{60'000};
  // The `version` getinfo reports; LND clients choose their payment API by it.
  std::string reported_version = "0.19.3-beta devnet";
};

// LND's REST API in front of a DevnetNode: GET /v1/getinfo, POST /v1/invoices,
// GET /v1/invoice/{r_hash_str}, GET /v1/invoices/subscribe, POST /v2/router/send,
// GET /v2/router/track/{payment_hash}, GET /v1/payreq/{pay_req}, and the legacy
// POST /v1/channels/transactions. docs/lightning.md lists the fields it fills.
class DevnetRestServer {
 public:
  // Writes tls.cert/tls.key into the node's data directory when missing (ECDSA P-256,
  // self-signed, for localhost, 127.0.0.1 and ::1), binds and starts serving.
  // Errors: kInvalidArgument (non-loopback host), kUnavailable (cannot bind).
  static Result<std::unique_ptr<DevnetRestServer>> start(DevnetNode& node,
                                                         const DevnetServerOptions& options);
  // Stops accepting, closes every connection (ending streams) and joins the threads.
  virtual ~DevnetRestServer() = default;

  virtual std::uint16_t port() const = 0;
  // "https://127.0.0.1:<port>" (or http://).
  virtual std::string url() const = 0;
  virtual std::filesystem::path tls_cert_path() const = 0;
};

}  // namespace l402
