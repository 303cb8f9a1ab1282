// parse_text: JSON (object or array), base64 of a binary stack in any variant, or hex of a
// binary stack, with surrounding whitespace. Properties: the parsed stack survives the binary
// stack round trip and comes back unchanged from the base64 (std and URL-safe) and hex texts
// of its V2 binary; errors carry a documented code.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_common.hpp"
#include "fuzz_macaroon.hpp"
#include "l402/encoding.hpp"
#include "l402/macaroon_format.hpp"

namespace {

void check_text_form(const std::vector<l402::Macaroon>& stack, const std::string& text,
                     const char* form) {
  using namespace l402;
  auto again = parse_text(text, fuzz::unlimited());
  if (!again.ok()) {
    std::fprintf(stderr, "%s text: %s\n", form, text.c_str());
    fuzz::dump_error("parse_text", again.error());
  } else if (!(*again == stack)) {
    std::fprintf(stderr, "%s text gives a different stack: %s\n", form, text.c_str());
  }
  L402_FUZZ_CHECK(again.ok() && *again == stack);
}

}  // namespace

// libFuzzer entry point; the name is fixed by libFuzzer.
extern "C" int LLVMFuzzerTestOneInput(  // NOLINT(readability-identifier-naming)
    const std::uint8_t* data, std::size_t size) {
  using namespace l402;
  auto parsed = parse_text(fuzz::as_text(data, size));
  if (!parsed.ok()) {
    fuzz::check_parse_error(parsed.error());
    return 0;
  }
  L402_FUZZ_CHECK(!parsed->empty());
  fuzz::check_stack_round_trip(*parsed);
  const std::string binary = to_binary_stack(*parsed);
  check_text_form(*parsed, base64::encode_std(binary), "std base64");
  check_text_form(*parsed, base64::encode_url(binary), "URL-safe base64");
  check_text_form(*parsed, " " + hex::encode(binary) + "\r\n", "hex");
  return 0;
}
