// parse_json (V1 and V2 JSON objects, and a JSON string holding base64 of a binary macaroon).
// Properties: a parsed macaroon survives the V2 JSON, V2 binary and (when V1 can hold it) V1
// round trips unchanged; errors carry a documented code; nothing throws.
#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"
#include "fuzz_macaroon.hpp"
#include "l402/macaroon_format.hpp"

// libFuzzer entry point; the name is fixed by libFuzzer.
extern "C" int LLVMFuzzerTestOneInput(  // NOLINT(readability-identifier-naming)
    const std::uint8_t* data, std::size_t size) {
  using namespace l402;
  auto parsed = parse_json(fuzz::as_text(data, size));
  if (!parsed.ok()) {
    fuzz::check_parse_error(parsed.error());
    return 0;
  }
  fuzz::check_json_v2_round_trip(*parsed);
  fuzz::check_binary_v2_round_trip(*parsed);
  fuzz::check_v1_round_trips(*parsed);
  return 0;
}
