// base64::decode accepts exactly one text per alphabet and padding choice for every byte string,
// so a decoded input must be one of the four encodings of its output; and encoding arbitrary
// bytes must decode back to them.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_common.hpp"
#include "l402/encoding.hpp"

namespace {

std::string without_padding(std::string text) {
  while (!text.empty() && text.back() == '=') text.pop_back();
  return text;
}

std::string with_padding(std::string text) {
  while (text.size() % 4 != 0) text += '=';
  return text;
}

}  // namespace

// libFuzzer entry point; the name is fixed by libFuzzer.
extern "C" int LLVMFuzzerTestOneInput(  // NOLINT(readability-identifier-naming)
    const std::uint8_t* data, std::size_t size) {
  using namespace l402;
  const std::string_view input = fuzz::as_text(data, size);

  auto decoded = base64::decode(input);
  if (decoded.ok()) {
    const std::string std_padded = base64::encode_std(*decoded);
    const std::string url_unpadded = base64::encode_url(*decoded);
    const bool canonical = input == std_padded || input == without_padding(std_padded) ||
                           input == url_unpadded || input == with_padding(url_unpadded);
    if (!canonical) fuzz::dump("decoded", *decoded);
    L402_FUZZ_CHECK(canonical);
  } else {
    L402_FUZZ_CHECK(decoded.error().code() == ErrorCode::kInvalidArgument);
  }

  // Encoder round trip on the raw bytes.
  auto from_std = base64::decode(base64::encode_std(input));
  L402_FUZZ_CHECK(from_std.ok() && *from_std == input);
  auto from_url = base64::decode(base64::encode_url(input));
  L402_FUZZ_CHECK(from_url.ok() && *from_url == input);
  return 0;
}
