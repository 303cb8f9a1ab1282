// Amounts and times in refusal messages, written for people (private to the policy).
#pragma once

#include <cstdint>
#include <string>

#include "l402/amount.hpp"

namespace l402::client_policy {

// "21 sat", "0.5 sat", "21.005 sat": satoshis with the millisatoshis as decimals, if any.
std::string sat_text(Msat amount);

// ISO 8601 UTC for a Unix time, or the plain number for a time before 1970.
std::string time_text(std::int64_t unix_seconds);

}  // namespace l402::client_policy
