// The buyer's HTTP client: requests that pay for themselves within a budget.
//
// The first part is the HTTP vocabulary shared by l402::Client and its transport (libcurl,
// private): a request whose body can be sent again (memory or a file re-read from disk), the
// head of a response, and sinks that receive a body as it arrives, chosen only once the head
// is known (so that a 402's body never reaches the user's output file). The second part is
// l402::Client, which sends a request with a stored token, and on a 402 checks the challenge
// against the purchase policy (purchase_policy.hpp), pays through a Lightning Backend with the
// purchase journalled first (client_store.hpp), and sends the same request again. The same
// purchase logic serves other protocols through token_for() and buy() (the gRPC interceptor,
// grpc_client.hpp).
//
// Thread safety: the value types are plain values; a sink is used by one thread at a time; a
// Client by one thread at a time (several Clients, in one process or many, may share a data
// directory).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "l402/amount.hpp"
#include "l402/bolt11.hpp"
#include "l402/client_store.hpp"
#include "l402/crypto.hpp"
#include "l402/lightning.hpp"
#include "l402/purchase_policy.hpp"
#include "l402/result.hpp"

namespace l402 {

// ---- Requests and responses ------------------------------------------------------------

struct HttpHeader {
  std::string name;
  std::string value;
};

// What a request sends after its head. Copies are cheap (the bytes are shared), and sending
// again starts from the beginning: a file is opened afresh each time, never read into memory.
class RequestBody {
 public:
  enum class Kind { kNone, kMemory, kFile };

  RequestBody() = default;  // no body
  static RequestBody memory(std::string bytes);
  // The file is opened, measured and streamed when the request is sent; reading errors are
  // reported then (kNotFound, kPermissionDenied, kInvalidArgument for a directory).
  static RequestBody file(std::filesystem::path path);

  Kind kind() const { return kind_; }
  // Requires: kind() == kMemory.
  std::string_view bytes() const;
  // Requires: kind() == kFile.
  const std::filesystem::path& path() const;

 private:
  Kind kind_ = Kind::kNone;
  std::shared_ptr<const std::string> bytes_;
  std::filesystem::path path_;
};

struct HttpRequest {
  std::string method = "GET";  // a token: letters, digits and !#$%&'*+-.^_`|~
  std::string url;             // absolute http:// or https:// URL
  // Sent in order after the transport's own (Host, Content-Length). An Authorization or
  // Cookie field goes only to the URL's origin, never to another one after a redirect.
  std::vector<HttpHeader> headers;
  RequestBody body;
};

struct ResponseHead {
  int status = 0;
  std::string reason;               // the status line's reason phrase, possibly empty
  std::vector<HttpHeader> headers;  // as received, in order; folded lines joined by a space

  // Values of every field named `name` (case-insensitive), in order. The views point into
  // this object.
  std::vector<std::string_view> values(std::string_view name) const;
  // The first such value.
  std::optional<std::string_view> value(std::string_view name) const;
};

// Receives one response body. The transport calls begin() once with the head of the response
// whose body follows, then write() for each piece in order. An error from either stops the
// transfer, and the request fails with that error.
class BodySink {
 public:
  virtual ~BodySink() = default;
  virtual Result<void> begin(const ResponseHead& head) = 0;
  virtual Result<void> write(std::string_view bytes) = 0;
};

// Keeps a body in memory, at most `limit` bytes: beyond it, either the rest is dropped
// (kTruncate; truncated() tells) or the transfer fails with kLimitExceeded (kFail).
class MemorySink final : public BodySink {
 public:
  enum class Overflow { kTruncate, kFail };
  explicit MemorySink(std::size_t limit = 1024 * 1024, Overflow overflow = Overflow::kFail)
      : limit_(limit), overflow_(overflow) {}

  Result<void> begin(const ResponseHead& head) override;
  Result<void> write(std::string_view bytes) override;

  const std::string& data() const { return data_; }
  bool truncated() const { return truncated_; }
  const std::optional<ResponseHead>& head() const { return head_; }

 private:
  std::size_t limit_;
  Overflow overflow_;
  std::string data_;
  bool truncated_ = false;
  std::optional<ResponseHead> head_;
};

// Writes a body to `path`, which is created (mode 0666 less the umask) or truncated only in
// begin(): a request that fails before its body leaves an existing file alone. Write errors
// (disk full) are kUnavailable naming the file.
std::unique_ptr<BodySink> make_file_sink(std::filesystem::path path);

// Writes a body to an open descriptor (e.g. STDOUT_FILENO), which it does not close.
std::unique_ptr<BodySink> make_descriptor_sink(int fd);

// ---- Transport options -----------------------------------------------------------------

enum class VerboseKind {
  kInfo,          // what libcurl says it does ("Connected to ...")
  kRequestLine,   // a line of a request head sent, Authorization values redacted
  kResponseLine,  // a line of a response head received
};

// Gets each line without its line ending. Runs on the calling thread, inside the request.
using VerboseHook = std::function<void(VerboseKind kind, std::string_view line)>;

// HTTP/1.1 only; no proxy (whatever http_proxy and the like say); no content encoding asked.
struct HttpOptions {
  // Until the connection (TLS included) is up.
  std::chrono::milliseconds connect_timeout{10'000};
  // The whole exchange, redirects included; 0: no limit (a large download may take long).
  std::chrono::milliseconds total_timeout{0};
  // Fails a transfer that moves no byte for this long (whole seconds); 0: no limit.
  std::chrono::milliseconds idle_timeout{60'000};
  // The head of one response (status line and fields), in bytes.
  std::size_t max_header_bytes = 64 * 1024;
  // Follows 301, 302, 303, 307 and 308 (303, and 301/302 after POST, continue as GET without
  // the body; 307 and 308 send the body again), at most max_redirects times.
  bool follow_redirects = false;
  int max_redirects = 10;
  // The certificates trusted for https (a PEM file); empty: the system's store.
  std::filesystem::path ca_file;
  // Skips verifying the server's certificate and name. Only for tests against self-signed
  // servers: anybody on the path can then read and change the exchange.
  bool insecure = false;
  std::string user_agent = "l402-client/0.1";
  VerboseHook verbose;  // none when empty
};

// ---- The paying client ----------------------------------------------------------------

enum class ProgressKind {
  kRecovered,   // a purchase left pending by an earlier run was settled one way or the other
  kChallenged,  // a 402 with a challenge: from `url`, for `service`, at `amount`
  kRefused,     // the policy will not pay it: `message` says why
  kWouldPay,    // dry run: what would be paid
  kPaying,      // asking the wallet to pay `amount` (fee at most `fee`)
  kPaid,        // paid `amount` + `fee` in `elapsed`
  kRetrying,    // sending the request again with the new token
  kStatus,      // the final answer: `status`
};

struct ProgressEvent {
  ProgressKind kind = ProgressKind::kStatus;
  std::string url;      // the URL concerned (the one that answered 402, or the final one)
  std::string service;  // from the token's `services` caveat; may be empty
  Msat amount;
  Msat fee;  // kPaying: the most it may be; kPaid: what was paid
  std::chrono::milliseconds elapsed{0};
  int status = 0;
  std::string message;  // a sentence for people; never a secret
};

// Runs on the calling thread, inside perform().
using ProgressHook = std::function<void(const ProgressEvent& event)>;

struct ClientOptions {
  // The token store and ledger (ClientStore::open: created 0700 when missing).
  std::filesystem::path data_dir;
  // The chain the wallet pays on; invoices for another are refused. nullopt: asked from the
  // wallet (get_info) before the first payment.
  std::optional<Network> wallet_network;
  Budget budget;
  HttpOptions http;
  // The wallet's time limit for one payment.
  std::chrono::milliseconds payment_timeout{60'000};
  // The body of a 402 kept for the report (the rest is dropped); it never reaches the sink.
  std::size_t max_challenge_body_bytes = 64 * 1024;
  // Plan but do not pay: a 402 that would be paid ends with PerformOutcome::kDryRun.
  bool dry_run = false;
  ProgressHook progress;  // none when empty
  // Unix seconds: budgets' UTC days, token and invoice expiry. Default: the system clock.
  std::function<std::int64_t()> now;
  ClientStoreOptions store;
};

enum class PerformOutcome {
  kDone,             // the server answered (any status but a 402 we were asked to pay)
  kDryRun,           // dry_run: a 402 the policy would pay; nothing paid
  kBudgetRefused,    // over max_price or a daily budget; nothing paid
  kBadChallenge,     // no usable challenge, hash mismatch, wrong network, expired; nothing paid
  kPaymentFailed,    // the wallet could not pay (or tell its network); nothing spent
  kPaymentLoop,      // the server answered 402 to the token just bought; no second payment
  kPurchasePending,  // a payment to this origin is still in flight; not paid again
  kHttpError,        // transport: connect, TLS, timeout, limits, body file, sink
  kStoreError,       // the token store failed
};

// "done", "dry_run", "budget_refused", "bad_challenge", "payment_failed", "payment_loop",
// "purchase_pending", "http_error", "store_error".
std::string_view perform_outcome_name(PerformOutcome outcome);

// A purchase planned (and, when `paid`, made) during one perform().
struct PurchaseInfo {
  std::string origin;
  std::string service;
  std::string token_id;  // 64 hex digits
  Hash256 payment_hash{};
  Msat amount;
  Msat max_fee;  // the limit given to the wallet
  Msat fee;      // paid; zero unless `paid`
  bool paid = false;
};

struct PerformResult {
  PerformOutcome outcome = PerformOutcome::kDone;
  // Why, when outcome is not kDone or kDryRun (kDone may carry none).
  std::optional<Error> error;
  std::optional<Refusal> refusal;  // kBudgetRefused, kBadChallenge
  int status = 0;                  // of the last answer; 0 when none came
  ResponseHead head;               // of the last answer
  std::string url;                 // that gave it (after redirects)
  // The body of a last answer that was a 402 (at most max_challenge_body_bytes).
  std::string challenge_body;
  std::optional<PurchaseInfo> purchase;
  // The token sent with the last request, if one of ours was.
  std::optional<std::string> token_id;
  std::uint64_t body_bytes = 0;               // given to the sink
  std::chrono::milliseconds request_time{0};  // in HTTP exchanges, all attempts
  std::chrono::milliseconds payment_time{0};  // waiting for the wallet
};

// What Client::buy() did with a challenge that came by another protocol than HTTP.
struct PurchaseResult {
  // kDone: `token` holds the token bought. Otherwise kDryRun, kBudgetRefused, kBadChallenge,
  // kPaymentFailed, kPaymentLoop, kPurchasePending, kHttpError (an unusable URL) or
  // kStoreError, as for perform(); nothing was paid unless `purchase->paid`.
  PerformOutcome outcome = PerformOutcome::kDone;
  std::optional<Error> error;      // why, when outcome is not kDone
  std::optional<Refusal> refusal;  // kBudgetRefused, kBadChallenge
  std::optional<PurchaseInfo> purchase;
  std::optional<StoredToken> token;           // kDone; holds a secret (the preimage)
  std::chrono::milliseconds payment_time{0};  // waiting for the wallet
};

struct RecoveryReport {
  std::size_t completed = 0;  // the wallet had paid: tokens stored
  std::size_t failed = 0;     // the payment failed or never happened: records closed
  std::size_t in_flight = 0;  // still undecided (or the wallet unreachable): left pending
};

class Client {
 public:
  // Opens the store in options.data_dir. `wallet` pays and looks payments up. Errors: those
  // of ClientStore::open; kInternal when libcurl cannot be initialised.
  static Result<std::unique_ptr<Client>> open(ClientOptions options,
                                              std::unique_ptr<Backend> wallet);
  virtual ~Client() = default;

  // Sends `request`, paying for it when needed; the body of the final answer goes to `sink`
  // (never a 402's, kept in PerformResult::challenge_body, except as said in 2). In order:
  //   1. recover_pending();
  //   2. send, with the best stored token for the URL's origin and path (select_token) on each
  //      hop; a request carrying its own Authorization gets no token at its origin and its
  //      402 is not paid (it is the final answer, kDone);
  //   3. on a 402: the token sent (if any) is marked stale; the challenges are planned against
  //      the budget and today's spending; a refusal ends here; with a payment to that origin
  //      pending, kPurchasePending; else begin_purchase (durable), pay, complete_purchase
  //      (or fail_purchase; an unclear failure is looked up, and left pending if in flight);
  //   4. the same request again (same body), now with the new token; a 402 to it is
  //      kPaymentLoop. At most one payment per perform().
  // An error in the sink or body file ends with kHttpError; a payment made before is in
  // `purchase` all the same.
  virtual PerformResult perform(const HttpRequest& request, BodySink& sink) = 0;

  // Settles the purchases a crash or kill left pending, by asking the wallet what became of
  // each payment (lookup_payment): succeeded -> complete_purchase; failed or unknown ->
  // fail_purchase; in flight (or the wallet unreachable) -> left pending, and never paid again
  // while it is. Errors: the store's.
  virtual Result<RecoveryReport> recover_pending() = 0;

  // ---- The purchase logic for other protocols (gRPC: grpc_client.hpp)
  //
  // Such a protocol names what it calls with an http:// or https:// URL (gRPC:
  // "http://host:port/package.Service/Method"), so that tokens are kept per origin and path
  // scope exactly as for HTTP.

  // The best stored token to send to `url` (select_token: its origin, not stale, not about to
  // expire, the narrowest path scope), or nullopt. Errors: kInvalidArgument / kLimitExceeded
  // for a bad URL; the store's.
  virtual Result<std::optional<StoredToken>> token_for(std::string_view url) = 0;

  // Steps 1 and 3 of perform() for a challenge that `url` answered with (`www_authenticate`:
  // the values of every WWW-Authenticate field, or of the metadata standing for it):
  // recover_pending(); the token `stale_token_id` (the one sent, which the server refused) is
  // marked stale; the challenges are planned against the budget; with a payment to that origin
  // pending, kPurchasePending; else the purchase is journalled, paid and stored. Progress
  // events as for perform() (no kRetrying or kStatus: the caller retries).
  virtual PurchaseResult buy(std::string_view url,
                             const std::vector<std::string_view>& www_authenticate,
                             std::optional<std::string_view> stale_token_id) = 0;

  // The token store and ledger the client uses (for listing tokens, spending, imports).
  virtual ClientStore& store() = 0;
};

}  // namespace l402
