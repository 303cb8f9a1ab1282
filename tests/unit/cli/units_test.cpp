// Amounts and durations as `l402` reads them from its command line and configuration file.
#include "units.hpp"

#include <gtest/gtest.h>

#include "result_matchers.hpp"

namespace l402::cli {
namespace {

using test::HasError;

TEST(ParseAmount, ReadsSatoshisByDefaultAndMillisatoshisWhenSaid) {
  EXPECT_EQ(*parse_amount("1000"), Msat(1'000'000));
  EXPECT_EQ(*parse_amount("1000 sat"), Msat(1'000'000));
  EXPECT_EQ(*parse_amount("1000sat"), Msat(1'000'000));
  EXPECT_EQ(*parse_amount("1500 msat"), Msat(1'500));
  EXPECT_EQ(*parse_amount("0"), Msat(0));
}

TEST(ParseAmount, RefusesWhatIsNotAnAmount) {
  for (const char* text :
       {"", "sat", "-1", "1.5", "10 btc", "1e3", "10 sat extra", "99999999999999999999999"}) {
    EXPECT_TRUE(HasError(parse_amount(text), ErrorCode::kInvalidArgument)) << text;
  }
}

TEST(ParseAmount, StopsAtTwentyOneMillionBitcoin) {
  EXPECT_TRUE(parse_amount("2100000000000000 sat").ok());
  EXPECT_TRUE(HasError(parse_amount("2100000000000001 sat"), ErrorCode::kInvalidArgument));
}

TEST(ParseDuration, ReadsSecondsMinutesHoursAndDays) {
  EXPECT_EQ(*parse_duration("90"), std::chrono::seconds(90));
  EXPECT_EQ(*parse_duration("90s"), std::chrono::seconds(90));
  EXPECT_EQ(*parse_duration("15m"), std::chrono::minutes(15));
  EXPECT_EQ(*parse_duration("1h"), std::chrono::hours(1));
  EXPECT_EQ(*parse_duration("2d"), std::chrono::hours(48));
}

TEST(ParseDuration, RefusesZeroUnitsItDoesNotKnowAndMoreThanTenYears) {
  for (const char* text : {"", "0", "0s", "h", "1w", "-5m", "1.5h", "3651d"}) {
    EXPECT_TRUE(HasError(parse_duration(text), ErrorCode::kInvalidArgument)) << text;
  }
  EXPECT_TRUE(parse_duration("3650d").ok());
}

TEST(SatText, WritesWholeAndFractionalSatoshis) {
  EXPECT_EQ(sat_text(Msat(21'000)), "21 sat");
  EXPECT_EQ(sat_text(Msat(500)), "0.5 sat");
  EXPECT_EQ(sat_text(Msat(21'005)), "21.005 sat");
}

}  // namespace
}  // namespace l402::cli
