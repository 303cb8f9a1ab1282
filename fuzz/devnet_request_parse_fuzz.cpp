// The readers of devnet's LND REST server (src/devnet/rest/request_reader.hpp): request bodies
// (RequestBody and its field readers), percent-decoding of path parameters, query strings and
// the query value parsers, all fed by HTTP clients. The first input byte chooses what the rest
// is: 0 a JSON body, 1 a path parameter, 2 a query string, 3 a query value.
//
// Properties: every error is kInvalidArgument; an absent field reads as its zero value; an
// int32 field that reads reads the same as an int64 field; percent_decode agrees with a plain
// reference decoder, never grows its input, and undoes percent-encoding of any bytes;
// parse_query gives the first value of each key, decoded; parse_uint64_text accepts exactly
// what strconv.ParseUint accepts (ASCII digits that fit in 64 bits) and parse_bool_text exactly
// what strconv.ParseBool accepts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"
#include "rest/request_reader.hpp"

namespace {

using namespace l402;
using devnet_rest::RequestBody;

void check_invalid_argument(const char* what, const Error& error) {
  if (error.code() != ErrorCode::kInvalidArgument) {
    std::fprintf(stderr, "%s failed: %s: %s\n", what,
                 std::string(error_code_name(error.code())).c_str(), error.message().c_str());
  }
  L402_FUZZ_CHECK(error.code() == ErrorCode::kInvalidArgument);
}

// The fields the routes read (routes.cpp).
constexpr std::string_view kFieldNames[] = {"memo",
                                            "value",
                                            "value_msat",
                                            "r_preimage",
                                            "description_hash",
                                            "expiry",
                                            "cltv_expiry",
                                            "amt",
                                            "amt_msat",
                                            "payment_request",
                                            "fee_limit",
                                            "fee_limit_msat",
                                            "fixed",
                                            "fixed_msat",
                                            "percent",
                                            "timeout_seconds",
                                            "no_inflight_updates",
                                            "fee_limit_sat"};

void read_fields(const RequestBody& body, int depth) {
  for (const std::string_view name : kFieldNames) {
    const bool present = body.has(name);
    auto int64 = body.int64_field(name);
    auto uint64 = body.uint64_field(name);
    auto int32 = body.int32_field(name);
    auto boolean = body.bool_field(name);
    auto text = body.string_field(name);
    auto bytes = body.bytes_field(name);
    auto message = body.message_field(name);
    if (!present) {
      L402_FUZZ_CHECK(int64.ok() && *int64 == 0 && uint64.ok() && *uint64 == 0);
      L402_FUZZ_CHECK(int32.ok() && *int32 == 0 && boolean.ok() && !*boolean);
      L402_FUZZ_CHECK(text.ok() && text->empty() && bytes.ok() && bytes->empty());
      L402_FUZZ_CHECK(message.ok() && !message->has_value());
      continue;
    }
    for (const Error* error :
         {int64.ok() ? nullptr : &int64.error(), uint64.ok() ? nullptr : &uint64.error(),
          int32.ok() ? nullptr : &int32.error(), boolean.ok() ? nullptr : &boolean.error(),
          text.ok() ? nullptr : &text.error(), bytes.ok() ? nullptr : &bytes.error(),
          message.ok() ? nullptr : &message.error()}) {
      if (error != nullptr) check_invalid_argument("RequestBody field", *error);
    }
    if (int32.ok()) L402_FUZZ_CHECK(int64.ok() && *int64 == *int32);
    if (int64.ok() && uint64.ok() && *int64 >= 0) {
      L402_FUZZ_CHECK(static_cast<std::uint64_t>(*int64) == *uint64);
    }
    // A present value is of one JSON type only.
    L402_FUZZ_CHECK(!(boolean.ok() && (text.ok() || message.ok() || int64.ok())));
    L402_FUZZ_CHECK(!(message.ok() && (text.ok() || int64.ok() || uint64.ok())));
    if (bytes.ok()) L402_FUZZ_CHECK(text.ok());
    if (message.ok() && depth < 3) read_fields(**message, depth + 1);
  }
}

void fuzz_body(std::string_view text) {
  auto body = RequestBody::parse(text);
  if (!body.ok()) {
    check_invalid_argument("RequestBody::parse", body.error());
    return;
  }
  read_fields(*body, 0);
  const std::string camel = devnet_rest::lower_camel_case("value_msat");
  L402_FUZZ_CHECK(camel == "valueMsat");
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Go's url.PathUnescape / QueryUnescape, without their UTF-8 host checks.
std::optional<std::string> reference_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = hex_digit(text[i + 1]);
      const int low = hex_digit(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (text[i] == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string percent_encode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    out += '%';
    out += kDigits[byte >> 4U];
    out += kDigits[byte & 15U];
  }
  return out;
}

void fuzz_percent_decode(std::string_view text) {
  for (const bool plus_is_space : {false, true}) {
    auto decoded = devnet_rest::percent_decode(text, plus_is_space);
    const std::optional<std::string> expected = reference_decode(text, plus_is_space);
    if (!decoded.ok()) {
      check_invalid_argument("percent_decode", decoded.error());
      if (expected) fuzz::dump("rejected", text);
      L402_FUZZ_CHECK(!expected);
      continue;
    }
    if (!expected || *expected != *decoded) fuzz::dump("decoded differently", text);
    L402_FUZZ_CHECK(expected && *expected == *decoded);
    L402_FUZZ_CHECK(decoded->size() <= text.size());

    auto again = devnet_rest::percent_decode(percent_encode(text), plus_is_space);
    L402_FUZZ_CHECK(again.ok() && *again == text);
  }
}

void fuzz_query(std::string_view query) {
  auto parsed = devnet_rest::parse_query(query);

  // The same split, decoded with the reference decoder; the first value of a key wins.
  std::map<std::string, std::string, std::less<>> expected;
  bool valid = true;
  for (std::string_view rest = query; !rest.empty() && valid;) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    const std::optional<std::string> key = reference_decode(pair.substr(0, eq), true);
    const std::optional<std::string> value = eq == std::string_view::npos
                                                 ? std::optional<std::string>("")
                                                 : reference_decode(pair.substr(eq + 1), true);
    if (!key || !value) {
      valid = false;
    } else {
      expected.emplace(*key, *value);
    }
  }
  if (!parsed.ok()) {
    check_invalid_argument("parse_query", parsed.error());
    L402_FUZZ_CHECK(!valid);
    return;
  }
  L402_FUZZ_CHECK(valid && *parsed == expected);
  for (const auto& [key, value] : *parsed) {
    const std::optional<std::string> found = devnet_rest::query_value(*parsed, key);
    L402_FUZZ_CHECK(found && *found == value);
    auto number = devnet_rest::parse_uint64_text(value, key);
    if (!number.ok()) check_invalid_argument("parse_uint64_text", number.error());
    auto flag = devnet_rest::parse_bool_text(value, key);
    if (!flag.ok()) check_invalid_argument("parse_bool_text", flag.error());
  }
  for (const std::string_view name : {"index_offset", "num_max_invoices", "reversed"}) {
    if (const std::optional<std::string> value = devnet_rest::query_value(*parsed, name)) {
      const auto exact = parsed->find(name);
      const auto camel = parsed->find(devnet_rest::lower_camel_case(name));
      L402_FUZZ_CHECK(
          (exact != parsed->end() && exact->second == *value) ||
          (exact == parsed->end() && camel != parsed->end() && camel->second == *value));
    }
  }
}

void fuzz_query_value(std::string_view text) {
  auto number = devnet_rest::parse_uint64_text(text, "add_index");
  bool digits = !text.empty();
  std::uint64_t expected = 0;
  bool fits = true;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      digits = false;
      break;
    }
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (expected > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) fits = false;
    expected = expected * 10 + digit;
  }
  if (number.ok()) {
    L402_FUZZ_CHECK(digits && fits && *number == expected);
  } else {
    check_invalid_argument("parse_uint64_text", number.error());
    L402_FUZZ_CHECK(!digits || !fits);
  }

  auto flag = devnet_rest::parse_bool_text(text, "reversed");
  const bool is_true = text == "1" || text == "t" || text == "T" || text == "TRUE" ||
                       text == "true" || text == "True";
  const bool is_false = text == "0" || text == "f" || text == "F" || text == "FALSE" ||
                        text == "false" || text == "False";
  // Exactly Go's spellings are accepted.
  L402_FUZZ_CHECK(flag.ok() == (is_true || is_false));
  if (flag.ok()) {
    L402_FUZZ_CHECK(*flag ? is_true : is_false);
  } else {
    check_invalid_argument("parse_bool_text", flag.error());
  }

  const std::string camel = devnet_rest::lower_camel_case(text);
  L402_FUZZ_CHECK(camel.find('_') == std::string::npos && camel.size() <= text.size());
}

}  // namespace

// libFuzzer entry point; the name is fixed by libFuzzer.
extern "C" int LLVMFuzzerTestOneInput(  // NOLINT(readability-identifier-naming)
    const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest = fuzz::as_text(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      fuzz_body(rest);
      break;
    case 1:
      fuzz_percent_decode(rest);
      break;
    case 2:
      fuzz_query(rest);
      break;
    default:
      fuzz_query_value(rest);
      break;
  }
  return 0;
}
