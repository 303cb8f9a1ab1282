// A fixed set of threads running blocking jobs (store and Lightning calls) off the gateway's
// I/O threads, with a bounded queue so that overload is refused instead of piling up.
//
// Thread safety: try_submit() and queued() may be called from any thread; stop() and the
// destructor from one thread, not from a job.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace l402 {

class WorkerPool {
 public:
  // Requires: threads >= 1, queue_capacity >= 1.
  WorkerPool(std::size_t threads, std::size_t queue_capacity);
  ~WorkerPool();  // stop()

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `job`. Returns false, without running it, when the queue is full or the pool is
  // stopping: the caller answers "busy" (e.g. 503) rather than waiting.
  bool try_submit(std::function<void()> job);

  // Refuses new jobs, runs those already queued, and joins the threads. Idempotent.
  void stop();

  // Jobs waiting for a thread.
  std::size_t queued() const;

 private:
  void run();

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace l402
