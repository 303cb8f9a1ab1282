// The byte relay of an upgraded connection (WebSocket): once the upstream has answered 101,
// whatever either side sends is written to the other as it arrives, unread and unchanged.
// Each direction reads into a buffer of its own and reads again only after the last piece
// was written out, so a slow reader slows its sender down instead of filling memory. The end
// of one side's stream is passed on as a half-close (shutdown of sending) of the other; the
// tunnel ends when both directions have ended, when either side fails or resets, when close()
// is called, or when no byte has moved either way for the idle timeout. At its end both
// streams are closed.
//
// Over TLS, a half-close is a TCP shutdown without a TLS close_notify (sending close_notify
// would need a read on a stream that already has one pending); WebSocket ends its sessions
// with a close handshake of its own before either side closes, so nothing is lost by it.
//
// Lifetime: the tunnel and both streams belong to an owner (the session), which start()
// receives as a shared_ptr. Every pending operation holds it, so the owner, the tunnel and the
// streams live until the tunnel's last handler has run. Private to src/gateway/proxy.
//
// Thread safety: the streams' thread only.
#pragma once

#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "gateway/proxy/flex_stream.hpp"

namespace l402::gateway::proxy {

class Tunnel {
 public:
  // The bytes relayed each way (a response head written first is not counted).
  struct Totals {
    std::uint64_t to_upstream = 0;
    std::uint64_t to_client = 0;
  };
  using Done = std::function<void(Totals)>;

  // Neither stream may have an operation pending; both are given to the tunnel until it ends.
  Tunnel(FlexStream& client, FlexStream& upstream, std::size_t buffer_size,
         std::chrono::milliseconds idle_timeout);
  Tunnel(const Tunnel&) = delete;
  Tunnel& operator=(const Tunnel&) = delete;

  // Starts relaying. Towards the client, `head` goes first, then what `upstream_in` holds
  // (read from the upstream past its response head); towards the upstream, what `client_in`
  // holds (read from the client past its request head) goes first. Both buffers are emptied.
  // `done` runs once, on the streams' thread and never inline, after the last operation.
  void start(std::shared_ptr<void> owner, std::string head, beast::flat_buffer& client_in,
             beast::flat_buffer& upstream_in, Done done);

  // Ends the tunnel at once: closes both streams (pending operations end with errors).
  void close();

  // Whether the idle timeout ended the tunnel.
  bool timed_out() const { return timed_out_; }

 private:
  struct Direction {
    Direction(FlexStream& source, FlexStream& sink, std::size_t buffer_size)
        : from(&source), to(&sink), buffer(std::make_unique_for_overwrite<char[]>(buffer_size)) {}

    FlexStream* from;
    FlexStream* to;
    std::unique_ptr<char[]> buffer;
    std::string first;          // written before the first read
    std::size_t uncounted = 0;  // leading bytes of `first` not counted (the response head)
    std::uint64_t relayed = 0;  // bytes written to `to`
    bool ended = false;         // no operation of this direction is pending, nor will be
  };

  void write_first(Direction& direction);
  void do_read(Direction& direction);
  void on_read(Direction& direction, beast::error_code ec, std::size_t n);
  void on_written(Direction& direction, beast::error_code ec, std::size_t counted);
  void end_direction(Direction& direction);
  void do_wait_idle();
  void on_idle_timer(beast::error_code ec);
  void fail();
  void finish_if_ended();

  std::size_t buffer_size_;
  std::chrono::milliseconds idle_timeout_;
  Direction up_;    // client -> upstream
  Direction down_;  // upstream -> client
  net::basic_waitable_timer<std::chrono::steady_clock, net::wait_traits<std::chrono::steady_clock>,
                            Executor>
      idle_timer_;
  std::chrono::steady_clock::time_point last_activity_{};
  // Each handler holds the owner strongly; the tunnel, inside the owner, only weakly.
  std::weak_ptr<void> owner_;
  Done done_;
  bool failed_ = false;
  bool finished_ = false;
  bool timed_out_ = false;
};

}  // namespace l402::gateway::proxy
