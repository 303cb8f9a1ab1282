// Tests of TimedSocket's deadlines on a real loopback connection: an operation pending when
// the expiry passes times out and closes the socket; a deadline that moved on while the
// connection was busy, or was lifted, cuts nothing; an earlier deadline takes effect although
// a later one was armed; an expiry that passed while nothing was pending times out the next
// read that has to wait. Every run of the io_context is bounded.
#include "gateway/proxy/timed_socket.hpp"

#include <gtest/gtest.h>

#include <array>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

namespace l402::gateway::proxy {
namespace {

using namespace std::chrono_literals;

constexpr auto kRunLimit = 5s;

// A connected pair on 127.0.0.1: `timed` under test, `peer` a plain socket.
class TimedSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tcp::acceptor acceptor(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    Socket client(ioc_.get_executor());
    client.connect(acceptor.local_endpoint());
    peer_.emplace(ioc_.get_executor());
    acceptor.accept(*peer_);
    timed_.emplace(std::move(client));
  }

  struct ReadResult {
    bool done = false;
    boost::system::error_code ec;
    std::size_t bytes = 0;
  };

  std::shared_ptr<ReadResult> start_read() {
    auto result = std::make_shared<ReadResult>();
    timed_->async_read_some(net::buffer(buffer_),
                            [result](boost::system::error_code ec, std::size_t n) {
                              result->done = true;
                              result->ec = ec;
                              result->bytes = n;
                            });
    return result;
  }

  // Runs the io_context until `result` is done (at most kRunLimit).
  void run_until_done(const std::shared_ptr<ReadResult>& result) {
    const auto limit = std::chrono::steady_clock::now() + kRunLimit;
    ioc_.restart();
    while (!result->done && std::chrono::steady_clock::now() < limit) ioc_.run_for(10ms);
  }

  // Starts a read, has the peer send a byte after `peer_delay` (if any), and runs the
  // io_context until the read is done (at most kRunLimit).
  std::shared_ptr<ReadResult> read_once(
      std::optional<std::chrono::milliseconds> peer_delay = std::nullopt) {
    const auto read = start_read();
    if (peer_delay) peer_sends_after(*peer_delay);
    run_until_done(read);
    return read;
  }

  // Runs the io_context for `duration`.
  void run_for(std::chrono::milliseconds duration) {
    ioc_.restart();
    ioc_.run_for(duration);
  }

  // The peer sends one byte after `delay`.
  void peer_sends_after(std::chrono::milliseconds delay) {
    auto timer = std::make_shared<net::steady_timer>(ioc_, delay);
    timer->async_wait([this, timer](boost::system::error_code ec) {
      if (!ec) net::write(*peer_, net::buffer(std::string("x")));
    });
  }

  net::io_context ioc_;
  std::optional<Socket> peer_;
  std::optional<TimedSocket> timed_;
  std::array<char, 64> buffer_{};
};

TEST_F(TimedSocketTest, AReadPendingWhenTheExpiryPassesTimesOutAndClosesTheSocket) {
  timed_->expires_after(50ms);
  const auto started = std::chrono::steady_clock::now();
  const auto read = read_once();
  ASSERT_TRUE(read->done);
  EXPECT_EQ(read->ec, boost::beast::error::timeout);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 50ms);
  EXPECT_FALSE(timed_->socket().is_open());
}

TEST_F(TimedSocketTest, ADeadlineMovedOnWhileBusyDoesNotCutTheNextRead) {
  timed_->expires_after(100ms);
  ASSERT_FALSE(read_once(20ms)->ec);
  // The timer was armed for the first deadline, which passes while this read waits.
  timed_->expires_after(400ms);
  const auto second = read_once(250ms);
  ASSERT_TRUE(second->done);
  EXPECT_FALSE(second->ec) << second->ec.message();
  EXPECT_EQ(second->bytes, 1u);
}

TEST_F(TimedSocketTest, AnEarlierDeadlineTakesEffectThoughALaterOneWasArmed) {
  timed_->expires_after(30s);
  ASSERT_FALSE(read_once(10ms)->ec);
  timed_->expires_after(50ms);
  const auto started = std::chrono::steady_clock::now();
  const auto second = read_once();
  ASSERT_TRUE(second->done);
  EXPECT_EQ(second->ec, boost::beast::error::timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST_F(TimedSocketTest, ALiftedDeadlineLeavesAPendingReadAlone) {
  timed_->expires_after(30ms);
  ASSERT_FALSE(read_once(5ms)->ec);
  timed_->expires_never();
  const auto second = read_once(200ms);
  ASSERT_TRUE(second->done);
  EXPECT_FALSE(second->ec) << second->ec.message();
}

TEST_F(TimedSocketTest, AnExpiryPassingWhileNothingIsPendingClosesNothing) {
  timed_->expires_after(30ms);
  bool written = false;
  timed_->async_write_some(
      net::buffer(std::string_view("ping")),
      [&written](boost::system::error_code ec, std::size_t) { written = !ec; });
  run_for(150ms);
  ASSERT_TRUE(written);
  EXPECT_TRUE(timed_->socket().is_open());
}

TEST_F(TimedSocketTest, AnExpiryThatPassedWhileIdleTimesOutTheNextReadThatWaits) {
  timed_->expires_after(20ms);
  std::this_thread::sleep_for(80ms);  // nothing pending, so nothing to run meanwhile
  // Forgotten, the passed expiry would leave this read waiting past the run limit.
  const auto read = read_once();
  ASSERT_TRUE(read->done);
  EXPECT_EQ(read->ec, boost::beast::error::timeout);
}

TEST_F(TimedSocketTest, DestroyingTheSocketWithItsTimerPendingIsSafe) {
  timed_->expires_after(50ms);
  ASSERT_FALSE(read_once(5ms)->ec);
  timed_.reset();
  run_for(120ms);  // the timer's wait completes after the socket is gone
  SUCCEED();
}

}  // namespace
}  // namespace l402::gateway::proxy
