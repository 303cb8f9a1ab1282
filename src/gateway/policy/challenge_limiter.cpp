#include "gateway/policy/challenge_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace l402::gateway {
namespace {

double refilled(double tokens, ChallengeLimiter::Clock::time_point updated,
                ChallengeLimiter::Clock::time_point now, double capacity, double per_second) {
  const double elapsed = std::chrono::duration<double>(now - updated).count();
  return std::min(capacity, tokens + std::max(0.0, elapsed) * per_second);
}

}  // namespace

std::optional<std::chrono::seconds> ChallengeLimiter::take(std::string_view network,
                                                           const ChallengeLimit& limit,
                                                           Clock::time_point now) {
  if (limit.per_minute == 0) return std::nullopt;
  const double per_second = static_cast<double>(limit.per_minute) / 60.0;
  const double capacity = static_cast<double>(limit.burst > 0 ? limit.burst : limit.per_minute);

  const std::lock_guard lock(mutex_);
  auto found = buckets_.find(std::string(network));
  if (found == buckets_.end()) {
    if (buckets_.size() >= kMaxNetworks) make_room(capacity, per_second, now);
    found = buckets_.emplace(std::string(network), Bucket{capacity, now}).first;
  }
  Bucket& bucket = found->second;
  bucket.tokens = refilled(bucket.tokens, bucket.updated, now, capacity, per_second);
  bucket.updated = now;
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return std::nullopt;
  }
  const double wait = std::ceil((1.0 - bucket.tokens) / per_second);
  return std::chrono::seconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(wait)));
}

std::size_t ChallengeLimiter::networks() const {
  const std::lock_guard lock(mutex_);
  return buckets_.size();
}

void ChallengeLimiter::make_room(double capacity, double per_second, Clock::time_point now) {
  std::erase_if(buckets_, [&](const auto& entry) {
    const Bucket& bucket = entry.second;
    return refilled(bucket.tokens, bucket.updated, now, capacity, per_second) >= capacity;
  });
  // Networks that all hold partly used buckets: forgetting them lets each take one burst more,
  // which is still bounded, while refusing newcomers would let a flood lock everyone out.
  if (buckets_.size() >= kMaxNetworks) buckets_.clear();
}

}  // namespace l402::gateway
