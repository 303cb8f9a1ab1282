// UTC days for the ledger's daily budgets and summaries.
#include <cstdint>
#include <cstdio>
#include <string>

#include "l402/purchase_policy.hpp"

namespace l402 {

namespace {

constexpr std::int64_t kSecondsPerDay = 86'400;

// Floor division: day -1 holds the second -1.
std::int64_t day_number(std::int64_t unix_seconds) {
  std::int64_t day = unix_seconds / kSecondsPerDay;
  if (unix_seconds % kSecondsPerDay < 0) --day;
  return day;
}

}  // namespace

UtcDay utc_day(std::int64_t unix_seconds) {
  const std::int64_t into_day = (unix_seconds % kSecondsPerDay + kSecondsPerDay) % kSecondsPerDay;
  // Only the first and last days of the int64 range reach past it: they saturate.
  std::int64_t start = 0;
  std::int64_t end = 0;
  if (__builtin_sub_overflow(unix_seconds, into_day, &start)) start = INT64_MIN;
  if (__builtin_add_overflow(start, kSecondsPerDay, &end)) end = INT64_MAX;
  return {start, end};
}

std::string utc_date(std::int64_t unix_seconds) {
  // Howard Hinnant's civil_from_days: exact for every day number an int64 time can give.
  const std::int64_t z = day_number(unix_seconds) + 719'468;
  const std::int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  const std::int64_t doe = z - era * 146'097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char text[64];
  std::snprintf(text, sizeof(text), "%04lld-%02lld-%02lld", static_cast<long long>(year),
                static_cast<long long>(month), static_cast<long long>(day));
  return text;
}

}  // namespace l402
