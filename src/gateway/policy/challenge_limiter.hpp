// ChallengeLimiter: how many challenges each client network may have, as a token bucket per
// network (IPv4 /24, IPv6 /48). Every challenge costs an invoice on the Lightning backend and
// rows in the store until it expires, so an unpaid flood from one network is refused with 429
// instead of filling them.
//
// Limits come with each call, so a reloaded configuration applies at once and buckets outlive
// reloads. At most kMaxNetworks buckets are kept: beyond that, full buckets (networks that
// could take a burst anyway) are forgotten first, then all of them.
//
// Thread safety: every member may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace l402::gateway {

struct ChallengeLimit {
  std::uint64_t per_minute = 0;  // 0: no limit
  std::uint64_t burst = 0;       // challenges at once; 0: one minute's worth
};

class ChallengeLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kMaxNetworks = 65536;

  // Takes one challenge for `network` at `now`: nullopt when allowed, else how long until the
  // network may have the next one (at least a second).
  std::optional<std::chrono::seconds> take(std::string_view network, const ChallengeLimit& limit,
                                           Clock::time_point now);

  std::size_t networks() const;

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point updated;
  };

  void make_room(double capacity, double per_second, Clock::time_point now);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;  // guarded by mutex_
};

}  // namespace l402::gateway
