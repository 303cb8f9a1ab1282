// The devnet node both devnet harnesses of the conformance suite run: a payer account with a
// known balance, and a routing fee so that fee limits mean something.
#pragma once

#include <cstdint>
#include <string>

#include "l402/amount.hpp"
#include "l402/devnet.hpp"

namespace l402::test {

inline constexpr Msat kDevnetPayerBalance(50'000'000);
inline constexpr Msat kDevnetFeeBase(1000);
inline constexpr std::uint32_t kDevnetFeePpm = 1000;

inline DevnetOptions conformance_devnet_options(const std::string& data_dir) {
  DevnetOptions options;
  options.data_dir = data_dir;
  options.accounts = {{"payer", kDevnetPayerBalance}};
  options.fee_base = kDevnetFeeBase;
  options.fee_ppm = kDevnetFeePpm;
  return options;
}

inline Msat devnet_routing_fee(Msat amount) {
  return Msat(kDevnetFeeBase.value() + (amount.value() * kDevnetFeePpm + 999'999) / 1'000'000);
}

}  // namespace l402::test
