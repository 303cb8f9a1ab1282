// One thread that runs callbacks after a delay, so that the echo service can wait before a
// reply without holding a gRPC thread. A timer can be cancelled; its callback then runs soon
// (with fired = false) on the same thread, never inside cancel(), so a caller may cancel while
// holding a lock its callback takes.
//
// Thread safety: schedule() and cancel() may be called from any thread, callbacks included.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

namespace l402::testing {

class DelayTimer {
 public:
  using Callback = std::function<void(bool fired)>;
  using Clock = std::chrono::steady_clock;

  DelayTimer();
  // Cancels the timers still pending (their callbacks run, with fired = false) and joins.
  ~DelayTimer();
  DelayTimer(const DelayTimer&) = delete;
  DelayTimer& operator=(const DelayTimer&) = delete;

  // Runs `callback(true)` after `delay`, unless cancelled first. Returns the id for cancel().
  std::uint64_t schedule(std::chrono::milliseconds delay, Callback callback);
  // If timer `id` has not fired yet, its callback runs soon with false. Otherwise nothing.
  void cancel(std::uint64_t id);

 private:
  using Key = std::pair<Clock::time_point, std::uint64_t>;

  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  // Pending timers by due time, and the due time of each pending id.
  std::map<Key, Callback> pending_;
  std::unordered_map<std::uint64_t, Clock::time_point> due_of_;
  // Cancelled timers whose callback has yet to run.
  std::deque<Callback> cancelled_;
  std::uint64_t next_id_ = 1;
  bool stopping_ = false;
  // Last: started once everything above exists.
  std::thread thread_;
};

}  // namespace l402::testing
