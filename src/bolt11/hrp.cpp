// The human-readable part: "ln" + currency prefix + optional amount with a multiplier.
#include <array>

#include "internal.hpp"

namespace l402 {
namespace {

struct Currency {
  Network network;
  std::string_view prefix;
  std::string_view name;
};

constexpr std::array<Currency, 5> kCurrencies{{
    {Network::kBitcoin, "bc", "bitcoin"},
    {Network::kTestnet, "tb", "testnet"},
    {Network::kSignet, "tbs", "signet"},
    {Network::kRegtest, "bcrt", "regtest"},
    {Network::kSimnet, "sb", "simnet"},
}};

const Currency& currency_of(Network network) {
  for (const Currency& currency : kCurrencies) {
    if (currency.network == network) return currency;
  }
  return kCurrencies[0];  // every enumerator is in the table
}

// BOLT 11: the amount is in bitcoin, scaled by the multiplier; 1 BTC = 10^11 msat. `p` is a
// tenth of a millisatoshi, so a `p` amount must end in 0.
constexpr std::uint64_t kMsatPerBtc = 100'000'000'000;

struct Multiplier {
  char letter;
  std::uint64_t msat_per_unit;  // for 'p': 1, then divided by 10
};
constexpr std::array<Multiplier, 4> kMultipliers{{
    {'m', 100'000'000},
    {'u', 100'000},
    {'n', 100},
    {'p', 1},
}};

}  // namespace

std::string_view network_name(Network network) { return currency_of(network).name; }
std::string_view network_prefix(Network network) { return currency_of(network).prefix; }

namespace bolt11_internal {

Result<std::string> make_hrp(Network network, std::optional<Msat> amount) {
  std::string hrp = "ln";
  hrp += network_prefix(network);
  if (!amount) return hrp;
  const std::uint64_t msat = amount->value();
  if (msat == 0) return invalid("a zero amount cannot be written; omit it for any amount");
  // The shortest form: the largest multiplier that keeps the number whole.
  if (msat % kMsatPerBtc == 0) return hrp + std::to_string(msat / kMsatPerBtc);
  for (const Multiplier& multiplier : kMultipliers) {
    if (multiplier.letter == 'p') break;
    if (msat % multiplier.msat_per_unit == 0) {
      return hrp + std::to_string(msat / multiplier.msat_per_unit) + multiplier.letter;
    }
  }
  // Tenths of a millisatoshi: the msat digits and a 0, which needs no 64-bit product.
  return hrp + std::to_string(msat) + "0p";
}

Result<ParsedHrp> parse_hrp(std::string_view hrp) {
  if (!hrp.starts_with("ln")) return invalid("human-readable part does not start with 'ln'");
  std::string_view rest = hrp.substr(2);
  std::size_t digits_start = 0;
  while (digits_start < rest.size() && (rest[digits_start] < '0' || rest[digits_start] > '9')) {
    ++digits_start;
  }
  const std::string_view prefix = rest.substr(0, digits_start);
  const Currency* currency = nullptr;
  for (const Currency& candidate : kCurrencies) {
    if (candidate.prefix == prefix) currency = &candidate;
  }
  if (currency == nullptr) {
    constexpr std::size_t kShown = 16;  // enough to recognise; the hrp may be kilobytes
    const bool cut = prefix.size() > kShown;
    return invalid("unknown currency prefix 'ln" + std::string(prefix.substr(0, kShown)) +
                   (cut ? "...'" : "'"));
  }
  ParsedHrp parsed{currency->network, std::nullopt};
  std::string_view amount = rest.substr(digits_start);
  if (amount.empty()) return parsed;

  const Multiplier* multiplier = nullptr;
  const char last = amount.back();
  if (last < '0' || last > '9') {
    for (const Multiplier& candidate : kMultipliers) {
      if (candidate.letter == last) multiplier = &candidate;
    }
    if (multiplier == nullptr) {
      return invalid(std::string("invalid amount multiplier '") + last + "'");
    }
    amount.remove_suffix(1);
  }
  if (amount.empty()) return invalid("amount multiplier without a number");
  for (char c : amount) {
    if (c < '0' || c > '9') return invalid("amount contains a non-digit");
  }
  if (multiplier != nullptr && multiplier->letter == 'p') {
    // BOLT 11: "MUST fail if ... the last decimal digit is not 0" for the p multiplier. The
    // digits before it are then whole millisatoshis, however large the pico amount.
    if (amount.back() != '0') return invalid("'p' amount is not a whole millisatoshi");
    amount.remove_suffix(1);
  }
  std::uint64_t number = 0;
  for (char c : amount) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (number > (UINT64_MAX - digit) / 10) return invalid("amount overflows");
    number = number * 10 + digit;
  }
  if (number == 0) return invalid("zero amount");
  std::uint64_t msat;
  if (multiplier == nullptr) {
    if (number > UINT64_MAX / kMsatPerBtc) return invalid("amount overflows");
    msat = number * kMsatPerBtc;
  } else if (multiplier->letter == 'p') {
    msat = number;
  } else {
    if (number > UINT64_MAX / multiplier->msat_per_unit) return invalid("amount overflows");
    msat = number * multiplier->msat_per_unit;
  }
  parsed.amount = Msat(msat);
  return parsed;
}

}  // namespace bolt11_internal
}  // namespace l402
