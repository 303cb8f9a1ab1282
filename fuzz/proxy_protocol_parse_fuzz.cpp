// The PROXY protocol header parser of l402d's listeners (src/gateway/proxy/proxy_protocol),
// with the accepted versions chosen by the first byte and the rest as the bytes received.
// Properties: errors are kInvalidArgument or kLimitExceeded; a header is version 1 or 2, no
// longer than the input or its version's limit, and names a canonical address exactly when
// it is relayed; feeding the input in growing prefixes never contradicts the whole: every
// prefix of a header's bytes needs more, and once a prefix is refused or whole, so is every
// longer one (with the same header); bytes after the header change nothing.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "gateway/proxy/proxy_protocol.hpp"

namespace {

using namespace l402;
using namespace l402::gateway;
using proxy::ProxyHeader;

using Parsed = Result<std::optional<ProxyHeader>>;

bool same(const ProxyHeader& a, const ProxyHeader& b) {
  return a.version == b.version && a.length == b.length && a.relayed == b.relayed &&
         a.source_address == b.source_address && a.source_port == b.source_port;
}

void check_header(const ProxyHeader& header, std::string_view received) {
  L402_FUZZ_CHECK(header.version == 1 || header.version == 2);
  L402_FUZZ_CHECK(header.length > 0 && header.length <= received.size());
  L402_FUZZ_CHECK(header.length <=
                  (header.version == 1 ? proxy::kMaxV1HeaderBytes : proxy::kMaxV2HeaderBytes));
  L402_FUZZ_CHECK(header.relayed == !header.source_address.empty());
  if (header.version == 1) {
    L402_FUZZ_CHECK(received.substr(header.length - 2, 2) == "\r\n");
  }
  for (const char c : header.source_address) {
    const bool allowed = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '.' || c == ':';
    L402_FUZZ_CHECK(allowed);
  }
}

}  // namespace

// libFuzzer entry point; the name is fixed by libFuzzer.
extern "C" int LLVMFuzzerTestOneInput(  // NOLINT(readability-identifier-naming)
    const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr ProxyProtocol kVersions[] = {ProxyProtocol::kV1, ProxyProtocol::kV2,
                                                ProxyProtocol::kAny, ProxyProtocol::kOff};
  const ProxyProtocol accepted = kVersions[data[0] % 4];
  const std::string_view received = fuzz::as_text(data + 1, size - 1);

  const Parsed whole = proxy::parse_proxy_header(received, accepted);
  if (!whole.ok()) {
    const ErrorCode code = whole.error().code();
    L402_FUZZ_CHECK(code == ErrorCode::kInvalidArgument || code == ErrorCode::kLimitExceeded);
  } else if (whole->has_value()) {
    check_header(**whole, received);
    // What follows the header is the payload, never looked at.
    const ProxyHeader& header = **whole;
    const Parsed exact = proxy::parse_proxy_header(received.substr(0, header.length), accepted);
    L402_FUZZ_CHECK(exact.ok() && exact->has_value() && same(**exact, header));
    const std::string extended = std::string(received) + "GET / HTTP/1.1\r\n";
    const Parsed longer = proxy::parse_proxy_header(extended, accepted);
    L402_FUZZ_CHECK(longer.ok() && longer->has_value() && same(**longer, header));
  }
  if (accepted == ProxyProtocol::kOff) {
    L402_FUZZ_CHECK(!whole.ok());
    return 0;
  }

  // As the bytes arrive: need-more, then one final answer that stays.
  std::optional<Parsed> final_answer;
  for (std::size_t n = 0; n <= received.size(); ++n) {
    const Parsed prefix = proxy::parse_proxy_header(received.substr(0, n), accepted);
    if (final_answer) {
      if (!final_answer->ok()) {
        L402_FUZZ_CHECK(!prefix.ok());
      } else {
        L402_FUZZ_CHECK(prefix.ok() && prefix->has_value() && same(**prefix, ***final_answer));
      }
      continue;
    }
    if (!prefix.ok() || prefix->has_value()) final_answer.emplace(prefix);
  }
  if (!final_answer) L402_FUZZ_CHECK(whole.ok() && !whole->has_value());
  return 0;
}
