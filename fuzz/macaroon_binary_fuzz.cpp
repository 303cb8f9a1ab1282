// Binary macaroons (V2, and V1 when the first byte is a hex digit) and stacks of them.
// Properties: a parsed macaroon survives to_binary_v2 -> parse_binary (and to_json_v2 ->
// parse_json) unchanged; V2 re-serialisation is never longer than the input it came from;
// parse_binary, parse_binary_prefix and parse_binary_stack agree with each other; errors carry
// a documented code.
#include <cstddef>
#include <cstdint>

#include "fuzz_common.hpp"
#include "fuzz_macaroon.hpp"
#include "l402/macaroon_format.hpp"

// libFuzzer entry point; the name is fixed by libFuzzer.
extern "C" int LLVMFuzzerTestOneInput(  // NOLINT(readability-identifier-naming)
    const std::uint8_t* data, std::size_t size) {
  using namespace l402;
  const std::string_view input = fuzz::as_text(data, size);

  auto prefix = parse_binary_prefix(input);
  if (prefix.ok()) {
    L402_FUZZ_CHECK(prefix->consumed >= 1 && prefix->consumed <= input.size());
    fuzz::check_binary_v2_round_trip(prefix->macaroon);
    fuzz::check_json_v2_round_trip(prefix->macaroon);
    if (input[0] == 0x02) {
      // Our V2 output is canonical (minimal varints, no empty optional fields), so it cannot
      // be longer than any V2 encoding the parser accepted.
      L402_FUZZ_CHECK(to_binary_v2(prefix->macaroon).size() <= prefix->consumed);
    }
  } else {
    fuzz::check_parse_error(prefix.error());
  }

  auto whole = parse_binary(input);
  L402_FUZZ_CHECK(whole.ok() == (prefix.ok() && prefix->consumed == input.size()));
  if (whole.ok()) L402_FUZZ_CHECK(*whole == prefix->macaroon);
  if (!whole.ok()) fuzz::check_parse_error(whole.error());

  auto stack = parse_binary_stack(input);
  if (stack.ok()) {
    L402_FUZZ_CHECK(prefix.ok());
    L402_FUZZ_CHECK(!stack->empty() && (*stack)[0] == prefix->macaroon);
    fuzz::check_stack_round_trip(*stack);
  } else {
    fuzz::check_parse_error(stack.error());
  }

  // Tight limits reach the limit checks with short inputs; they may only turn a success into
  // an error, never the other way round.
  MacaroonLimits tight;
  tight.max_serialized_size = 1024;
  tight.max_caveats = 4;
  tight.max_field_size = 48;
  tight.max_stack_size = 3;
  auto tight_stack = parse_binary_stack(input, tight);
  if (tight_stack.ok()) {
    L402_FUZZ_CHECK(stack.ok() && *tight_stack == *stack);
  } else {
    fuzz::check_parse_error(tight_stack.error());
  }
  return 0;
}
