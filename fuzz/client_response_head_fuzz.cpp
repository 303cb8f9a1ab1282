// The paying client's response-head reader (HeadParser): the input is cut into lines as
// libcurl hands them over (after each "\n") and fed one at a time, with a head limit the first
// byte chooses. Properties: once the head is complete every later line is ignored (or too
// large); a complete head never has an interim 1xx status;
// no field name holds a colon or LF, no value an LF; what is kept is never
// longer than the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "client/http/head_parser.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using l402::client::HeadParser;
  std::string_view input = l402::fuzz::as_text(data, size);
  if (input.empty()) return 0;
  const std::size_t limit = 64 + static_cast<unsigned char>(input.front()) * 16;
  input.remove_prefix(1);

  HeadParser parser(limit);
  bool complete = false;
  while (!input.empty()) {
    const std::size_t end = input.find('\n');
    const std::string_view line = input.substr(0, end == std::string_view::npos ? end : end + 1);
    input.remove_prefix(line.size());
    const HeadParser::Step step = parser.feed(line);
    if (complete)
      L402_FUZZ_CHECK(step == HeadParser::Step::kIgnored || step == HeadParser::Step::kTooLarge);
    if (step == HeadParser::Step::kTooLarge) return 0;
    if (step == HeadParser::Step::kComplete) complete = true;
  }
  L402_FUZZ_CHECK(parser.complete() == complete);
  if (!complete) return 0;
  const l402::ResponseHead& head = parser.head();
  L402_FUZZ_CHECK(head.status < 100 || (head.status >= 200 && head.status <= 999));
  std::size_t kept = head.reason.size();
  for (const l402::HttpHeader& field : head.headers) {
    L402_FUZZ_CHECK(field.name.find_first_of(":\n") == std::string::npos);
    L402_FUZZ_CHECK(field.value.find('\n') == std::string::npos);
    kept += field.name.size() + field.value.size();
  }
  L402_FUZZ_CHECK(kept <= size);
  return 0;
}
