#include "delay_timer.hpp"

namespace l402::testing {

DelayTimer::DelayTimer() : thread_([this] { run(); }) {}

DelayTimer::~DelayTimer() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

std::uint64_t DelayTimer::schedule(std::chrono::milliseconds delay, Callback callback) {
  std::uint64_t id = 0;
  {
    const std::lock_guard lock(mutex_);
    id = next_id_++;
    const Clock::time_point due = Clock::now() + delay;
    pending_.emplace(Key{due, id}, std::move(callback));
    due_of_.emplace(id, due);
  }
  wake_.notify_one();
  return id;
}

void DelayTimer::cancel(std::uint64_t id) {
  {
    const std::lock_guard lock(mutex_);
    const auto due = due_of_.find(id);
    if (due == due_of_.end()) return;
    const auto timer = pending_.find(Key{due->second, id});
    cancelled_.push_back(std::move(timer->second));
    pending_.erase(timer);
    due_of_.erase(due);
  }
  wake_.notify_one();
}

void DelayTimer::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    if (stopping_) {
      // Whatever is still pending is cancelled, so that no call waits on a timer that is gone.
      for (auto& [key, callback] : pending_) cancelled_.push_back(std::move(callback));
      pending_.clear();
      due_of_.clear();
    }
    Callback callback;
    bool fired = false;
    if (!cancelled_.empty()) {
      callback = std::move(cancelled_.front());
      cancelled_.pop_front();
    } else if (!pending_.empty() && pending_.begin()->first.first <= Clock::now()) {
      const auto first = pending_.begin();
      callback = std::move(first->second);
      due_of_.erase(first->first.second);
      pending_.erase(first);
      fired = true;
    } else if (stopping_) {
      return;
    } else if (pending_.empty()) {
      wake_.wait(lock);
      continue;
    } else {
      // A copy: the node may be erased (cancel) while the lock is released.
      const Clock::time_point next_due = pending_.begin()->first.first;
      wake_.wait_until(lock, next_due);
      continue;
    }
    // Outside the lock: a callback may schedule or cancel.
    lock.unlock();
    callback(fired);
    lock.lock();
  }
}

}  // namespace l402::testing
