// One client connection: reads request heads, asks the RequestHandler what to do, and either
// writes the handler's Reply or relays the exchange with an upstream, streaming both bodies
// piece by piece (each piece read is written before the next read, so an event stream is
// flushed event by event and no body is ever held whole). A chunked body's trailer fields go
// on with its last chunk when that side is written chunked too (an HTTP/1.0 client gets none).
//
// A session lives on one io_context, run by one thread, so it needs no strand. It owns itself
// through the handlers it has pending (shared_from_this). Function names follow Beast's
// examples: do_* starts an operation, on_* completes it. Streams are closed but never
// destroyed while an operation on them may be pending (a TLS stream's operations refer to
// it); they are destroyed with the session.
//
// Deadlines: the TLS handshake and the request head share one header_timeout deadline (set
// once, not per read: slowloris); a keep-alive connection waits idle_timeout for the first
// byte of its next request, then header_timeout for the rest of the head; every body read or
// write gets body_timeout; the upstream has upstream_timeout from the start of forwarding to
// its response head (from the end of the request body when there is one).
//
// WebSocket: a bodiless HTTP/1.1 GET whose Connection lists "upgrade" and whose Upgrade lists
// "websocket" is decided like any request. Forwarded, it keeps "Connection: Upgrade" and
// "Upgrade: websocket"; if the upstream answers 101, the 101 goes to the client and a Tunnel
// relays bytes both ways until both sides have closed, either fails, or nothing moves for
// upgrade_idle_timeout. The connection then closes and the upstream connection is never
// pooled; the access log has status 101 and the bytes relayed each way. Any other answer is
// relayed as usual, and that upstream connection is not reused either.
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "gateway/observe/access_log.hpp"
#include "gateway/proxy/flex_stream.hpp"
#include "gateway/proxy/header_edits.hpp"
#include "gateway/proxy/relay_parser.hpp"
#include "gateway/proxy/tunnel.hpp"
#include "gateway/proxy/wire_format.hpp"
#include "gateway/proxy/worker.hpp"

namespace l402::gateway::proxy {
namespace {

namespace http = beast::http;
using Clock = std::chrono::steady_clock;

// Bytes asked of one read from a client or an upstream.
constexpr std::size_t kClientReadSize = 16 * 1024;
constexpr std::size_t kUpstreamReadSize = 64 * 1024;
// Body bytes relayed per write.
constexpr std::size_t kBodyBufferSize = SpareBuffers::kBufferSize;
// Bytes relayed per write in each direction of an upgraded connection: WebSocket connections
// stay open long, and most messages are small.
constexpr std::size_t kTunnelBufferSize = 16 * 1024;
// Largest response head accepted from an upstream.
constexpr std::uint32_t kUpstreamHeaderLimit = 64 * 1024;
// After a response that ends the connection, unread client input is read and dropped for at
// most this long before closing, so that closing with unread input (a TCP reset) does not
// destroy the response before the client reads it.
constexpr std::chrono::milliseconds kLingerTime{1000};

constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";

// Content-Length, and Trailer (which announces a trailer section): left out wherever the
// proxy writes a body with a length of its own, and never valid inside a trailer section.
bool frames_the_body(std::string_view name) {
  return iequals(name, "content-length") || iequals(name, "trailer");
}

bool is_benign(const beast::error_code& ec) {
  return ec == http::error::need_more || ec == http::error::need_buffer;
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

// Whether two upstreams share a connection pool: what UpstreamPool::key_of reads.
bool same_pool(const UpstreamConfig& a, const UpstreamConfig& b) {
  return a.port == b.port && a.verify_tls == b.verify_tls && a.scheme == b.scheme &&
         a.host == b.host && a.ca_file == b.ca_file;
}

class Session final : public SessionControl, public std::enable_shared_from_this<Session> {
 public:
  Session(Worker& worker, ListenerState& listener, FlexStream&& stream, std::string peer)
      : worker_(worker), listener_(listener), shared_(worker.shared), stream_(std::move(stream)) {
    head_.peer_address = std::move(peer);
    head_.tls = stream_.tls() != nullptr;
    worker_.sessions.insert(this);
    shared_.live_sessions.fetch_add(1);
    shared_.metrics.connection_opened();
  }

  ~Session() override {
    worker_.spare_buffers.give_back(std::move(body_));
    worker_.sessions.erase(this);
    listener_.connections.fetch_sub(1);
    shared_.metrics.connection_closed();
    shared_.live_sessions.fetch_sub(1);
  }

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() {
    // The handshake and the first head share one deadline.
    stream_.tcp().expires_after(listener_.config.header_timeout);
    if (FlexStream::TlsStream* tls = stream_.tls()) {
      phase_ = Phase::kHandshake;
      tls->async_handshake(
          ssl::stream_base::server,
          [self = shared_from_this()](beast::error_code ec) { self->on_handshake(ec); });
      return;
    }
    begin_request(/*first=*/true);
  }

  bool in_request() const override {
    return phase_ == Phase::kReadingHead || phase_ == Phase::kDeciding ||
           phase_ == Phase::kForwarding || phase_ == Phase::kResponding || phase_ == Phase::kTunnel;
  }

  void close() override { close_now(); }

 private:
  enum class Phase {
    kHandshake,
    kWaiting,      // for the first byte of a request
    kReadingHead,  // some of the head has arrived
    kDeciding,     // the handler has the head
    kForwarding,   // talking to the upstream, no response byte sent yet
    kResponding,   // writing the response
    kTunnel,       // upgraded: relaying bytes both ways
    kClosing,
  };

  // How the response body is delimited towards the client.
  enum class Framing { kNone, kLength, kChunked, kUntilClose };

  void on_handshake(beast::error_code ec) {
    if (closed_) return;
    if (ec) return close_now();
    begin_request(/*first=*/true);
  }

  // ---- Request head ----------------------------------------------------------------------

  void begin_request(bool first) {
    // Waiting for the next request, perhaps for long: the relay buffer goes back to the
    // worker (64 KiB per idle keep-alive connection otherwise).
    worker_.spare_buffers.give_back(std::move(body_));
    if (worker_.draining && in_.size() == 0) return close_now();
    phase_ = Phase::kWaiting;
    reset_request_state();
    if (first) {
      head_deadline_armed_ = true;  // set in start()
    } else {
      stream_.tcp().expires_after(listener_.config.idle_timeout);
      head_deadline_armed_ = false;
    }
    if (in_.size() > 0) {
      arm_head_deadline();
      phase_ = Phase::kReadingHead;
      return parse_head();
    }
    do_read_head();
  }

  void reset_request_state() {
    head_.method.clear();
    head_.target.clear();
    head_.host.clear();
    head_.fields.clear();
    head_.version = 11;
    head_.has_body = false;
    head_.content_length.reset();
    parser_.emplace(head_);
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(listener_.config.max_header_bytes, UINT32_MAX)));
    outcome_ = RequestOutcome{};
    status_ = 0;
    bytes_in_ = 0;
    bytes_out_ = 0;
    head_sent_ = false;
    head_pending_ = false;
    reused_ = false;
    retried_ = false;
    upgrade_ = false;
  }

  void arm_head_deadline() {
    if (head_deadline_armed_) return;
    stream_.tcp().expires_after(listener_.config.header_timeout);
    head_deadline_armed_ = true;
  }

  void do_read_head() {
    stream_.async_read_some(in_.prepare(kClientReadSize),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->on_read_head(ec, n);
                            });
  }

  void on_read_head(beast::error_code ec, std::size_t n) {
    if (closed_) return;
    // End of stream, a reset or a timeout (idle or slowloris): nothing to answer.
    if (ec) return close_now();
    in_.commit(n);
    if (phase_ == Phase::kWaiting) {
      started_ = Clock::now();
      phase_ = Phase::kReadingHead;
    }
    arm_head_deadline();
    parse_head();
  }

  void parse_head() {
    beast::error_code ec;
    const std::size_t used = parser_->put(in_.data(), ec);
    in_.consume(used);
    if (ec == http::error::need_more) return do_read_head();
    if (ec == http::error::header_limit) {
      return send_text(431, "request header fields too large\n", /*force_close=*/true);
    }
    if (ec) return send_text(400, "malformed request\n", /*force_close=*/true);
    if (!parser_->is_header_done()) return do_read_head();
    on_head();
  }

  void on_head() {
    // No client operation is pending while the handler decides; later ones set their own.
    stream_.tcp().expires_never();
    if (started_ == Clock::time_point{}) started_ = Clock::now();
    if (const std::string* host = find_field(head_.fields, "host")) head_.host = *host;
    const boost::optional<std::uint64_t> length = parser_->content_length();
    if (length) head_.content_length = *length;
    request_chunked_ = parser_->chunked();
    request_head_fields_ = head_.fields.size();
    head_.has_body = request_chunked_ || (length && *length > 0);
    keep_alive_ = parser_->keep_alive();
    const std::string* expect = find_field(head_.fields, "expect");
    expect_continue_ = expect != nullptr && iequals(*expect, "100-continue");
    upgrade_ = head_.version == 11 && head_.method == "GET" && !head_.has_body &&
               asks_websocket_upgrade(head_.fields);
    phase_ = Phase::kDeciding;
    // Nothing is pending while the handler decides: the session holds itself until the
    // decision arrives or the connection is cut. The completion holds it weakly, so that a
    // late one (after a cut, or after the server is gone) destroys nothing.
    self_hold_ = shared_from_this();
    listener_.handler.handle(
        head_, [weak = weak_from_this(), gate = worker_.gate](Decision decision) {
          if (gate->thread_id.load() == std::this_thread::get_id()) {
            // On the session's own thread (answered inline), so its worker is running.
            if (auto self = weak.lock()) self->on_decision(std::move(decision));
            return;
          }
          const std::lock_guard<std::mutex> lock(gate->mu);
          if (gate->ioc == nullptr) return;
          net::post(*gate->ioc, [weak, decision = std::move(decision)]() mutable {
            if (auto self = weak.lock()) self->on_decision(std::move(decision));
          });
        });
  }

  void on_decision(Decision decision) {
    const std::shared_ptr<Session> hold = std::move(self_hold_);
    if (closed_ || phase_ != Phase::kDeciding) return;
    outcome_ = std::move(decision.outcome);
    if (Reply* reply = std::get_if<Reply>(&decision.action)) {
      return send_reply(reply->status, reply->fields, std::move(reply->body),
                        /*force_close=*/false);
    }
    forward(std::get<ForwardPlan>(std::move(decision.action)));
  }

  // ---- Replies the proxy writes itself ---------------------------------------------------

  void send_text(int status, std::string_view text, bool force_close) {
    send_reply(status, {Field{"Content-Type", std::string(kTextPlain)}}, std::string(text),
               force_close);
  }

  void send_reply(int status, const std::vector<Field>& fields, std::string body,
                  bool force_close) {
    phase_ = Phase::kResponding;
    status_ = status;
    // A request body not read yet cannot be told apart from the next request: close.
    const bool keep = keep_alive_ && !force_close && !worker_.draining && parser_ &&
                      parser_->is_header_done() && parser_->is_done();
    out_.clear();
    append_status_line(out_, status);
    for (const Field& field : fields) {
      if (frames_the_body(field.name) || is_hop_by_hop(field.name)) continue;
      append_field(out_, field.name, field.value);
    }
    append_field(out_, "Content-Length", std::to_string(body.size()));
    append_connection_field(keep);
    out_ += kCrLf;
    reply_body_ = std::move(body);
    const bool send_body = head_.method != "HEAD" && status != 204 && status != 304;
    if (!send_body) reply_body_.clear();
    bytes_out_ = reply_body_.size();
    stream_.tcp().expires_after(listener_.config.body_timeout);
    const std::array<net::const_buffer, 2> buffers{net::buffer(out_), net::buffer(reply_body_)};
    net::async_write(stream_, buffers,
                     [self = shared_from_this(), keep](beast::error_code ec, std::size_t) {
                       if (self->closed_) return;
                       if (ec) return self->abort_request();
                       self->finish_request(keep);
                     });
  }

  void append_connection_field(bool keep) {
    if (!keep) {
      out_ += "Connection: close\r\n";
    } else if (head_.version == 10) {
      out_ += "Connection: keep-alive\r\n";
    }
  }

  // ---- Forwarding: request -----------------------------------------------------------------

  void forward(ForwardPlan plan) {
    plan_ = std::move(plan);
    if (head_.content_length && *head_.content_length > plan_.max_body_bytes) {
      return send_text(413, "request body too large\n", /*force_close=*/true);
    }
    build_upstream_head();
    phase_ = Phase::kForwarding;
    deadline_ = Clock::now() + plan_.upstream_timeout;
    // Consecutive requests on a connection mostly go to the same upstream: the key (a few
    // allocations) is only rebuilt when it changes.
    if (pool_key_.empty() || !same_pool(plan_.upstream, keyed_upstream_)) {
      pool_key_ = UpstreamPool::key_of(plan_.upstream);
      keyed_upstream_ = plan_.upstream;
    }
    upstream_ = worker_.pool.take(pool_key_);
    if (!upstream_) return connect_upstream();
    reused_ = true;
    do_write_upstream_head();
  }

  void build_upstream_head() {
    // The proxy frames the body itself and answers 100-continue itself.
    // Trailer announces trailer fields, which only a chunked body carries.
    const ForwardFilter filter(
        head_.fields, plan_.remove_fields, plan_.set_fields,
        request_chunked_ ? std::vector<std::string_view>{"content-length", "expect"}
                         : std::vector<std::string_view>{"content-length", "expect", "trailer"});
    up_head_.clear();
    append_request_line(up_head_, head_.method, plan_.target);
    bool has_host = find_field(plan_.set_fields, "host") != nullptr;
    for (const Field& field : head_.fields) {
      if (!filter.keeps(field)) continue;
      has_host = has_host || iequals(field.name, "host");
      append_parsed_field(up_head_, field.name, field.value);
    }
    append_fields(up_head_, plan_.set_fields);
    if (upgrade_) up_head_ += kWebSocketUpgradeFields;
    if (!has_host) append_field(up_head_, "Host", upstream_authority(plan_.upstream));
    if (request_chunked_) {
      up_head_ += "Transfer-Encoding: chunked\r\n";
    } else if (head_.content_length) {
      append_field(up_head_, "Content-Length", std::to_string(*head_.content_length));
    }
    up_head_ += kCrLf;
  }

  void connect_upstream() {
    reused_ = false;
    worker_.pool.connect(
        plan_.upstream, pool_key_, deadline_,
        [self = shared_from_this()](UpstreamPtr connection, ConnectFailure failure) {
          self->on_upstream_connected(std::move(connection), failure);
        });
  }

  void on_upstream_connected(UpstreamPtr connection, ConnectFailure failure) {
    if (closed_) return;
    switch (failure) {
      case ConnectFailure::kNone:
        break;
      case ConnectFailure::kResolve:
        return upstream_failed("resolve", 502, "upstream host not found\n");
      case ConnectFailure::kRefused:
        return upstream_failed("connect", 502, "upstream refused the connection\n");
      case ConnectFailure::kTimeout:
        return upstream_failed("timeout", 504, "upstream timed out\n");
      case ConnectFailure::kTls:
        return upstream_failed("tls", 502, "upstream TLS handshake failed\n");
    }
    upstream_ = std::move(connection);
    do_write_upstream_head();
  }

  void do_write_upstream_head() {
    sent_at_ = Clock::now();
    upstream_->stream.tcp().expires_at(deadline_);
    net::async_write(upstream_->stream, net::buffer(up_head_),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_write_upstream_head(ec);
                     });
  }

  void on_write_upstream_head(beast::error_code ec) {
    if (closed_) return;
    if (ec) return upstream_io_failed(ec, /*nothing_received=*/true);
    if (!head_.has_body) return read_response_head();
    if (!body_) body_ = worker_.spare_buffers.take();
    if (expect_continue_ && in_.size() == 0) {
      // The client waits for this before sending the body.
      stream_.tcp().expires_after(listener_.config.body_timeout);
      net::async_write(stream_, net::buffer(kContinue),
                       [self = shared_from_this()](beast::error_code write_ec, std::size_t) {
                         if (self->closed_) return;
                         if (write_ec) return self->abort_request();
                         self->relay_request_body();
                       });
      return;
    }
    relay_request_body();
  }

  // Parses what the client sent into body_ and writes it upstream, re-framed.
  void relay_request_body() {
    parser_->set_body_buffer(body_.get(), kBodyBufferSize);
    beast::error_code ec;
    while (!parser_->is_done() && in_.size() > 0 && parser_->body_size() < kBodyBufferSize) {
      const std::size_t used = parser_->put(in_.data(), ec);
      in_.consume(used);
      if (ec) break;
    }
    if (ec && !is_benign(ec)) {
      drop_upstream();
      return send_text(400, "malformed request body\n", /*force_close=*/true);
    }
    const std::size_t n = parser_->body_size();
    bytes_in_ += n;
    if (bytes_in_ > plan_.max_body_bytes) {
      drop_upstream();
      return send_text(413, "request body too large\n", /*force_close=*/true);
    }
    const bool done = parser_->is_done();
    if (n == 0 && !done) return do_read_request_body();
    if (n == 0 && !request_chunked_) return read_response_head();
    std::array<net::const_buffer, 4> buffers{};
    if (request_chunked_) {
      if (n > 0) {
        buffers[0] = net::buffer(chunk_size_line(chunk_line_, n));
        buffers[1] = net::buffer(body_.get(), n);
        buffers[2] = net::buffer(kCrLf);
      }
      if (done) buffers[3] = net::buffer(last_chunk(head_.fields, request_head_fields_));
    } else {
      buffers[1] = net::buffer(body_.get(), n);
    }
    upstream_->stream.tcp().expires_after(listener_.config.body_timeout);
    net::async_write(upstream_->stream, buffers,
                     [self = shared_from_this(), done](beast::error_code write_ec, std::size_t) {
                       if (self->closed_) return;
                       if (write_ec) return self->upstream_io_failed(write_ec, false);
                       if (done) return self->read_response_head();
                       self->relay_request_body();
                     });
  }

  void do_read_request_body() {
    stream_.tcp().expires_after(listener_.config.body_timeout);
    stream_.async_read_some(in_.prepare(kClientReadSize),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (self->closed_) return;
                              // The client went away or stalled: nobody to answer.
                              if (ec) return self->abort_request();
                              self->in_.commit(n);
                              self->relay_request_body();
                            });
  }

  // ---- Forwarding: response ----------------------------------------------------------------

  void read_response_head() {
    received_response_bytes_ = false;
    response_.fields.clear();
    response_parser_.emplace(response_);
    response_parser_->header_limit(kUpstreamHeaderLimit);
    if (head_.method == "HEAD") response_parser_->skip(true);
    if (head_.has_body) {
      upstream_->stream.tcp().expires_after(plan_.upstream_timeout);
    } else {
      upstream_->stream.tcp().expires_at(deadline_);
    }
    if (upstream_->in.size() > 0) return parse_response_head();
    do_read_response_head();
  }

  void do_read_response_head() {
    upstream_->stream.async_read_some(
        upstream_->in.prepare(kUpstreamReadSize),
        [self = shared_from_this()](beast::error_code ec, std::size_t n) {
          self->on_read_response_head(ec, n);
        });
  }

  void on_read_response_head(beast::error_code ec, std::size_t n) {
    if (closed_) return;
    if (ec) return upstream_io_failed(ec, /*nothing_received=*/!received_response_bytes_);
    received_response_bytes_ = true;
    upstream_->in.commit(n);
    parse_response_head();
  }

  void parse_response_head() {
    beast::error_code ec;
    const std::size_t used = response_parser_->put(upstream_->in.data(), ec);
    upstream_->in.consume(used);
    if (ec == http::error::need_more) return do_read_response_head();
    if (ec || !response_parser_->is_header_done()) {
      return upstream_failed("malformed", 502, "malformed upstream response\n");
    }
    const int status = response_.status;
    if (status == 101) {
      if (!upgrade_) return upstream_failed("malformed", 502, "upstream switched protocols\n");
      if (!lists_token(response_.fields, "upgrade", "websocket")) {
        return upstream_failed("malformed", 502, "upstream switched to another protocol\n");
      }
      shared_.metrics.observe_upstream(outcome_.service, Clock::now() - sent_at_);
      return start_tunnel();
    }
    if (status >= 100 && status < 200) {
      // Interim responses (100, 103) are not relayed; the final one follows.
      response_.fields.clear();
      response_parser_.emplace(response_);
      response_parser_->header_limit(kUpstreamHeaderLimit);
      if (head_.method == "HEAD") response_parser_->skip(true);
      if (upstream_->in.size() > 0) return parse_response_head();
      return do_read_response_head();
    }
    shared_.metrics.observe_upstream(outcome_.service, Clock::now() - sent_at_);
    start_response();
  }

  void start_response() {
    phase_ = Phase::kResponding;
    status_ = response_.status;
    remove_hop_by_hop(response_.fields);
    const bool no_body = head_.method == "HEAD" || status_ == 204 || status_ == 304;
    if (no_body) {
      framing_ = Framing::kNone;
    } else if (response_parser_->content_length()) {
      framing_ = Framing::kLength;
    } else {
      remove_field(response_.fields, "content-length");
      framing_ = head_.version >= 11 ? Framing::kChunked : Framing::kUntilClose;
    }
    // The client gets trailer fields only with a chunked body (not an HTTP/1.0 one).
    if (framing_ != Framing::kChunked) remove_field(response_.fields, "trailer");
    // Before the body is parsed: the parser appends the trailer fields after these.
    response_head_fields_ = response_.fields.size();
    // An upstream that refused an upgrade may still expect the other protocol next.
    upstream_reusable_ = response_parser_->keep_alive() && !upgrade_;
    client_keep_alive_ =
        keep_alive_ && !worker_.draining && framing_ != Framing::kUntilClose && parser_->is_done();
    out_.clear();
    append_status_line(out_, status_);
    for (const Field& field : response_.fields) {
      append_parsed_field(out_, field.name, field.value);
    }
    if (framing_ == Framing::kChunked) out_ += "Transfer-Encoding: chunked\r\n";
    append_connection_field(client_keep_alive_);
    out_ += kCrLf;
    head_pending_ = true;
    if (!body_) body_ = worker_.spare_buffers.take();
    relay_response_body();
  }

  // Parses what the upstream sent into body_ and writes it to the client (with the head,
  // the first time), re-framed.
  void relay_response_body() {
    response_parser_->set_body_buffer(body_.get(), kBodyBufferSize);
    beast::error_code ec;
    while (!response_parser_->is_done() && upstream_->in.size() > 0 &&
           response_parser_->body_size() < kBodyBufferSize) {
      const std::size_t used = response_parser_->put(upstream_->in.data(), ec);
      upstream_->in.consume(used);
      if (ec) break;
    }
    if (ec && !is_benign(ec)) {
      return upstream_failed("malformed", 502, "malformed upstream response body\n");
    }
    const std::size_t n = response_parser_->body_size();
    const bool done = response_parser_->is_done();
    if (n == 0 && !done && !head_pending_) return do_read_response_body();
    bytes_out_ += n;
    std::array<net::const_buffer, 5> buffers{};
    if (head_pending_) buffers[0] = net::buffer(out_);
    if (framing_ == Framing::kChunked) {
      if (n > 0) {
        buffers[1] = net::buffer(chunk_size_line(chunk_line_, n));
        buffers[2] = net::buffer(body_.get(), n);
        buffers[3] = net::buffer(kCrLf);
      }
      if (done) buffers[4] = net::buffer(last_chunk(response_.fields, response_head_fields_));
    } else {
      buffers[2] = net::buffer(body_.get(), n);
    }
    stream_.tcp().expires_after(listener_.config.body_timeout);
    net::async_write(stream_, buffers,
                     [self = shared_from_this(), done](beast::error_code write_ec, std::size_t) {
                       if (self->closed_) return;
                       if (write_ec) return self->abort_request();
                       self->head_pending_ = false;
                       self->head_sent_ = true;
                       if (done) return self->complete_response();
                       self->relay_response_body();
                     });
  }

  // The end of a chunked body, with the trailer fields its sender wrote after the body (those
  // of `fields` from `head_fields` on: the parser appends them to the head's), less those that
  // describe the connection or the framing.
  std::string_view last_chunk(const std::vector<Field>& fields, std::size_t head_fields) {
    if (fields.size() <= head_fields) return kLastChunk;
    last_chunk_.assign("0\r\n");
    for (std::size_t i = head_fields; i < fields.size(); ++i) {
      const Field& field = fields[i];
      if (is_hop_by_hop(field.name) || frames_the_body(field.name) || iequals(field.name, "host")) {
        continue;
      }
      append_parsed_field(last_chunk_, field.name, field.value);
    }
    last_chunk_ += kCrLf;
    return last_chunk_;
  }

  void do_read_response_body() {
    upstream_->stream.tcp().expires_after(listener_.config.body_timeout);
    upstream_->stream.async_read_some(
        upstream_->in.prepare(kUpstreamReadSize),
        [self = shared_from_this()](beast::error_code ec, std::size_t n) {
          self->on_read_response_body(ec, n);
        });
  }

  void on_read_response_body(beast::error_code ec, std::size_t n) {
    if (closed_) return;
    if (ec && response_parser_->need_eof() &&
        (ec == net::error::eof || ec == ssl::error::stream_truncated)) {
      // A body delimited by the end of the connection has ended.
      beast::error_code eof_ec;
      response_parser_->put_eof(eof_ec);
      upstream_reusable_ = false;
      if (!eof_ec) return relay_response_body();
    }
    if (ec) {
      const bool timeout = ec == beast::error::timeout;
      return upstream_failed(timeout ? "timeout" : "reset", timeout ? 504 : 502,
                             timeout ? "upstream timed out\n" : "upstream closed the connection\n");
    }
    upstream_->in.commit(n);
    relay_response_body();
  }

  void complete_response() {
    if (upstream_reusable_ && upstream_->in.size() == 0) {
      worker_.pool.give_back(std::move(upstream_));
    } else {
      upstream_.reset();
    }
    finish_request(client_keep_alive_);
  }

  // ---- Upgraded connections ----------------------------------------------------------------

  // The upstream switched to WebSocket: its 101 goes to the client, then the tunnel relays
  // bytes both ways. Neither connection speaks HTTP afterwards, so both close at its end.
  void start_tunnel() {
    phase_ = Phase::kTunnel;
    status_ = 101;
    remove_hop_by_hop(response_.fields);
    out_.clear();
    append_status_line(out_, status_);
    for (const Field& field : response_.fields) {
      append_parsed_field(out_, field.name, field.value);
    }
    out_ += kWebSocketUpgradeFields;
    out_ += kCrLf;
    head_sent_ = true;
    worker_.spare_buffers.give_back(std::move(body_));
    tunnel_.emplace(stream_, upstream_->stream, kTunnelBufferSize,
                    listener_.config.upgrade_idle_timeout);
    // The tunnel's handlers hold the session, so `this` outlives the completion.
    tunnel_->start(shared_from_this(), std::move(out_), in_, upstream_->in,
                   [this](Tunnel::Totals totals) { on_tunnel_done(totals); });
  }

  void on_tunnel_done(Tunnel::Totals totals) {
    bytes_in_ = totals.to_upstream;
    bytes_out_ = totals.to_client;
    record_request();
    close_now();
  }

  // ---- Failures ----------------------------------------------------------------------------

  // An upstream read or write failed. A reused connection that fails before any response
  // byte was most likely closed by the upstream while parked: a request without a body
  // (nothing consumed from the client, so it can be sent again) is retried once on a new one.
  void upstream_io_failed(beast::error_code ec, bool nothing_received) {
    if (ec == beast::error::timeout) return upstream_failed("timeout", 504, "upstream timed out\n");
    if (nothing_received && reused_ && !retried_ && !head_.has_body) {
      retried_ = true;
      upstream_.reset();  // nothing is pending on it: this is its completion
      return connect_upstream();
    }
    upstream_failed("reset", 502, "upstream closed the connection\n");
  }

  // Called from an upstream completion (or with no upstream operation pending).
  void upstream_failed(std::string_view kind, int status, std::string_view text) {
    shared_.metrics.count_upstream_error(outcome_.service, kind);
    upstream_.reset();
    // Once response bytes went out, the client can only learn of the failure by the cut.
    if (head_sent_) return abort_request();
    send_text(status, text, /*force_close=*/!parser_->is_done());
  }

  // Closes an upstream connection whose exchange is abandoned.
  void drop_upstream() {
    if (upstream_) upstream_->stream.close();
  }

  // The exchange cannot complete (the client left, or the response broke off midway).
  void abort_request() {
    record_request();
    close_now();
  }

  // ---- End of a request ----------------------------------------------------------------------

  void finish_request(bool keep) {
    record_request();
    if (keep && !worker_.draining) return begin_request(/*first=*/false);
    do_linger();
  }

  void record_request() {
    AccessEntry entry;
    // An auth_request subrequest is logged as the client's request it decided.
    entry.method = outcome_.decided_method.empty() ? std::string_view(head_.method)
                                                   : std::string_view(outcome_.decided_method);
    entry.path = outcome_.decided_path.empty() ? path_of(head_.target)
                                               : std::string_view(outcome_.decided_path);
    entry.status = status_;
    entry.bytes_in = bytes_in_;
    entry.bytes_out = bytes_out_;
    entry.duration = Clock::now() - started_;
    entry.peer_address = head_.peer_address;
    gateway::record_request(shared_.metrics, shared_.logger, outcome_, entry);
    started_ = Clock::time_point{};
  }

  // Half-closes, then drops what the client still sends until it closes too (or
  // kLingerTime passes).
  void do_linger() {
    phase_ = Phase::kClosing;
    beast::error_code ignored;
    stream_.tcp().socket().shutdown(Socket::shutdown_send, ignored);
    stream_.tcp().expires_after(kLingerTime);
    do_linger_read();
  }

  void do_linger_read() {
    in_.clear();
    stream_.tcp().async_read_some(in_.prepare(kClientReadSize),
                                  [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                    if (self->closed_) return;
                                    if (ec) return self->close_now();
                                    self->do_linger_read();
                                  });
  }

  void close_now() {
    // Keeps the session alive to the end of this function even if this was the last hold.
    const std::shared_ptr<Session> hold = std::move(self_hold_);
    if (closed_) return;
    closed_ = true;
    phase_ = Phase::kClosing;
    stream_.close();
    drop_upstream();
  }

  Worker& worker_;
  ListenerState& listener_;
  ServerShared& shared_;
  FlexStream stream_;
  Phase phase_ = Phase::kWaiting;
  bool closed_ = false;
  std::shared_ptr<Session> self_hold_;  // set while the handler decides

  // The client side, reused from request to request.
  beast::flat_buffer in_;
  RequestHead head_;
  std::optional<RequestParser> parser_;
  bool head_deadline_armed_ = false;
  bool keep_alive_ = false;
  bool request_chunked_ = false;
  bool expect_continue_ = false;
  std::size_t request_head_fields_ = 0;  // fields of the head; later ones are trailers
  std::string out_;                      // the response head
  std::string reply_body_;               // a Reply's body
  std::unique_ptr<char[]> body_;         // body bytes in transit, either direction
  ChunkSizeBuffer chunk_line_{};
  std::string last_chunk_;  // a last chunk with trailer fields

  // The current request.
  Clock::time_point started_{};
  RequestOutcome outcome_;
  int status_ = 0;
  std::uint64_t bytes_in_ = 0;
  std::uint64_t bytes_out_ = 0;

  // The upstream exchange.
  ForwardPlan plan_;
  std::string pool_key_;
  UpstreamConfig keyed_upstream_;  // the upstream pool_key_ was made for
  std::string up_head_;            // kept for a retry
  Clock::time_point deadline_{};
  Clock::time_point sent_at_{};
  UpstreamPtr upstream_;
  bool reused_ = false;
  bool retried_ = false;
  bool received_response_bytes_ = false;
  ResponseHead response_;
  std::size_t response_head_fields_ = 0;  // fields of the head; later ones are trailers
  std::optional<ResponseParser> response_parser_;
  Framing framing_ = Framing::kNone;
  bool head_pending_ = false;  // response head built, not written yet
  bool head_sent_ = false;
  bool upstream_reusable_ = false;
  bool client_keep_alive_ = false;

  // A WebSocket upgrade: asked for by the request, then relayed once the upstream agreed.
  bool upgrade_ = false;
  std::optional<Tunnel> tunnel_;
};

}  // namespace

void start_session(Worker& worker, ListenerState& listener, Socket&& socket,
                   std::optional<std::string> peer_address) {
  beast::error_code ec;
  if (!peer_address) peer_address = socket.remote_endpoint(ec).address().to_string();
  // Responses go out as a head then body pieces: Nagle would hold each for the client's ACK.
  socket.set_option(tcp::no_delay(true), ec);
  TimedSocket timed(std::move(socket));
  auto session =
      listener.tls
          ? std::make_shared<Session>(worker, listener, FlexStream(std::move(timed), *listener.tls),
                                      std::move(*peer_address))
          : std::make_shared<Session>(worker, listener, FlexStream(std::move(timed)),
                                      std::move(*peer_address));
  session->start();
}

}  // namespace l402::gateway::proxy
