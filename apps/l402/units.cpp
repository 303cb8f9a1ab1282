#include "units.hpp"

#include <charconv>
#include <cstdint>
#include <limits>

namespace l402::cli {
namespace {

// 21 million bitcoin: no amount above it is meaningful.
constexpr std::uint64_t kMaxMsat = 21'000'000ULL * 100'000'000ULL * 1000ULL;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// The leading decimal digits of `text` and what follows them.
bool split_number(std::string_view text, std::uint64_t& number, std::string_view& unit) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end == text.data()) return false;
  unit = trim(text.substr(static_cast<std::size_t>(end - text.data())));
  return true;
}

}  // namespace

Result<Msat> parse_amount(std::string_view text) {
  const std::string shown(text.substr(0, 64));
  std::uint64_t number = 0;
  std::string_view unit;
  if (!split_number(trim(text), number, unit)) {
    return Error(ErrorCode::kInvalidArgument,
                 "amount '" + shown + "': expected a whole number of sat or msat, e.g. 100 sat");
  }
  std::uint64_t msat = 0;
  if (unit.empty() || unit == "sat" || unit == "sats") {
    if (number > kMaxMsat / 1000) {
      return Error(ErrorCode::kInvalidArgument, "amount '" + shown + "': above 21 million BTC");
    }
    msat = number * 1000;
  } else if (unit == "msat") {
    msat = number;
  } else {
    return Error(ErrorCode::kInvalidArgument,
                 "amount '" + shown + "': the unit must be sat or msat");
  }
  if (msat > kMaxMsat) {
    return Error(ErrorCode::kInvalidArgument, "amount '" + shown + "': above 21 million BTC");
  }
  return Msat(msat);
}

Result<std::chrono::seconds> parse_duration(std::string_view text) {
  const std::string shown(text.substr(0, 64));
  constexpr std::uint64_t kMaxSeconds = 3650ULL * 86'400;
  std::uint64_t number = 0;
  std::string_view unit;
  std::uint64_t scale = 0;
  if (split_number(trim(text), number, unit)) {
    if (unit.empty() || unit == "s") scale = 1;
    if (unit == "m") scale = 60;
    if (unit == "h") scale = 3600;
    if (unit == "d") scale = 86'400;
  }
  if (scale == 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "duration '" + shown + "': expected a number with s, m, h or d, e.g. 1h");
  }
  if (number == 0 || number > kMaxSeconds / scale) {
    return Error(ErrorCode::kInvalidArgument,
                 "duration '" + shown + "': must be between 1 second and 3650 days");
  }
  return std::chrono::seconds(static_cast<std::int64_t>(number * scale));
}

std::string sat_text(Msat amount) {
  std::string text = std::to_string(amount.value() / 1000);
  std::uint64_t rest = amount.value() % 1000;
  if (rest != 0) {
    std::string decimals = std::to_string(1000 + rest).substr(1);
    while (decimals.back() == '0') decimals.pop_back();
    text += "." + decimals;
  }
  return text + " sat";
}

}  // namespace l402::cli
