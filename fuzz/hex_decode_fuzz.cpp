// hex::decode accepts either case; a decoded input re-encodes to its lower-case form, and any
// bytes survive encode -> decode.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.hpp"
#include "l402/encoding.hpp"

// libFuzzer entry point; the name is fixed by libFuzzer.
extern "C" int LLVMFuzzerTestOneInput(  // NOLINT(readability-identifier-naming)
    const std::uint8_t* data, std::size_t size) {
  using namespace l402;
  const std::string_view input = fuzz::as_text(data, size);

  auto decoded = hex::decode(input);
  if (decoded.ok()) {
    std::string lower(input);
    for (char& c : lower) {
      if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    }
    L402_FUZZ_CHECK(decoded->size() * 2 == input.size());
    L402_FUZZ_CHECK(hex::encode(*decoded) == lower);
  } else {
    L402_FUZZ_CHECK(decoded.error().code() == ErrorCode::kInvalidArgument);
  }

  auto round_trip = hex::decode(hex::encode(input));
  L402_FUZZ_CHECK(round_trip.ok() && *round_trip == input);
  return 0;
}
