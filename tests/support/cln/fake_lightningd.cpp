#include "cln/fake_lightningd.hpp"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>
#include <utility>

#include "cln/fake_lightningd_internal.hpp"

namespace l402::test {

using fake_lightningd_internal::kDefaultCltv;
using fake_lightningd_internal::kTick;
using nlohmann::json;

namespace {

// The length of the complete JSON object at the front of `buffer` (which starts with '{'),
// or 0 while it is incomplete. lightningd reads requests as consecutive JSON objects with
// no delimiter, so the braces are counted, skipping strings.
std::size_t object_length(std::string_view buffer) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < buffer.size(); ++i) {
    const char c = buffer[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return 0;
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

}  // namespace

// ---- Lifecycle --------------------------------------------------------------------------

FakeLightningd::FakeLightningd(FakeLightningdOptions options, SecretBytes key, PublicKey node_id)
    : node_key_(std::move(key)), node_id_(node_id), options_(std::move(options)) {}

Result<std::unique_ptr<FakeLightningd>> FakeLightningd::start(FakeLightningdOptions options) {
  if (options.socket_path.empty() || options.socket_path.size() >= sizeof(sockaddr_un::sun_path)) {
    return Error(ErrorCode::kInvalidArgument,
                 "fake lightningd: socket path must be 1 to 107 bytes: " + options.socket_path);
  }
  // A random key: almost every 32-byte string is a valid secp256k1 key.
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::string bytes(32, '\0');
    L402_RETURN_IF_ERROR(system_random().fill(
        std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(bytes.data()), bytes.size())));
    SecretBytes key(bytes);
    std::fill(bytes.begin(), bytes.end(), '\0');
    Result<PublicKey> node_id = derive_public_key(key);
    if (!node_id.ok()) continue;
    std::unique_ptr<FakeLightningd> node(
        new FakeLightningd(std::move(options), std::move(key), *node_id));
    L402_RETURN_IF_ERROR(node->resume_serving());
    return node;
  }
  return Error(ErrorCode::kInternal, "fake lightningd: no valid key drawn");
}

FakeLightningd::~FakeLightningd() { stop_serving(); }

Result<void> FakeLightningd::resume_serving() {
  std::lock_guard serve_lock(serve_mutex_);
  if (listen_fd_ >= 0) return ok_result();
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, options_.socket_path.data(), options_.socket_path.size());
  ::unlink(options_.socket_path.c_str());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error(ErrorCode::kUnavailable, "fake lightningd: socket failed");
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(fd, 64) != 0) {
    const std::string reason = std::strerror(errno);
    ::close(fd);
    return Error(ErrorCode::kUnavailable,
                 "fake lightningd: cannot listen on " + options_.socket_path + ": " + reason);
  }
  {
    std::lock_guard lock(mutex_);
    serving_ = true;
  }
  listen_fd_ = fd;
  accept_thread_ = std::thread([this] { accept_loop(); });
  return ok_result();
}

void FakeLightningd::stop_serving() {
  std::vector<std::thread> threads;
  std::thread accept_thread;
  {
    std::lock_guard lock(mutex_);
    serving_ = false;
  }
  changed_.notify_all();
  {
    std::lock_guard serve_lock(serve_mutex_);
    if (listen_fd_ >= 0) {
      ::shutdown(listen_fd_, SHUT_RDWR);
      ::unlink(options_.socket_path.c_str());
    }
    for (const int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    accept_thread = std::move(accept_thread_);
  }
  // The accept loop stops taking connections before the connection threads are collected.
  if (accept_thread.joinable()) accept_thread.join();
  {
    std::lock_guard serve_lock(serve_mutex_);
    if (listen_fd_ >= 0) ::close(listen_fd_);
    listen_fd_ = -1;
    threads = std::move(threads_);
    threads_.clear();
  }
  for (std::thread& thread : threads) thread.join();
}

void FakeLightningd::accept_loop() {
  int listen_fd = -1;
  {
    std::lock_guard serve_lock(serve_mutex_);
    listen_fd = listen_fd_;
  }
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (!serving_) return;
    }
    pollfd entry{listen_fd, POLLIN, 0};
    const int ready = ::poll(&entry, 1, static_cast<int>(kTick.count()));
    if (ready <= 0) continue;
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard serve_lock(serve_mutex_);
    {
      std::lock_guard lock(mutex_);
      if (!serving_) {
        ::close(fd);
        return;
      }
    }
    ++connections_accepted_;
    open_fds_.insert(fd);
    threads_.emplace_back([this, fd] { serve(fd); });
  }
}

// ---- Connections ------------------------------------------------------------------------

void FakeLightningd::serve(int fd) {
  std::string buffer;
  std::array<char, 4096> chunk{};
  bool open = true;
  while (open) {
    {
      std::lock_guard lock(mutex_);
      if (!serving_) break;
    }
    pollfd entry{fd, POLLIN, 0};
    const int ready = ::poll(&entry, 1, static_cast<int>(kTick.count()));
    if (ready == 0 || (ready < 0 && errno == EINTR)) continue;
    const ssize_t count = ::recv(fd, chunk.data(), chunk.size(), 0);
    if (count <= 0) break;
    buffer.append(chunk.data(), static_cast<std::size_t>(count));

    while (open) {
      const std::size_t start = buffer.find_first_not_of(" \t\r\n");
      if (start == std::string::npos) {
        buffer.clear();
        break;
      }
      if (buffer[start] != '{') {
        // Not a JSON object: lightningd answers with an error and hangs up.
        send_reply(fd, R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,)"
                       R"("message":"Invalid JSON request"}})"
                       "\n\n");
        open = false;
        break;
      }
      const std::size_t length = object_length(std::string_view(buffer).substr(start));
      if (length == 0) break;
      const json request = json::parse(buffer.substr(start, length), nullptr, false);
      buffer.erase(0, start + length);

      // Faults come first: they model a node that breaks whatever it is asked.
      const std::string method =
          request.is_object() && request.contains("method") && request["method"].is_string()
              ? request["method"].get<std::string>()
              : std::string();
      FakeFault fault = FakeFault::kNone;
      {
        std::lock_guard lock(mutex_);
        methods_called_.push_back(method);
        for (const std::string& key : {method, std::string()}) {
          const auto it = faults_.find(key);
          if (it != faults_.end() && it->second != FakeFault::kNone) {
            fault = it->second;
            break;
          }
        }
      }
      if (fault == FakeFault::kStall) {
        stall(fd);
        open = false;
        break;
      }
      const Reply reply = handle(request);
      if (reply.none) {
        open = false;
        break;
      }
      json envelope = {{"jsonrpc", "2.0"},
                       {"id", request.is_object() ? request.value("id", json()) : json()}};
      if (reply.result) {
        envelope["result"] = *reply.result;
      } else {
        json error = {{"code", reply.code}, {"message", reply.message}};
        if (!reply.data.is_null()) error["data"] = reply.data;
        envelope["error"] = std::move(error);
      }
      const std::string text = envelope.dump() + "\n\n";
      if (fault == FakeFault::kMalformedJson) {
        const std::string id = envelope["id"].dump();
        open = send_reply(fd, R"({"jsonrpc":"2.0","id":)" + id +
                                  R"(,"result":{"bolt11":)"
                                  "\n\n");
      } else if (fault == FakeFault::kCloseMidReply) {
        write_all(fd, std::string_view(text).substr(0, text.size() / 2));
        open = false;
      } else {
        open = send_reply(fd, text);
      }
    }
  }
  std::lock_guard serve_lock(serve_mutex_);
  open_fds_.erase(fd);
  ::close(fd);
}

bool FakeLightningd::send_reply(int fd, const std::string& reply) {
  bool split = false;
  {
    std::lock_guard lock(mutex_);
    split = options_.split_replies;
  }
  // Every other reply goes out in three pieces with pauses between them; the last cut falls
  // between the two newlines of the terminator.
  if (!split || replies_sent_.fetch_add(1) % 2 == 0 || reply.size() < 8) {
    return write_all(fd, reply);
  }
  const std::size_t first = reply.size() / 3;
  const std::size_t second = reply.size() - 1;
  if (!write_all(fd, std::string_view(reply).substr(0, first))) return false;
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  if (!write_all(fd, std::string_view(reply).substr(first, second - first))) return false;
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  return write_all(fd, std::string_view(reply).substr(second));
}

void FakeLightningd::stall(int fd) {
  std::array<char, 4096> discard{};
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (!serving_) return;
    }
    pollfd entry{fd, POLLIN, 0};
    const int ready = ::poll(&entry, 1, static_cast<int>(kTick.count()));
    if (ready <= 0) continue;
    if (::recv(fd, discard.data(), discard.size(), 0) <= 0) return;  // the client gave up
  }
}

// ---- State ------------------------------------------------------------------------------

std::string FakeLightningd::status_of(const Invoice& invoice) const {
  if (invoice.paid) return "paid";
  return now() >= invoice.expires_at ? "expired" : "unpaid";
}

FakeLightningd::Invoice* FakeLightningd::find_invoice(const Hash256& payment_hash) {
  for (const auto& invoice : invoices_) {
    if (invoice->payment_hash == payment_hash) return invoice.get();
  }
  return nullptr;
}

std::uint64_t FakeLightningd::mark_paid(Invoice& invoice, Msat amount) {
  invoice.paid = true;
  invoice.pay_index = next_pay_index_++;
  invoice.updated_index = next_updated_index_++;
  invoice.received = amount;
  invoice.paid_at = now();
  changed_.notify_all();
  return invoice.pay_index;
}

// ---- Test controls ----------------------------------------------------------------------

Result<IssuedInvoice> FakeLightningd::add_invoice(std::optional<Msat> amount,
                                                  const std::string& description,
                                                  std::uint64_t expiry_seconds) {
  std::lock_guard lock(mutex_);
  return create_invoice_locked(amount, "fake-" + std::to_string(invoices_.size() + 1), description,
                               expiry_seconds, std::nullopt, kDefaultCltv);
}

Result<std::uint64_t> FakeLightningd::settle_invoice(const Hash256& payment_hash,
                                                     std::optional<Msat> amount) {
  std::lock_guard lock(mutex_);
  Invoice* invoice = find_invoice(payment_hash);
  if (invoice == nullptr) return Error(ErrorCode::kNotFound, "fake lightningd: no such invoice");
  if (status_of(*invoice) != "unpaid") {
    return Error(ErrorCode::kFailedPrecondition,
                 "fake lightningd: invoice is " + status_of(*invoice));
  }
  const std::optional<Msat> paid = amount ? amount : invoice->amount;
  if (!paid) return Error(ErrorCode::kInvalidArgument, "fake lightningd: amount required");
  return mark_paid(*invoice, *paid);
}

void FakeLightningd::advance_clock(std::chrono::seconds by) {
  clock_offset_seconds_ += by.count();
  changed_.notify_all();
}

std::uint64_t FakeLightningd::now() const {
  const auto system = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  return static_cast<std::uint64_t>(system + clock_offset_seconds_.load());
}

Msat FakeLightningd::balance() const {
  std::lock_guard lock(mutex_);
  return options_.balance;
}

void FakeLightningd::set_fee(Msat base, std::uint32_t ppm) {
  std::lock_guard lock(mutex_);
  options_.fee_base = base;
  options_.fee_ppm = ppm;
}

void FakeLightningd::set_synced(bool synced) {
  std::lock_guard lock(mutex_);
  options_.synced = synced;
}

void FakeLightningd::set_fault(FakeFault fault, const std::string& method) {
  std::lock_guard lock(mutex_);
  faults_[method] = fault;
}

void FakeLightningd::set_method_error(const std::string& method, std::int64_t code,
                                      const std::string& message) {
  std::lock_guard lock(mutex_);
  method_errors_[method] = {code, message};
}

void FakeLightningd::clear_faults() {
  std::lock_guard lock(mutex_);
  faults_.clear();
  method_errors_.clear();
}

void FakeLightningd::set_xpay_available(bool available) {
  std::lock_guard lock(mutex_);
  options_.xpay_available = available;
}

std::vector<std::string> FakeLightningd::methods_called() const {
  std::lock_guard lock(mutex_);
  return methods_called_;
}

}  // namespace l402::test
