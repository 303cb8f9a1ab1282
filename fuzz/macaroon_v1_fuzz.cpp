// V1 binary packets through parse_binary. The first byte is forced to a lower-case hex digit
// so that every input takes the V1 path. Properties: a parsed macaroon survives the V1 binary,
// V1 JSON, V2 binary and V2 JSON round trips unchanged; errors carry a documented code.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.hpp"
#include "fuzz_macaroon.hpp"
#include "l402/macaroon_format.hpp"

// libFuzzer entry point; the name is fixed by libFuzzer.
extern "C" int LLVMFuzzerTestOneInput(  // NOLINT(readability-identifier-naming)
    const std::uint8_t* data, std::size_t size) {
  using namespace l402;
  if (size == 0) return 0;
  std::string input(fuzz::as_text(data, size));
  // Seeds start with '0' already; map any other byte onto a hex digit.
  const auto first = static_cast<unsigned char>(input[0]);
  const bool is_hex = (first >= '0' && first <= '9') || (first >= 'a' && first <= 'f');
  if (!is_hex) input[0] = "0123456789abcdef"[first % 16];

  auto parsed = parse_binary(input);
  if (!parsed.ok()) {
    fuzz::check_parse_error(parsed.error());
    return 0;
  }
  fuzz::check_v1_round_trips(*parsed);
  fuzz::check_binary_v2_round_trip(*parsed);
  fuzz::check_json_v2_round_trip(*parsed);
  return 0;
}
