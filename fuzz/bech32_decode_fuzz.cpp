// bech32::decode: a decoded string re-encodes to its lower-case form. convert_bits: regrouping
// with padding and back without it returns the input whenever the target group is not wider
// than the source group (8 -> 5 -> 8 in particular), and 5 -> 8 -> 5 round-trips on success.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "l402/encoding.hpp"

namespace {

void check_decode(std::string_view input) {
  using namespace l402;
  auto decoded = bech32::decode(input, 2048);
  if (!decoded.ok()) {
    L402_FUZZ_CHECK(decoded.error().code() == ErrorCode::kInvalidArgument ||
                    decoded.error().code() == ErrorCode::kLimitExceeded);
    return;
  }
  std::string lower(input);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  for (std::uint8_t value : decoded->data) L402_FUZZ_CHECK(value < 32);
  L402_FUZZ_CHECK(bech32::encode(decoded->hrp, decoded->data, decoded->variant) == lower);

  // What BOLT 11 does with the data part: 5 -> 8 without padding, then back.
  auto bytes = bech32::convert_bits(decoded->data, 5, 8, false);
  if (bytes.ok()) {
    auto groups = bech32::convert_bits(*bytes, 8, 5, true);
    L402_FUZZ_CHECK(groups.ok() && *groups == decoded->data);
  }
}

void check_convert_bits(std::span<const std::uint8_t> in, int from_bits, int to_bits) {
  using namespace l402;
  auto out = bech32::convert_bits(in, from_bits, to_bits, true);
  if (!out.ok()) {
    // Only out-of-range values are an error when padding.
    bool out_of_range = false;
    for (std::uint8_t value : in) out_of_range |= (value >> from_bits) != 0;
    L402_FUZZ_CHECK(out_of_range);
    return;
  }
  for (std::uint8_t value : *out) L402_FUZZ_CHECK((value >> to_bits) == 0);
  L402_FUZZ_CHECK(out->size() * static_cast<std::size_t>(to_bits) >=
                  in.size() * static_cast<std::size_t>(from_bits));
  auto back = bech32::convert_bits(*out, to_bits, from_bits, false);
  if (to_bits <= from_bits) {
    L402_FUZZ_CHECK(back.ok());
    L402_FUZZ_CHECK(std::vector<std::uint8_t>(in.begin(), in.end()) == *back);
  } else if (back.ok()) {
    // Wider groups can leave whole zero groups of padding; the prefix must still match.
    L402_FUZZ_CHECK(back->size() >= in.size());
    L402_FUZZ_CHECK(std::equal(in.begin(), in.end(), back->begin()));
  }
}

}  // namespace

// libFuzzer entry point; the name is fixed by libFuzzer.
extern "C" int LLVMFuzzerTestOneInput(  // NOLINT(readability-identifier-naming)
    const std::uint8_t* data, std::size_t size) {
  check_decode(l402::fuzz::as_text(data, size));
  if (size >= 1) {
    // First byte picks the group sizes (1..8 each); the rest is the input, masked so that
    // most inputs are in range and some are not.
    const int from_bits = (data[0] & 7) + 1;
    const int to_bits = ((data[0] >> 3) & 7) + 1;
    std::vector<std::uint8_t> in(data + 1, data + size);
    if ((data[0] & 0x40) == 0) {
      for (auto& value : in) value = static_cast<std::uint8_t>(value & ((1u << from_bits) - 1));
    }
    check_convert_bits(in, from_bits, to_bits);
  }
  return 0;
}
