// select_token: which stored token to send, by the rule in purchase_policy.hpp.
#include <cstddef>
#include <optional>
#include <string_view>
#include <tuple>
#include <vector>

#include "l402/purchase_policy.hpp"

namespace l402 {

namespace {

// The non-empty segments of a path, without query or fragment.
std::vector<std::string_view> segments(std::string_view path) {
  path = path.substr(0, path.find_first_of("?#"));
  std::vector<std::string_view> out;
  while (!path.empty()) {
    const std::size_t slash = path.find('/');
    const std::string_view segment = path.substr(0, slash);
    if (!segment.empty()) out.push_back(segment);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

std::size_t shared_segments(const std::vector<std::string_view>& a,
                            const std::vector<std::string_view>& b) {
  std::size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

bool usable(const StoredToken& token, std::int64_t now) {
  if (token.stale) return false;
  if (!token.expires_at) return true;
  // Saturate: a `now` near INT64_MAX must not wrap into the past.
  const std::int64_t deadline =
      now > INT64_MAX - kTokenExpiryMargin ? INT64_MAX : now + kTokenExpiryMargin;
  return *token.expires_at > deadline;
}

}  // namespace

std::optional<std::size_t> select_token(std::span<const StoredToken> candidates,
                                        std::string_view request_path, std::int64_t now) {
  const std::vector<std::string_view> wanted = segments(request_path);
  std::optional<std::size_t> best;
  std::tuple<std::size_t, std::int64_t, std::string_view> best_key;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const StoredToken& token = candidates[i];
    if (!usable(token, now)) continue;
    const std::tuple<std::size_t, std::int64_t, std::string_view> key{
        shared_segments(segments(token.path_scope), wanted), token.bought_at, token.token_id};
    if (!best || key > best_key) {
      best = i;
      best_key = key;
    }
  }
  return best;
}

}  // namespace l402
