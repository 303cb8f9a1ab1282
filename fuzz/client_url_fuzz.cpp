// The paying client's URL reader (parse_url, resolve_url, canonical_origin). The input is a
// URL, or "base\nreference" for resolve_url. Properties: errors are kInvalidArgument or
// kLimitExceeded; a parsed URL is http or https with a host, a port and a path starting with
// "/", its origin is "scheme://host:port" and canonical_origin agrees with it; the normalised
// URL parses again to the same parts (idempotence).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "client/http/url.hpp"
#include "fuzz_common.hpp"
#include "l402/client_store.hpp"

namespace {

using namespace l402;

void check_error(const Error& error) {
  L402_FUZZ_CHECK(error.code() == ErrorCode::kInvalidArgument ||
                  error.code() == ErrorCode::kLimitExceeded);
}

void check_parsed(const client::ParsedUrl& url) {
  L402_FUZZ_CHECK(url.scheme == "http" || url.scheme == "https");
  L402_FUZZ_CHECK(!url.host.empty() && url.port != 0);
  L402_FUZZ_CHECK(url.path.starts_with('/'));
  L402_FUZZ_CHECK(url.origin == url.scheme + "://" + url.host + ":" + std::to_string(url.port));
  const Result<std::string> origin = canonical_origin(url.url);
  L402_FUZZ_CHECK(origin.ok() && *origin == url.origin);
  const Result<client::ParsedUrl> again = client::parse_url(url.url);
  L402_FUZZ_CHECK(again.ok());
  L402_FUZZ_CHECK(again->url == url.url && again->origin == url.origin && again->path == url.path);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = fuzz::as_text(data, size);
  const std::size_t newline = input.find('\n');
  if (newline == std::string_view::npos) {
    const Result<client::ParsedUrl> url = client::parse_url(input);
    if (url.ok()) {
      check_parsed(*url);
    } else {
      check_error(url.error());
    }
    return 0;
  }
  const Result<client::ParsedUrl> resolved =
      client::resolve_url(input.substr(0, newline), input.substr(newline + 1));
  if (resolved.ok()) {
    check_parsed(*resolved);
  } else {
    check_error(resolved.error());
  }
  return 0;
}
