// uvarint::read accepts only minimal encodings of at most 10 bytes, so the bytes it consumes
// are exactly uvarint::append of the value it returns. Reads the whole input as a sequence.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.hpp"
#include "l402/encoding.hpp"

// libFuzzer entry point; the name is fixed by libFuzzer.
extern "C" int LLVMFuzzerTestOneInput(  // NOLINT(readability-identifier-naming)
    const std::uint8_t* data, std::size_t size) {
  using namespace l402;
  std::string_view rest = fuzz::as_text(data, size);
  while (!rest.empty()) {
    const std::string_view before = rest;
    auto value = uvarint::read(rest);
    if (!value.ok()) {
      L402_FUZZ_CHECK(value.error().code() == ErrorCode::kInvalidArgument);
      L402_FUZZ_CHECK(rest == before);  // a failed read does not advance
      break;
    }
    const std::size_t consumed = before.size() - rest.size();
    L402_FUZZ_CHECK(consumed >= 1 && consumed <= uvarint::kMaxLength);
    std::string encoded;
    uvarint::append(encoded, *value);
    L402_FUZZ_CHECK(encoded == before.substr(0, consumed));
  }
  return 0;
}
