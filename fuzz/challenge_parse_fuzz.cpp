// parse_challenges on WWW-Authenticate values (the input split at '\n' into several values),
// and format_challenge on arbitrary bytes. Properties: every challenge returned has an L402 or
// LSAT scheme and a non-empty token and invoice; written back as an auth-param list it parses
// to the same challenge; format_challenge of any macaroon and invoice parses back to the
// base64 of that macaroon and the invoice (control characters dropped); tighter limits only
// turn a success into an error; errors carry a documented code.
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

HeaderLimits unlimited_headers() {
  constexpr auto kMax = std::numeric_limits<std::size_t>::max();
  HeaderLimits limits;
  limits.max_value_size = kMax;
  limits.max_challenges = kMax;
  limits.max_params = kMax;
  return limits;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

void check_error(const Error& error) {
  const bool documented =
      error.code() == ErrorCode::kInvalidArgument || error.code() == ErrorCode::kLimitExceeded;
  if (!documented) fuzz::dump_error("parse_challenges", error);
  L402_FUZZ_CHECK(documented);
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

bool same(const Challenge& a, const Challenge& b) {
  return a.scheme == b.scheme && a.macaroon_base64 == b.macaroon_base64 && a.invoice == b.invoice &&
         a.version == b.version;
}

// A challenge written back in the SPEC 2026 order (version, token, invoice) parses to itself.
void check_rewrite(const Challenge& challenge) {
  std::string value = challenge.scheme + " ";
  if (challenge.version) value += "version=" + quoted(*challenge.version) + ", ";
  value += "token=" + quoted(challenge.macaroon_base64) + ", invoice=" + quoted(challenge.invoice);
  const std::string_view view = value;
  auto again = parse_challenges({&view, 1}, unlimited_headers());
  if (!again.ok()) {
    std::fprintf(stderr, "rewritten: %s\n", value.c_str());
    fuzz::dump_error("parse_challenges(rewritten)", again.error());
  }
  L402_FUZZ_CHECK(again.ok() && again->size() == 1 && same(again->front(), challenge));
}

void check_format_round_trip(std::string_view macaroon, std::string_view invoice) {
  std::string kept_invoice;
  for (const char c : invoice) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte >= 0x20 && byte != 0x7f) || c == '\t') kept_invoice += c;
  }
  for (const ChallengeStyle style : {ChallengeStyle::kAperture, ChallengeStyle::kSpec}) {
    const std::vector<std::string> values = format_challenge(macaroon, invoice, style);
    L402_FUZZ_CHECK(values.size() == (style == ChallengeStyle::kAperture ? 2U : 1U));
    const std::vector<std::string_view> views(values.begin(), values.end());
    auto parsed = parse_challenges(views, unlimited_headers());
    if (macaroon.empty() || kept_invoice.empty()) {
      L402_FUZZ_CHECK(!parsed.ok() && parsed.error().code() == ErrorCode::kInvalidArgument);
      continue;
    }
    if (!parsed.ok()) {
      std::fprintf(stderr, "formatted: %s\n", values.back().c_str());
      fuzz::dump_error("parse_challenges(format_challenge)", parsed.error());
    }
    L402_FUZZ_CHECK(parsed.ok() && parsed->size() == values.size());
    for (const Challenge& challenge : *parsed) {
      L402_FUZZ_CHECK(challenge.macaroon_base64 == base64::encode_std(macaroon));
      L402_FUZZ_CHECK(challenge.invoice == kept_invoice);
      L402_FUZZ_CHECK(challenge.version == std::optional<std::string>("0"));
    }
    L402_FUZZ_CHECK(parsed->back().scheme == "L402");
  }
}

}  // namespace

// libFuzzer entry point; the name is fixed by libFuzzer.
extern "C" int LLVMFuzzerTestOneInput(  // NOLINT(readability-identifier-naming)
    const std::uint8_t* data, std::size_t size) {
  const std::string_view input = fuzz::as_text(data, size);
  std::vector<std::string_view> values;
  for (std::size_t start = 0;;) {
    const std::size_t end = input.find('\n', start);
    values.push_back(input.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }

  auto parsed = parse_challenges(values);
  if (parsed.ok()) {
    for (const Challenge& challenge : *parsed) {
      L402_FUZZ_CHECK(iequals(challenge.scheme, "L402") || iequals(challenge.scheme, "LSAT"));
      L402_FUZZ_CHECK(!challenge.macaroon_base64.empty() && !challenge.invoice.empty());
      check_rewrite(challenge);
    }
  } else {
    check_error(parsed.error());
  }

  HeaderLimits tight;
  tight.max_value_size = 256;
  tight.max_challenges = 3;
  tight.max_params = 3;
  auto tight_parsed = parse_challenges(values, tight);
  if (tight_parsed.ok()) {
    L402_FUZZ_CHECK(parsed.ok() && tight_parsed->size() == parsed->size());
    for (std::size_t i = 0; i < parsed->size(); ++i) {
      L402_FUZZ_CHECK(same((*tight_parsed)[i], (*parsed)[i]));
    }
  } else {
    check_error(tight_parsed.error());
  }

  // The input as a macaroon (first half) and an invoice (second half).
  check_format_round_trip(input.substr(0, size / 2), input.substr(size / 2));
  return 0;
}
