#include "client/policy/amount_text.hpp"

#include "l402/token.hpp"

namespace l402::client_policy {

std::string sat_text(Msat amount) {
  const std::uint64_t sat = amount.value() / 1000;
  std::uint64_t msat = amount.value() % 1000;
  std::string out = std::to_string(sat);
  if (msat != 0) {
    std::string decimals = std::to_string(msat);
    decimals.insert(0, 3 - decimals.size(), '0');
    while (decimals.back() == '0') decimals.pop_back();
    out += '.' + decimals;
  }
  return out + " sat";
}

std::string time_text(std::int64_t unix_seconds) {
  if (unix_seconds < 0) return std::to_string(unix_seconds);
  return iso8601_utc(unix_seconds);
}

}  // namespace l402::client_policy
