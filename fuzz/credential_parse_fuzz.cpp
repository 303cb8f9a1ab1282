// parse_credential on a request's header fields (the input split at '\n' into lines, each line
// at its first ':' into name and value) and parse_authorization on the whole input.
// Properties: a credential that parses is written by format_authorization into a value that
// parses back to the same macaroon, discharges and preimage; a Macaroon-field credential
// carries its preimage in its last preimage caveat; tighter limits only turn a success of
// parse_authorization into an error; errors carry a documented code.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "fuzz_macaroon.hpp"
#include "l402/encoding.hpp"
#include "l402/token_header.hpp"

namespace {

using namespace l402;

// Re-parsing checks format fidelity, not limits: a re-encoded token may be longer than the
// input it came from (padding, V1 read, V2 written).
HeaderLimits unlimited_headers() {
  constexpr auto kMax = std::numeric_limits<std::size_t>::max();
  HeaderLimits limits;
  limits.max_value_size = kMax;
  limits.max_tokens = kMax;
  limits.macaroon = fuzz::unlimited();
  return limits;
}

void check_error(const char* what, const Error& error) {
  const bool documented = error.code() == ErrorCode::kInvalidArgument ||
                          error.code() == ErrorCode::kLimitExceeded ||
                          error.code() == ErrorCode::kNotFound;
  if (!documented) fuzz::dump_error(what, error);
  L402_FUZZ_CHECK(documented);
}

bool same(const Credential& a, const Credential& b) {
  return a.macaroon == b.macaroon && a.discharges == b.discharges && a.preimage == b.preimage;
}

// format_authorization -> parse_authorization (and parse_credential) gives it back.
void check_format_round_trip(const Credential& credential) {
  const std::string text = format_authorization(credential);
  auto again = parse_authorization(text, unlimited_headers());
  if (!again.ok()) {
    std::fprintf(stderr, "formatted: %s\n", text.c_str());
    fuzz::dump_error("parse_authorization(format_authorization(c))", again.error());
  } else if (!same(*again, credential)) {
    std::fprintf(stderr, "formatted: %s\nparsed macaroon:\n", text.c_str());
    fuzz::dump(credential.macaroon);
    std::fprintf(stderr, "after the round trip:\n");
    fuzz::dump(again->macaroon);
  }
  L402_FUZZ_CHECK(again.ok() && same(*again, credential));
  L402_FUZZ_CHECK(again->form == CredentialForm::kAuthorization);
  L402_FUZZ_CHECK(format_authorization(*again) == text);

  const HeaderField field{"authorization", text};
  auto via_fields = parse_credential({&field, 1}, unlimited_headers());
  L402_FUZZ_CHECK(via_fields.ok() && same(*via_fields, credential));
}

// The Macaroon forms: the preimage is the one in the last first-party preimage caveat.
void check_preimage_caveat(const Credential& credential) {
  L402_FUZZ_CHECK(credential.discharges.empty());
  const Caveat* last = nullptr;
  for (const Caveat& caveat : credential.macaroon.caveats()) {
    if (caveat.is_first_party() && caveat.id.starts_with("preimage=")) last = &caveat;
  }
  L402_FUZZ_CHECK(last != nullptr);
  auto bytes = hex::decode(std::string_view(last->id).substr(9));
  L402_FUZZ_CHECK(bytes.ok() && *bytes == as_view(credential.preimage));
}

}  // namespace

// libFuzzer entry point; the name is fixed by libFuzzer.
extern "C" int LLVMFuzzerTestOneInput(  // NOLINT(readability-identifier-naming)
    const std::uint8_t* data, std::size_t size) {
  const std::string_view input = fuzz::as_text(data, size);

  // The whole input as one Authorization value.
  auto single = parse_authorization(input);
  if (single.ok()) {
    L402_FUZZ_CHECK(single->form == CredentialForm::kAuthorization);
    check_format_round_trip(*single);
  } else {
    check_error("parse_authorization", single.error());
  }
  HeaderLimits tight;
  tight.max_value_size = 512;
  tight.max_tokens = 2;
  tight.macaroon.max_serialized_size = 256;
  tight.macaroon.max_caveats = 3;
  tight.macaroon.max_field_size = 80;
  auto tight_single = parse_authorization(input, tight);
  if (tight_single.ok()) {
    L402_FUZZ_CHECK(single.ok() && same(*tight_single, *single));
  } else {
    check_error("parse_authorization (tight limits)", tight_single.error());
    // A limit can only fail what parses, or fail it earlier with another message.
    if (tight_single.error().code() == ErrorCode::kNotFound) {
      L402_FUZZ_CHECK(!single.ok() && single.error().code() == ErrorCode::kNotFound);
    }
  }

  // The input as header lines "Name: value".
  std::vector<HeaderField> fields;
  for (std::size_t start = 0; start <= input.size();) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    const std::string_view line = input.substr(start, end - start);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      fields.push_back({line, {}});
    } else {
      fields.push_back({line.substr(0, colon), line.substr(colon + 1)});
    }
    start = end + 1;
  }
  auto credential = parse_credential(fields);
  if (!credential.ok()) {
    check_error("parse_credential", credential.error());
    return 0;
  }
  switch (credential->form) {
    case CredentialForm::kAuthorization:
      break;
    case CredentialForm::kGrpcMetadataMacaroon:
    case CredentialForm::kMacaroonHeader:
      check_preimage_caveat(*credential);
      break;
  }
  check_format_round_trip(*credential);
  return 0;
}
