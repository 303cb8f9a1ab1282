// UTC days: boundaries, negative times, calendar dates.
#include <gtest/gtest.h>

#include <cstdint>

#include "l402/purchase_policy.hpp"

namespace l402 {
namespace {

TEST(UtcDay, StartsAtMidnightAndEndsAtTheNextMidnight) {
  const UtcDay day = utc_day(1'700'000'000);  // 2023-11-14T22:13:20Z
  EXPECT_EQ(day.start, 1'699'920'000);
  EXPECT_EQ(day.end, 1'700'006'400);
  EXPECT_EQ(utc_day(day.start).start, day.start);
  EXPECT_EQ(utc_day(day.end - 1).start, day.start);
  EXPECT_EQ(utc_day(day.end).start, day.end);
}

TEST(UtcDay, FloorsNegativeTimes) {
  EXPECT_EQ(utc_day(-1).start, -86'400);
  EXPECT_EQ(utc_day(-1).end, 0);
  EXPECT_EQ(utc_day(-86'400).start, -86'400);
  EXPECT_EQ(utc_day(0).start, 0);
}

TEST(UtcDay, SaturatesAtTheEndsOfTheRange) {
  EXPECT_EQ(utc_day(INT64_MAX).end, INT64_MAX);
  EXPECT_EQ(utc_day(INT64_MIN).start, INT64_MIN);
  EXPECT_LE(utc_day(INT64_MAX).start, INT64_MAX);
}

TEST(UtcDate, WritesTheCalendarDay) {
  EXPECT_EQ(utc_date(0), "1970-01-01");
  EXPECT_EQ(utc_date(-1), "1969-12-31");
  EXPECT_EQ(utc_date(1'700'000'000), "2023-11-14");
  EXPECT_EQ(utc_date(1'709'164'800), "2024-02-29");  // a leap day
  EXPECT_EQ(utc_date(1'709'251'199), "2024-02-29");
  EXPECT_EQ(utc_date(1'709'251'200), "2024-03-01");
  EXPECT_EQ(utc_date(951'782'400), "2000-02-29");    // divisible by 400: a leap year
  EXPECT_EQ(utc_date(4'107'542'400), "2100-03-01");  // divisible by 100: no Feb 29
}

TEST(UtcDate, HandlesTheEndsOfTheRange) {
  EXPECT_FALSE(utc_date(INT64_MAX).empty());
  EXPECT_FALSE(utc_date(INT64_MIN).empty());
}

}  // namespace
}  // namespace l402
