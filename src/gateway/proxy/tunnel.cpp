// Tunnel: two directions, each a read -> write -> read loop, and one idle timer for both.
#include "gateway/proxy/tunnel.hpp"

#include <algorithm>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <utility>

namespace l402::gateway::proxy {
namespace {

using Clock = std::chrono::steady_clock;

// The peer has finished sending: a TCP FIN, a TLS close_notify, or a FIN without one.
bool is_end_of_stream(const beast::error_code& ec) {
  return ec == net::error::eof || ec == ssl::error::stream_truncated;
}

}  // namespace

Tunnel::Tunnel(FlexStream& client, FlexStream& upstream, std::size_t buffer_size,
               std::chrono::milliseconds idle_timeout)
    : buffer_size_(buffer_size),
      idle_timeout_(idle_timeout),
      up_(client, upstream, buffer_size),
      down_(upstream, client, buffer_size),
      idle_timer_(client.get_executor()) {}

void Tunnel::start(std::shared_ptr<void> owner, std::string head, beast::flat_buffer& client_in,
                   beast::flat_buffer& upstream_in, Done done) {
  owner_ = owner;
  done_ = std::move(done);
  // The idle timer is the only deadline now: a stream's own expiry would cut a direction that
  // waits for its peer while the other direction is busy.
  up_.from->tcp().expires_never();
  down_.from->tcp().expires_never();
  down_.uncounted = head.size();
  down_.first = std::move(head);
  down_.first += beast::buffers_to_string(upstream_in.data());
  upstream_in.consume(upstream_in.size());
  up_.first = beast::buffers_to_string(client_in.data());
  client_in.consume(client_in.size());
  last_activity_ = Clock::now();
  write_first(down_);
  write_first(up_);
  do_wait_idle();
}

void Tunnel::close() { fail(); }

void Tunnel::write_first(Direction& direction) {
  if (direction.first.empty()) return do_read(direction);
  net::async_write(*direction.to, net::buffer(direction.first),
                   [this, hold = owner_.lock(), &direction](beast::error_code ec, std::size_t n) {
                     const std::size_t counted = n - std::min(n, direction.uncounted);
                     direction.first.clear();
                     direction.first.shrink_to_fit();
                     on_written(direction, ec, counted);
                   });
}

void Tunnel::do_read(Direction& direction) {
  direction.from->async_read_some(
      net::buffer(direction.buffer.get(), buffer_size_),
      [this, hold = owner_.lock(), &direction](beast::error_code ec, std::size_t n) {
        on_read(direction, ec, n);
      });
}

void Tunnel::on_read(Direction& direction, beast::error_code ec, std::size_t n) {
  if (ec) {
    if (!failed_ && is_end_of_stream(ec)) return end_direction(direction);
    direction.ended = true;
    fail();
    return finish_if_ended();
  }
  if (failed_) {
    direction.ended = true;
    return finish_if_ended();
  }
  last_activity_ = Clock::now();
  net::async_write(
      *direction.to, net::buffer(direction.buffer.get(), n),
      [this, hold = owner_.lock(), &direction](beast::error_code write_ec, std::size_t written) {
        on_written(direction, write_ec, written);
      });
}

void Tunnel::on_written(Direction& direction, beast::error_code ec, std::size_t counted) {
  direction.relayed += counted;
  if (ec || failed_) {
    direction.ended = true;
    fail();
    return finish_if_ended();
  }
  last_activity_ = Clock::now();
  do_read(direction);
}

// One side has finished sending: its peer is told so, and may go on sending the other way.
void Tunnel::end_direction(Direction& direction) {
  direction.ended = true;
  beast::error_code ignored;
  direction.to->tcp().socket().shutdown(Socket::shutdown_send, ignored);
  finish_if_ended();
}

void Tunnel::do_wait_idle() {
  idle_timer_.expires_at(last_activity_ + idle_timeout_);
  idle_timer_.async_wait([this, hold = owner_.lock()](beast::error_code ec) { on_idle_timer(ec); });
}

void Tunnel::on_idle_timer(beast::error_code ec) {
  // Cancelled when the tunnel finished; nothing to watch once it is failing.
  if (ec || finished_ || failed_) return;
  if (Clock::now() - last_activity_ >= idle_timeout_) {
    timed_out_ = true;
    return fail();
  }
  do_wait_idle();
}

void Tunnel::fail() {
  if (failed_) return;
  failed_ = true;
  up_.from->close();
  down_.from->close();
}

void Tunnel::finish_if_ended() {
  if (finished_ || !up_.ended || !down_.ended) return;
  finished_ = true;
  idle_timer_.cancel();
  up_.from->close();
  down_.from->close();
  const Done done = std::move(done_);
  if (done) done(Totals{up_.relayed, down_.relayed});
}

}  // namespace l402::gateway::proxy
