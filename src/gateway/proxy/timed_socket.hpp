// A TCP socket whose operations have a deadline, like beast::basic_stream's, at a fraction of
// the cost on a busy connection. basic_stream starts a timer wait for every read and write and
// cancels it when the operation completes: a timer-queue insertion, a removal, and one more
// handler run (the cancelled wait's) per operation. Here the expiry is a value that setting
// costs nothing, and one timer per socket is armed only when an operation starts with an
// expiry earlier than the timer's: when the timer fires before the expiry (the deadline moved
// on while the connection was busy), it is armed again for the expiry. A connection that keeps
// setting later deadlines thus costs one timer wait per timeout period, not one per operation.
//
// Semantics are basic_stream's: an expiry applies to the operations pending when it passes
// (reads and writes alike) and to those started after it has passed that have to wait; those
// complete with beast::error::timeout, and the socket is closed. An expiry that passes while
// nothing is pending closes nothing until an operation starts. Private to src/gateway/proxy.
//
// Thread safety: as a socket (one thread at a time; each is used on its io_context's thread).
#pragma once

#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <utility>

namespace l402::gateway::proxy {

namespace net = boost::asio;
using tcp = net::ip::tcp;

// Every socket of the proxy belongs to one io_context, run by one thread: sockets carry that
// executor's concrete type instead of the type-erased one, which costs a copy and a
// destruction of a polymorphic executor on every operation.
using Executor = net::io_context::executor_type;
using Socket = net::basic_stream_socket<tcp, Executor>;

class TimedSocket {
 public:
  using Clock = std::chrono::steady_clock;
  using executor_type = Executor;
  // For asio::ssl::stream, which names its next layer's lowest layer.
  using lowest_layer_type = Socket::lowest_layer_type;

  explicit TimedSocket(Socket&& socket) : state_(std::make_shared<State>(std::move(socket))) {}
  TimedSocket(TimedSocket&&) noexcept = default;
  TimedSocket& operator=(TimedSocket&&) = delete;
  TimedSocket(const TimedSocket&) = delete;
  TimedSocket& operator=(const TimedSocket&) = delete;
  // Closes the socket; a timer wait still pending keeps only the shared state alive.
  ~TimedSocket() {
    if (state_) close();
  }

  executor_type get_executor() noexcept { return state_->socket.get_executor(); }
  Socket& socket() noexcept { return state_->socket; }
  lowest_layer_type& lowest_layer() noexcept { return state_->socket.lowest_layer(); }

  void expires_after(Clock::duration timeout) { state_->expiry = Clock::now() + timeout; }
  void expires_at(Clock::time_point expiry) { state_->expiry = expiry; }
  void expires_never() { state_->expiry = Clock::time_point::max(); }

  // Closes the socket now; pending operations complete with operation_aborted.
  void close() {
    boost::system::error_code ignored;
    state_->socket.close(ignored);
    state_->timer.cancel();
  }

  template <typename Buffers, typename Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    begin_operation();
    state_->socket.async_read_some(
        buffers, Completion<std::decay_t<Handler>>{state_, std::forward<Handler>(handler)});
  }

  template <typename Buffers, typename Handler>
  void async_write_some(const Buffers& buffers, Handler&& handler) {
    begin_operation();
    state_->socket.async_write_some(
        buffers, Completion<std::decay_t<Handler>>{state_, std::forward<Handler>(handler)});
  }

 private:
  using Timer = net::basic_waitable_timer<Clock, net::wait_traits<Clock>, Executor>;

  struct State {
    explicit State(Socket&& s) : socket(std::move(s)), timer(socket.get_executor()) {}

    Socket socket;
    Timer timer;
    Clock::time_point expiry = Clock::time_point::max();
    // When the pending timer wait fires; max when none is pending.
    Clock::time_point wakes_at = Clock::time_point::max();
    std::uint64_t wait_generation = 0;  // tells a superseded wait's completion from the current
    int pending = 0;                    // reads and writes started, not completed
    bool timed_out = false;
  };

  // Wraps a read's or a write's handler: counts it done, and reports the abort that a passed
  // deadline caused as a timeout.
  template <typename Handler>
  struct Completion {
    std::shared_ptr<State> state;
    Handler handler;

    void operator()(boost::system::error_code ec, std::size_t bytes) {
      --state->pending;
      if (state->timed_out && ec == net::error::operation_aborted)
        ec = boost::beast::error::timeout;
      handler(ec, bytes);
    }
  };

  void begin_operation() {
    State& state = *state_;
    ++state.pending;
    if (state.expiry < state.wakes_at) arm(state_);
  }

  // Points the timer at the expiry; a wait already pending completes as superseded.
  static void arm(const std::shared_ptr<State>& state) {
    state->wakes_at = state->expiry;
    const std::uint64_t generation = ++state->wait_generation;
    state->timer.expires_at(state->expiry);
    state->timer.async_wait([state, generation](boost::system::error_code ec) {
      if (ec || generation != state->wait_generation) return;
      on_timer(state);
    });
  }

  static void on_timer(const std::shared_ptr<State>& state) {
    state->wakes_at = Clock::time_point::max();
    if (state->expiry == Clock::time_point::max()) return;
    if (Clock::now() < state->expiry) return arm(state);  // the deadline moved on meanwhile
    // Passed with nothing pending: the next operation to start arms the timer, which then
    // fires at once.
    if (state->pending == 0) return;
    state->timed_out = true;
    boost::system::error_code ignored;
    state->socket.close(ignored);
  }

  std::shared_ptr<State> state_;
};

}  // namespace l402::gateway::proxy
