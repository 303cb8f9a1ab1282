// Amounts and durations as people write them on the command line and in the config file.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "l402/amount.hpp"
#include "l402/result.hpp"

namespace l402::cli {

// "1000" or "1000 sat" (satoshis), "1500 msat" (millisatoshis); the space is optional.
// At most 21 million bitcoin. Errors: kInvalidArgument saying what was expected.
Result<Msat> parse_amount(std::string_view text);

// "90" or "90s", "15m", "1h", "2d": at least 1 second, at most 3650 days.
// Errors: kInvalidArgument saying what was expected.
Result<std::chrono::seconds> parse_duration(std::string_view text);

// "21 sat", "0.5 sat", "21.005 sat".
std::string sat_text(Msat amount);

}  // namespace l402::cli
