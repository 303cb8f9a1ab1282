// The demo upstream's sessions: what l402d's tests and benchmarks put behind the gateway.
//
// Endpoints (a leading /api is optional, so that a service with `rewrite: {from: /api, to: /}`
// reaches the same handlers; any method unless stated):
//   /, /hello          {"message":"hello from the demo upstream","path":<path as received>}
//   /quote             {"id":k,"quote":...,"author":...}, the next of a fixed list
//   /echo-headers      {"method":..,"target":..,"headers":{<lowercased name>: value}}, where
//                      value is a string, or an array of strings (in order) when the name
//                      appears more than once (several Authorization lines, for instance)
//   POST|PUT /echo     {"bytes":N,"sha256":"<hex>"} of the request body, hashed while it is
//                      read in chunks (never held whole)
//   GET /bytes/N       N bytes, byte i = (i * 31 + 7) mod 256, with Content-Length;
//                      ?chunked=1 sends them chunked
//   GET /events?n=5&interval_ms=200
//                      text/event-stream: waits interval_ms, then writes `data: event i\n\n`
//                      (i from 0), n times, each written to the socket before the next wait
//   /slow?ms=N         {"slept_ms":N} after N ms (a timer: no thread waits)
//   /status/N          status N (200..599) with {"status":N}
//   GET /ws/echo       a WebSocket (RFC 6455) upgrade; each message, text or binary, is sent
//                      back as it came until the client closes (messages up to 16 MiB;
//                      closed after kIdleTimeout without one). Without an upgrade: 426
//   anything else      404 {"error":"not found","path":...}
// Request bodies of any endpoint are read (and discarded) before the answer; beyond 1 GiB the
// answer is 413. Function names follow Beast's examples: do_* starts an operation, on_*
// completes it.
#include "server.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace l402::demo_upstream {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Json = nlohmann::json;

constexpr std::uint64_t kMaxRequestBody = std::uint64_t{1} << 30;
// Generous, so that the gateway (default max_header_bytes 16KiB) is never limited by us.
constexpr std::uint32_t kMaxRequestHead = 64 * 1024;
// What one read of a request head takes at most.
constexpr std::size_t kHeadReadBytes = 4 * 1024;
constexpr std::chrono::seconds kIdleTimeout{120};
constexpr std::chrono::seconds kIoTimeout{60};
constexpr std::size_t kChunkBytes = 64 * 1024;
constexpr std::uint64_t kMaxEvents = 100'000;
constexpr std::uint64_t kMaxIntervalMs = 60'000;
constexpr std::uint64_t kMaxSlowMs = 600'000;
constexpr std::uint64_t kMaxWebSocketMessage = 16 * 1024 * 1024;
// Pause before accepting again after an accept error (e.g. out of file descriptors).
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};

static_assert(kChunkBytes % 256 == 0, "byte_pattern() relies on whole periods");

// The pattern of /bytes/N: byte i is (i * 31 + 7) mod 256, which repeats every 256 bytes, so
// every kChunkBytes-long piece of the answer is a prefix of this one buffer.
const std::array<char, kChunkBytes>& byte_pattern() {
  static const std::array<char, kChunkBytes> pattern = [] {
    std::array<char, kChunkBytes> bytes{};
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      bytes[i] = static_cast<char>(static_cast<unsigned char>((i * 31 + 7) % 256));
    }
    return bytes;
  }();
  return pattern;
}

struct Quote {
  std::string_view text;
  std::string_view author;
};
constexpr std::array<Quote, 6> kQuotes{{
    {"Simplicity is prerequisite for reliability.", "Edsger W. Dijkstra"},
    {"Premature optimization is the root of all evil.", "Donald Knuth"},
    {"Make it work, make it right, make it fast.", "Kent Beck"},
    {"Talk is cheap. Show me the code.", "Linus Torvalds"},
    {"The cheapest, fastest, and most reliable components are those that aren't there.",
     "Gordon Bell"},
    {"Measure. Don't tune for speed until you've measured.", "Rob Pike"},
}};
std::atomic<std::uint64_t> quotes_served{0};

std::string_view to_std(beast::string_view text) { return {text.data(), text.size()}; }

std::optional<std::uint64_t> parse_u64(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

// The value of `name` in a query string (no percent-decoding: every parameter is a number).
std::optional<std::string_view> query_param(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

// A numeric parameter: `fallback` when absent, nullopt when malformed or above `max`.
std::optional<std::uint64_t> number_param(std::string_view query, std::string_view name,
                                          std::uint64_t fallback, std::uint64_t max) {
  const std::optional<std::string_view> text = query_param(query, name);
  if (!text) return fallback;
  const std::optional<std::uint64_t> value = parse_u64(*text);
  if (!value || *value > max) return std::nullopt;
  return value;
}

// SHA-256 of a body fed in pieces (OpenSSL's EVP interface; the library's own sha256() takes
// the whole message).
class Sha256Stream {
 public:
  Sha256Stream() : ctx_(EVP_MD_CTX_new()) {
    ok_ = ctx_ != nullptr && EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) == 1;
  }
  ~Sha256Stream() { EVP_MD_CTX_free(ctx_); }
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;

  void update(const void* data, std::size_t size) {
    ok_ = ok_ && EVP_DigestUpdate(ctx_, data, size) == 1;
  }
  // Lowercase hex digest, or nullopt if OpenSSL failed.
  std::optional<std::string> hex_digest() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (!ok_ || EVP_DigestFinal_ex(ctx_, digest.data(), &size) != 1) return std::nullopt;
    static constexpr std::string_view kDigits = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < size; ++i) {
      hex += kDigits[digest[i] >> 4];
      hex += kDigits[digest[i] & 0x0f];
    }
    return hex;
  }

 private:
  EVP_MD_CTX* ctx_;
  bool ok_ = false;
};

enum class Route {
  kHello,
  kQuote,
  kEchoHeaders,
  kEcho,
  kBytes,
  kEvents,
  kSlow,
  kStatus,
  kWebSocketEcho,
  kNotFound
};

struct Target {
  std::string path;   // as received, without the query
  std::string query;  // after '?', possibly empty
  Route route = Route::kNotFound;
  std::string argument;  // the N of /bytes/N and /status/N
};

Target route_target(std::string_view target) {
  Target result;
  const std::size_t question = target.find('?');
  result.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) result.query = std::string(target.substr(question + 1));

  std::string_view key = result.path;
  if (key == "/api") {
    key = "/";
  } else if (key.starts_with("/api/")) {
    key.remove_prefix(4);
  }
  if (key == "/" || key == "/hello") {
    result.route = Route::kHello;
  } else if (key == "/quote") {
    result.route = Route::kQuote;
  } else if (key == "/echo-headers") {
    result.route = Route::kEchoHeaders;
  } else if (key == "/echo") {
    result.route = Route::kEcho;
  } else if (key == "/events") {
    result.route = Route::kEvents;
  } else if (key == "/slow") {
    result.route = Route::kSlow;
  } else if (key == "/ws/echo") {
    result.route = Route::kWebSocketEcho;
  } else if (key.starts_with("/bytes/")) {
    result.route = Route::kBytes;
    result.argument = std::string(key.substr(7));
  } else if (key.starts_with("/status/")) {
    result.route = Route::kStatus;
    result.argument = std::string(key.substr(8));
  }
  return result;
}

Json headers_json(const http::fields& fields) {
  Json headers = Json::object();
  for (const auto& field : fields) {
    std::string name(to_std(field.name_string()));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::string value(to_std(field.value()));
    auto existing = headers.find(name);
    if (existing == headers.end()) {
      headers[name] = value;
    } else if (existing->is_array()) {
      existing->push_back(value);
    } else {
      *existing = Json::array({*existing, value});
    }
  }
  return headers;
}

// /ws/echo once upgraded: reads a message, writes it back (text as text, binary as binary),
// and reads the next, until the client closes or the connection fails.
class WebSocketEcho : public std::enable_shared_from_this<WebSocketEcho> {
 public:
  explicit WebSocketEcho(beast::tcp_stream&& stream) : ws_(std::move(stream)) {}

  void run(http::request<http::empty_body> upgrade) {
    upgrade_ = std::move(upgrade);
    // The WebSocket stream keeps its own deadlines; the TCP stream's would fight them.
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeout =
        websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeout.idle_timeout = kIdleTimeout;
    ws_.set_option(timeout);
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
      response.set(http::field::server, "l402-demo-upstream");
    }));
    ws_.read_message_max(kMaxWebSocketMessage);
    ws_.async_accept(upgrade_,
                     beast::bind_front_handler(&WebSocketEcho::on_accept, shared_from_this()));
  }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) return;  // the stream closes with this object
    do_read();
  }

  void do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&WebSocketEcho::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return;  // websocket::error::closed when the client closed; else a failure
    ws_.text(ws_.got_text());
    ws_.async_write(buffer_.data(),
                    beast::bind_front_handler(&WebSocketEcho::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return;
    buffer_.consume(buffer_.size());
    do_read();
  }

  websocket::stream<beast::tcp_stream> ws_;
  http::request<http::empty_body> upgrade_;  // read by the accept operation
  beast::flat_buffer buffer_;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket socket)
      : stream_(std::move(socket)), timer_(stream_.get_executor()) {
    // Beast reads at most the buffer's free capacity (at least 512 bytes) at a time: a head
    // that a proxy lengthened (an L402 credential in two forms, X-Forwarded-*) would otherwise
    // take two reads.
    buffer_.reserve(kHeadReadBytes);
  }

  void run() { do_read_header(); }

 private:
  // ---- reading a request: the head, a 100 Continue if asked for, then the body in chunks

  void do_read_header() {
    parser_.emplace();
    parser_->header_limit(kMaxRequestHead);
    parser_->body_limit(kMaxRequestBody);
    stream_.expires_after(kIdleTimeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session::on_read_header, shared_from_this()));
  }

  void on_read_header(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return fail_request(ec);
    const auto& request = parser_->get();
    keep_alive_ = request.keep_alive();
    head_only_ = request.method() == http::verb::head;
    target_ = route_target(to_std(request.target()));
    body_bytes_ = 0;
    hash_.reset();
    if (target_.route == Route::kEcho) hash_.emplace();
    if (parser_->is_done()) return handle_request();
    if (beast::iequals(request[http::field::expect], "100-continue")) {
      continue_.emplace(http::status::continue_, request.version());
      stream_.expires_after(kIoTimeout);
      return http::async_write(
          stream_, *continue_,
          beast::bind_front_handler(&Session::on_write_continue, shared_from_this()));
    }
    do_read_body();
  }

  void on_write_continue(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return do_close();
    do_read_body();
  }

  void do_read_body() {
    // Allocated for the first body only, so that an idle connection costs a few KiB. Beast
    // reads at most the free capacity of buffer_ at a time (at least 512 bytes): grown now,
    // it reads bodies in pieces of kChunkBytes instead of 512 bytes.
    if (!chunk_) {
      chunk_ = std::make_unique<std::array<char, kChunkBytes>>();
      buffer_.reserve(kChunkBytes);
    }
    auto& body = parser_->get().body();
    body.data = chunk_->data();
    body.size = chunk_->size();
    stream_.expires_after(kIoTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read_body, shared_from_this()));
  }

  void on_read_body(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec == http::error::need_buffer) ec = {};  // our chunk is full: not an error
    if (ec) return fail_request(ec);
    const std::size_t received = chunk_->size() - parser_->get().body().size;
    body_bytes_ += received;
    if (hash_) hash_->update(chunk_->data(), received);
    if (!parser_->is_done()) return do_read_body();
    handle_request();
  }

  // A request we cannot read to its end: answer when the client can still understand an
  // answer, then close.
  void fail_request(beast::error_code ec) {
    keep_alive_ = false;
    if (ec == http::error::body_limit) {
      return send_json(http::status::payload_too_large, {{"error", "request body over 1 GiB"}});
    }
    if (ec == http::error::header_limit) {
      return send_json(http::status::request_header_fields_too_large,
                       {{"error", "request head too large"}});
    }
    const bool parse_error =
        ec.category() == http::make_error_code(http::error::bad_target).category();
    if (parse_error && ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return send_json(http::status::bad_request, {{"error", "malformed request"}});
    }
    do_close();
  }

  // ---- answering

  void handle_request() {
    const http::verb method = parser_->get().method();
    switch (target_.route) {
      case Route::kHello:
        return send_json(http::status::ok,
                         {{"message", "hello from the demo upstream"}, {"path", target_.path}});
      case Route::kQuote: {
        const std::uint64_t id = quotes_served.fetch_add(1, std::memory_order_relaxed);
        const Quote& quote = kQuotes[id % kQuotes.size()];
        return send_json(http::status::ok,
                         {{"id", id}, {"quote", quote.text}, {"author", quote.author}});
      }
      case Route::kEchoHeaders:
        return send_json(http::status::ok, {{"method", to_std(parser_->get().method_string())},
                                            {"target", to_std(parser_->get().target())},
                                            {"headers", headers_json(parser_->get())}});
      case Route::kEcho: {
        if (method != http::verb::post && method != http::verb::put) {
          return send_json(http::status::method_not_allowed, {{"error", "use POST or PUT"}});
        }
        std::optional<std::string> digest = hash_->hex_digest();
        if (!digest) return send_json(http::status::internal_server_error, {{"error", "sha256"}});
        return send_json(http::status::ok, {{"bytes", body_bytes_}, {"sha256", *digest}});
      }
      case Route::kBytes:
        return start_bytes();
      case Route::kEvents:
        return start_events();
      case Route::kSlow: {
        const std::optional<std::uint64_t> ms = number_param(target_.query, "ms", 0, kMaxSlowMs);
        if (!ms) return send_json(http::status::bad_request, {{"error", "ms: 0..600000"}});
        slept_ms_ = *ms;
        timer_.expires_after(std::chrono::milliseconds(*ms));
        return timer_.async_wait(beast::bind_front_handler(&Session::on_slept, shared_from_this()));
      }
      case Route::kStatus: {
        const std::optional<std::uint64_t> status = parse_u64(target_.argument);
        if (!status || *status < 200 || *status > 599) {
          return send_json(http::status::bad_request, {{"error", "status: 200..599"}});
        }
        return send_json(static_cast<http::status>(*status), {{"status", *status}});
      }
      case Route::kWebSocketEcho:
        if (method != http::verb::get || !websocket::is_upgrade(parser_->get())) {
          return send_json(http::status::upgrade_required,
                           {{"error", "GET with a WebSocket upgrade"}});
        }
        return start_websocket();
      case Route::kNotFound:
        return send_json(http::status::not_found, {{"error", "not found"}, {"path", target_.path}});
    }
  }

  // Hands the connection to a WebSocketEcho, which answers the upgrade. A conforming client
  // sends nothing more before the 101 (RFC 6455 §4.1), so nothing is left in buffer_.
  void start_websocket() {
    std::make_shared<WebSocketEcho>(std::move(stream_))
        ->run(http::request<http::empty_body>(parser_->get().base()));
  }

  void on_slept(beast::error_code ec) {
    if (ec) return do_close();
    send_json(http::status::ok, {{"slept_ms", slept_ms_}});
  }

  void send_json(http::status status, const Json& body) {
    reply_ = {};
    reply_.result(status);
    reply_.version(11);
    reply_.set(http::field::server, "l402-demo-upstream");
    reply_.keep_alive(keep_alive_);
    const unsigned code = static_cast<unsigned>(status);
    const bool bodyless = code == 204 || code == 304;
    if (!bodyless) {
      reply_.set(http::field::content_type, "application/json");
      // Header values are the client's bytes: replace what is not UTF-8 instead of throwing.
      reply_.body() = body.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
    }
    reply_.prepare_payload();
    if (head_only_) reply_.body().clear();  // Content-Length stays that of the GET answer
    stream_.expires_after(kIoTimeout);
    http::async_write(stream_, reply_,
                      beast::bind_front_handler(&Session::on_write_done, shared_from_this()));
  }

  // ---- streamed answers (/bytes and /events): the head, then pieces, then an empty last piece

  void start_bytes() {
    if (parser_->get().method() != http::verb::get) {
      return send_json(http::status::method_not_allowed, {{"error", "use GET"}});
    }
    const std::optional<std::uint64_t> size = parse_u64(target_.argument);
    if (!size) return send_json(http::status::bad_request, {{"error", "/bytes/N: N a number"}});
    const bool chunked = query_param(target_.query, "chunked") == std::string_view("1");
    remaining_bytes_ = *size;
    events_left_ = 0;
    start_stream("application/octet-stream", chunked ? std::nullopt : size);
  }

  void start_events() {
    if (parser_->get().method() != http::verb::get) {
      return send_json(http::status::method_not_allowed, {{"error", "use GET"}});
    }
    const std::optional<std::uint64_t> count = number_param(target_.query, "n", 5, kMaxEvents);
    const std::optional<std::uint64_t> interval =
        number_param(target_.query, "interval_ms", 200, kMaxIntervalMs);
    if (!count || !interval) {
      return send_json(http::status::bad_request,
                       {{"error", "n: 0..100000, interval_ms: 0..60000"}});
    }
    remaining_bytes_ = 0;
    events_left_ = *count;
    next_event_ = 0;
    event_interval_ = std::chrono::milliseconds(*interval);
    start_stream("text/event-stream", std::nullopt);
  }

  void start_stream(beast::string_view content_type, std::optional<std::uint64_t> length) {
    streamed_.emplace(http::status::ok, 11);
    streamed_->set(http::field::server, "l402-demo-upstream");
    streamed_->set(http::field::content_type, content_type);
    streamed_->set(http::field::cache_control, "no-cache");
    streamed_->keep_alive(keep_alive_);
    if (length) {
      streamed_->content_length(*length);
    } else {
      streamed_->chunked(true);
    }
    streamed_->body().data = nullptr;
    streamed_->body().more = true;
    serializer_.emplace(*streamed_);
    stream_.expires_after(kIoTimeout);
    http::async_write_header(
        stream_, *serializer_,
        beast::bind_front_handler(&Session::on_write_piece, shared_from_this()));
  }

  void on_write_piece(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec == http::error::need_buffer) ec = {};  // the piece is out: not an error
    if (ec) return do_close();
    if (remaining_bytes_ > 0) {
      const std::size_t size = static_cast<std::size_t>(
          std::min<std::uint64_t>(remaining_bytes_, byte_pattern().size()));
      remaining_bytes_ -= size;
      return write_piece(byte_pattern().data(), size, true);
    }
    if (next_event_ < events_left_) {
      timer_.expires_after(event_interval_);
      return timer_.async_wait(
          beast::bind_front_handler(&Session::on_event_due, shared_from_this()));
    }
    if (streamed_->body().more) return write_piece(nullptr, 0, false);
    serializer_.reset();
    streamed_.reset();
    on_write_done({}, 0);
  }

  void on_event_due(beast::error_code ec) {
    if (ec) return do_close();
    event_text_ = "data: event " + std::to_string(next_event_++) + "\n\n";
    write_piece(event_text_.data(), event_text_.size(), true);
  }

  void write_piece(const char* data, std::size_t size, bool more) {
    auto& body = streamed_->body();
    body.data = const_cast<char*>(data);  // buffer_body's pointer is non-const; only read
    body.size = size;
    body.more = more;
    stream_.expires_after(kIoTimeout);
    http::async_write(stream_, *serializer_,
                      beast::bind_front_handler(&Session::on_write_piece, shared_from_this()));
  }

  // ---- after an answer

  void on_write_done(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec || !keep_alive_) return do_close();
    do_read_header();
  }

  void do_close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::unique_ptr<std::array<char, kChunkBytes>> chunk_;  // request body pieces land here

  // The request being served.
  std::optional<http::request_parser<http::buffer_body>> parser_;
  Target target_;
  bool keep_alive_ = true;
  bool head_only_ = false;
  std::uint64_t body_bytes_ = 0;
  std::optional<Sha256Stream> hash_;  // /echo only
  std::uint64_t slept_ms_ = 0;

  // Its answer: a whole one, or a streamed one and its serializer (which refers to it).
  std::optional<http::response<http::empty_body>> continue_;
  http::response<http::string_body> reply_;
  std::optional<http::response<http::buffer_body>> streamed_;
  std::optional<http::response_serializer<http::buffer_body>> serializer_;
  std::uint64_t remaining_bytes_ = 0;
  std::uint64_t events_left_ = 0;
  std::uint64_t next_event_ = 0;
  std::chrono::milliseconds event_interval_{0};
  std::string event_text_;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  explicit Listener(tcp::acceptor& acceptor)
      : acceptor_(acceptor), retry_timer_(acceptor.get_executor()) {}

  void do_accept() {
    acceptor_.async_accept(beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }

 private:
  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      retry_timer_.expires_after(kAcceptRetryDelay);
      return retry_timer_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
        if (!wait_ec) self->do_accept();
      });
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<Session>(std::move(socket))->run();
    do_accept();
  }

  tcp::acceptor& acceptor_;
  net::steady_timer retry_timer_;
};

}  // namespace

void start_accepting(tcp::acceptor& acceptor) { std::make_shared<Listener>(acceptor)->do_accept(); }

}  // namespace l402::demo_upstream
