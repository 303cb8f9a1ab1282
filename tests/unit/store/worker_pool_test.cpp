// WorkerPool: jobs run off the caller's thread, a full queue refuses, stop() drains.
#include "l402/worker_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace l402 {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A gate jobs wait at until the test opens it (bounded, so a bug cannot hang the test).
class Gate {
 public:
  void wait() {
    std::unique_lock lock(mutex_);
    opened_cv_.wait_for(lock, seconds(10), [this] { return open_; });
  }
  void open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    opened_cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable opened_cv_;
  bool open_ = false;
};

TEST(WorkerPool, RunsSubmittedJobsOnItsThreads) {
  WorkerPool pool(2, 16);
  std::atomic<int> ran{0};
  std::atomic<bool> on_caller{false};
  const auto caller = std::this_thread::get_id();
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(pool.try_submit([&] {
      if (std::this_thread::get_id() == caller) on_caller = true;
      ++ran;
    }));
  }
  pool.stop();
  EXPECT_EQ(ran.load(), 10);
  EXPECT_FALSE(on_caller.load());
}

TEST(WorkerPool, RefusesWhenTheQueueIsFull) {
  WorkerPool pool(1, 2);
  Gate gate;
  std::promise<void> started;
  std::atomic<int> ran{0};
  ASSERT_TRUE(pool.try_submit([&] {
    started.set_value();
    gate.wait();
    ++ran;
  }));
  ASSERT_EQ(started.get_future().wait_for(seconds(10)), std::future_status::ready);
  // The only thread is busy: two jobs fit in the queue, the third is refused.
  EXPECT_TRUE(pool.try_submit([&] { ++ran; }));
  EXPECT_TRUE(pool.try_submit([&] { ++ran; }));
  EXPECT_EQ(pool.queued(), 2u);
  EXPECT_FALSE(pool.try_submit([&] { ran += 100; }));
  EXPECT_EQ(pool.queued(), 2u);
  gate.open();
  pool.stop();
  EXPECT_EQ(ran.load(), 3);
  EXPECT_EQ(pool.queued(), 0u);
}

TEST(WorkerPool, StopRunsTheQueuedJobsThenRefuses) {
  WorkerPool pool(1, 100);
  Gate gate;
  std::atomic<int> ran{0};
  ASSERT_TRUE(pool.try_submit([&] { gate.wait(); }));
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(pool.try_submit([&] { ++ran; }));
  std::thread opener([&] {
    std::this_thread::sleep_for(milliseconds(50));
    gate.open();
  });
  pool.stop();
  opener.join();
  EXPECT_EQ(ran.load(), 50);
  EXPECT_FALSE(pool.try_submit([&] { ++ran; }));
  pool.stop();  // idempotent
  EXPECT_EQ(ran.load(), 50);
}

TEST(WorkerPool, DestructorDrainsTheQueue) {
  std::atomic<int> ran{0};
  {
    WorkerPool pool(2, 100);
    for (int i = 0; i < 40; ++i) ASSERT_TRUE(pool.try_submit([&] { ++ran; }));
  }
  EXPECT_EQ(ran.load(), 40);
}

TEST(WorkerPool, RunsJobsInParallel) {
  constexpr int kThreads = 4;
  WorkerPool pool(kThreads, 16);
  std::mutex mutex;
  std::condition_variable all_in;
  int inside = 0;
  std::atomic<int> met{0};
  for (int i = 0; i < kThreads; ++i) {
    ASSERT_TRUE(pool.try_submit([&] {
      std::unique_lock lock(mutex);
      ++inside;
      all_in.notify_all();
      // Succeeds only when all jobs run at once.
      if (all_in.wait_for(lock, seconds(10), [&] { return inside == kThreads; })) ++met;
    }));
  }
  pool.stop();
  EXPECT_EQ(met.load(), kThreads);
}

TEST(WorkerPool, ManySubmittersAcceptedJobsAllRun) {
  WorkerPool pool(3, 64);
  std::atomic<int> accepted{0};
  std::atomic<int> ran{0};
  std::vector<std::thread> submitters;
  for (int t = 0; t < 8; ++t) {
    submitters.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        if (pool.try_submit([&] { ++ran; })) ++accepted;
      }
    });
  }
  for (std::thread& thread : submitters) thread.join();
  pool.stop();
  EXPECT_GT(accepted.load(), 0);
  EXPECT_EQ(ran.load(), accepted.load());
}

}  // namespace
}  // namespace l402
