// format_challenge and parse_challenges: what Aperture sends and what clients must read
// (l402-protocol.md §1.1, §1.2, §9.1-9.3), RFC 7235 auth-param syntax, and hostile input.
// g++ 12 with -fsanitize=address reports a false -Wmaybe-uninitialized inside std::function
// as instantiated by std::regex, which these tests use to mimic Aperture's Go client.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <gtest/gtest.h>

#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "l402/encoding.hpp"
#include "l402/token_header.hpp"
#include "result_matchers.hpp"
#include "test_bytes.hpp"
#include "token_test_util.hpp"

namespace l402 {
namespace {

using test::HasError;
using test::HasErrorMentioning;
using test::IsOk;
using test::k73Hex;

// l402-protocol.md §7.1 (lsat-js tests/data.ts goMacaroonChallenge).
constexpr std::string_view k71Macaroon =
    "AgESMy4xMzYuMTc4LjE1OjM0MjM4AkIAAD2b0rX78LATiVo8bKgHuurefeF5OeX2H5ZuacBIK3+RAR1PKU1oZpfCZFib"
    "4zdDoj0pOpgPmhtuzNllU+y//D0AAAYgcWFs9FIteCzpCcEPSwmXKBpcx97hyL5Yt99cbLjRHzU=";
constexpr std::string_view k71Invoice =
    "lntb20n1psza5dwpp58kda9d0m7zcp8z2683k2spa6at08mcte88jlv8ukde5uqjpt07gsdzjfp85gnpqd9h8vmmfvdjjq"
    "urp09kk2mn5ypn8ymmdyppksctfdecx76twwssyxmmjv5sxcmny8gcnqvps8ycqzpgsp5m7xru8dlhrhmwjp8gynsj2l9m"
    "wan2jk52ah5xucrn9kc3p0pj5ns9qy9qsq7jjxypyyc7hvvs8srh6c3lvcp5l5wka94htnfxak99hd5qrx69sya9sj4zm3"
    "w"
    "5lncw0tksf944q73tduhlhs5apd63m9dte9dhva5dgqaceunx";
// The §7.1 challenge parameters exactly as lsat-js stores them.
const std::string k71Params =
    "macaroon=\"" + std::string(k71Macaroon) + "\", invoice=\"" + std::string(k71Invoice) + "\"";

// l402-protocol.md §7.3: the synthetic token's std base64 (test::k73Hex is its binary).
constexpr std::string_view k73Base64 =
    "AgEEbHNhdAJCAABy27czbHZ4ACP4PaTDVfLu6oVzOxPTR3aXkXeQwSKQhP7XSz7ySCD0QGAe/1v7Qr701hXElIzsiso8sV"
    "vSPxATAAIUc2VydmljZXM9bXlzZXJ2aWNlOjAAAiNteXNlcnZpY2VfY2FwYWJpbGl0aWVzPWFkZCxzdWJ0cmFjdAACIG"
    "15c2VydmljZV92YWxpZF91bnRpbD00MTAyNDQ0ODAwAAAGIF11rcqICngUaETOks59ZZ53p3UftoVYCG2MAsKfO42J";

Result<std::vector<Challenge>> parse(const std::vector<std::string>& values,
                                     const HeaderLimits& limits = {}) {
  const std::vector<std::string_view> views(values.begin(), values.end());
  return parse_challenges(views, limits);
}

void expect_challenge(const Challenge& challenge, std::string_view scheme,
                      std::string_view macaroon, std::string_view invoice,
                      std::optional<std::string> version = std::nullopt) {
  EXPECT_EQ(challenge.scheme, scheme);
  EXPECT_EQ(challenge.macaroon_base64, macaroon);
  EXPECT_EQ(challenge.invoice, invoice);
  EXPECT_EQ(challenge.version, version);
}

// One L402 challenge expected from `values`.
void expect_single(const std::vector<std::string>& values, std::string_view scheme,
                   std::string_view macaroon, std::string_view invoice,
                   std::optional<std::string> version = std::nullopt) {
  const Result<std::vector<Challenge>> result = parse(values);
  ASSERT_TRUE(IsOk(result));
  ASSERT_EQ(result->size(), 1U);
  expect_challenge(result->front(), scheme, macaroon, invoice, std::move(version));
}

// ---- format_challenge ----------------------------------------------------------------------

TEST(ChallengeFormat, ApertureStyleSendsLsatThenL402) {
  const std::vector<std::string> values =
      format_challenge(test::from_hex(k73Hex), "lnbc1invoice", ChallengeStyle::kAperture);
  const std::string params =
      " macaroon=\"" + std::string(k73Base64) + "\", invoice=\"lnbc1invoice\", version=\"0\"";
  ASSERT_EQ(values.size(), 2U);
  EXPECT_EQ(values[0], "LSAT" + params);
  EXPECT_EQ(values[1], "L402" + params);
}

TEST(ChallengeFormat, SpecStyleSendsOnlyL402) {
  const std::vector<std::string> values =
      format_challenge(test::from_hex(k73Hex), "lnbc1invoice", ChallengeStyle::kSpec);
  ASSERT_EQ(values.size(), 1U);
  EXPECT_EQ(values[0], "L402 macaroon=\"" + std::string(k73Base64) +
                           "\", invoice=\"lnbc1invoice\", version=\"0\"");
}

TEST(ChallengeFormat, WritesPaddedStdBase64) {
  const auto binary = base64::decode(k71Macaroon);
  ASSERT_TRUE(IsOk(binary));
  const std::vector<std::string> values =
      format_challenge(*binary, k71Invoice, ChallengeStyle::kSpec);
  ASSERT_EQ(values.size(), 1U);
  EXPECT_EQ(values[0], "L402 " + k71Params + ", version=\"0\"");
}

TEST(ChallengeFormat, MatchesTheRegexOfApertureGoClientAndDemoPage) {
  // l402/client_interceptor.go and static/index.html (l402-protocol.md §1.2).
  const std::regex go_client(R"re((LSAT|L402) macaroon="(.*?)", invoice="(.*?)")re");
  const std::vector<std::string> values =
      format_challenge(test::from_hex(k73Hex), k71Invoice, ChallengeStyle::kAperture);
  for (const std::string& value : values) {
    std::smatch match;
    ASSERT_TRUE(std::regex_search(value, match, go_client)) << value;
    EXPECT_EQ(match.position(0), 0);
    EXPECT_EQ(match[2].str(), k73Base64);
    EXPECT_EQ(match[3].str(), k71Invoice);
  }
  // The old loop client: "LSAT ..." on the first value only.
  const std::regex loop_client(R"re(LSAT macaroon="(.*?)", invoice="(.*?)")re");
  EXPECT_TRUE(std::regex_search(values[0], loop_client));
}

TEST(ChallengeFormat, ParsesBackToTheSameChallenges) {
  const std::string binary = test::from_hex(k73Hex);
  for (const ChallengeStyle style : {ChallengeStyle::kAperture, ChallengeStyle::kSpec}) {
    const std::vector<std::string> values = format_challenge(binary, k71Invoice, style);
    const Result<std::vector<Challenge>> parsed = parse(values);
    ASSERT_TRUE(IsOk(parsed));
    ASSERT_EQ(parsed->size(), values.size());
    for (const Challenge& challenge : *parsed) {
      EXPECT_EQ(challenge.macaroon_base64, k73Base64);
      EXPECT_EQ(challenge.invoice, k71Invoice);
      EXPECT_EQ(challenge.version, "0");
    }
    EXPECT_EQ(parsed->back().scheme, "L402");
  }
}

TEST(ChallengeFormat, EscapesQuotesAndBackslashesAndDropsControlCharacters) {
  const std::vector<std::string> values =
      format_challenge("\x02", "a\"b\\c\r\nWWW-Authenticate: x", ChallengeStyle::kSpec);
  ASSERT_EQ(values.size(), 1U);
  EXPECT_EQ(values[0].find_first_of("\r\n"), std::string::npos);
  const Result<std::vector<Challenge>> parsed = parse(values);
  ASSERT_TRUE(IsOk(parsed));
  ASSERT_EQ(parsed->size(), 1U);
  EXPECT_EQ(parsed->front().invoice, "a\"b\\cWWW-Authenticate: x");
}

// ---- parse_challenges: what deployed servers send ------------------------------------------

TEST(ChallengeParse, ReadsTheLsatJsChallengeOfSection71) {
  expect_single({"LSAT " + k71Params}, "LSAT", k71Macaroon, k71Invoice);
  expect_single({"L402 " + k71Params}, "L402", k71Macaroon, k71Invoice);
}

TEST(ChallengeParse, ReadsApertureTwoValuesInOrder) {
  const Result<std::vector<Challenge>> result =
      parse({"LSAT " + k71Params, "L402 " + k71Params, "Payment id=\"abc\", method=\"lightning\""});
  ASSERT_TRUE(IsOk(result));
  ASSERT_EQ(result->size(), 2U);
  expect_challenge((*result)[0], "LSAT", k71Macaroon, k71Invoice);
  expect_challenge((*result)[1], "L402", k71Macaroon, k71Invoice);
}

TEST(ChallengeParse, ReadsChallengesFoldedIntoOneValue) {
  const Result<std::vector<Challenge>> result =
      parse({R"(LSAT macaroon="A", invoice="I", L402 macaroon="B", invoice="J")"});
  ASSERT_TRUE(IsOk(result));
  ASSERT_EQ(result->size(), 2U);
  expect_challenge((*result)[0], "LSAT", "A", "I");
  expect_challenge((*result)[1], "L402", "B", "J");
}

TEST(ChallengeParse, ReadsTheSpecOrderWithTokenAndVersion) {
  expect_single({R"(L402 version="0", token="AgE=", invoice="lnbc1")"}, "L402", "AgE=", "lnbc1",
                "0");
}

TEST(ChallengeParse, AcceptsTheSchemeInAnyCaseAndKeepsItAsWritten) {
  expect_single({R"(l402 macaroon="A", invoice="I")"}, "l402", "A", "I");
  expect_single({R"(lSaT macaroon="A", invoice="I")"}, "lSaT", "A", "I");
}

TEST(ChallengeParse, AcceptsParameterNamesInAnyCase) {
  expect_single({R"(L402 MACAROON="A", Invoice="I", VERSION="0")"}, "L402", "A", "I", "0");
  expect_single({R"(L402 Token="A", INVOICE="I")"}, "L402", "A", "I");
}

TEST(ChallengeParse, AcceptsTokenValuesWithoutQuotes) {
  expect_single({"L402 macaroon=AgE+x, invoice=lnbc1abc, version=0"}, "L402", "AgE+x", "lnbc1abc",
                "0");
}

TEST(ChallengeParse, AcceptsWhitespaceAroundEqualsAndCommas) {
  expect_single({"  L402 macaroon = \"A\" ,invoice=\t\"I\"  ,  "}, "L402", "A", "I");
}

TEST(ChallengeParse, UnescapesQuotedPairs) {
  expect_single({R"(L402 macaroon="A\"B", invoice="x\\y\z", version="\0")"}, "L402", "A\"B",
                "x\\yz", "0");
}

TEST(ChallengeParse, KeepsCommasAndEqualsInsideQuotedStrings) {
  expect_single({R"(L402 realm="a, b=c", macaroon="AgE=", invoice="I")"}, "L402", "AgE=", "I");
}

TEST(ChallengeParse, PrefersTokenWhenBothTokenAndMacaroonArePresent) {
  expect_single({R"(L402 macaroon="OLD", token="NEW", invoice="I")"}, "L402", "NEW", "I");
  expect_single({R"(L402 token="NEW", macaroon="OLD", invoice="I")"}, "L402", "NEW", "I");
}

TEST(ChallengeParse, IgnoresUnknownParameters) {
  expect_single({R"(L402 realm="api", macaroon="A", foo=bar, invoice="I", charset="UTF-8")"},
                "L402", "A", "I");
}

TEST(ChallengeParse, SkipsEmptyListElements) {
  expect_single({R"(, ,L402 macaroon="A" , , invoice="I",, )"}, "L402", "A", "I");
  expect_single({R"(L402 , macaroon="A", invoice="I")"}, "L402", "A", "I");
}

TEST(ChallengeParse, GivesAnEmptyListWithoutL402Challenges) {
  for (const std::vector<std::string>& values :
       {std::vector<std::string>{}, std::vector<std::string>{""}, std::vector<std::string>{" , "},
        std::vector<std::string>{R"(Bearer realm="example")", "Basic realm=\"x\", charset=UTF-8"},
        std::vector<std::string>{R"(Payment id="x", method="lightning", request="e30")"}}) {
    const Result<std::vector<Challenge>> result = parse(values);
    ASSERT_TRUE(IsOk(result));
    EXPECT_TRUE(result->empty());
  }
}

// ---- Other schemes around L402 -------------------------------------------------------------

TEST(ChallengeParse, SkipsBearerWithToken68PaddingBeforeL402) {
  expect_single({R"(Bearer abc=, L402 token="A", invoice="I")"}, "L402", "A", "I");
  expect_single({R"(Bearer abc==,L402 token="A", invoice="I")"}, "L402", "A", "I");
}

TEST(ChallengeParse, SkipsBasicWithToken68) {
  expect_single({"Basic YWxhZGRpbjpvcGVuc2VzYW1l, LSAT " + k71Params}, "LSAT", k71Macaroon,
                k71Invoice);
  expect_single({"Basic a+b/c~d-e._f==", "LSAT " + k71Params}, "LSAT", k71Macaroon, k71Invoice);
}

TEST(ChallengeParse, SkipsDigestParametersBeforeL402) {
  expect_single(
      {R"(Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, )"
       R"(nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", )"
       R"(L402 macaroon="A", invoice="I")"},
      "L402", "A", "I");
}

TEST(ChallengeParse, SkipsSchemesWithoutParameters) {
  expect_single({R"(Newauth, L402 macaroon="A", invoice="I", Negotiate)"}, "L402", "A", "I");
}

TEST(ChallengeParse, ReadsL402BetweenOtherChallenges) {
  expect_single({R"(Newauth realm="apps", type=1, title="Login to \"apps\"", )"
                 R"(LSAT macaroon="A", invoice="I", Basic realm="simple")"},
                "LSAT", "A", "I");
}

TEST(ChallengeParse, AllowsRepeatedParametersOfOtherSchemes) {
  expect_single({R"(Foo a=1, a=2, L402 macaroon="A", invoice="I")"}, "L402", "A", "I");
}

// ---- Errors ----------------------------------------------------------------------------------

TEST(ChallengeParse, RejectsAnL402ChallengeWithoutToken) {
  EXPECT_TRUE(HasErrorMentioning(parse({R"(L402 invoice="I")"}), ErrorCode::kInvalidArgument,
                                 "L402 challenge lacks a token"));
  EXPECT_TRUE(HasErrorMentioning(parse({R"(lsat invoice="I", version="0")"}),
                                 ErrorCode::kInvalidArgument, "lsat challenge lacks a token"));
  EXPECT_TRUE(HasErrorMentioning(parse({"L402"}), ErrorCode::kInvalidArgument, "lacks a token"));
  EXPECT_TRUE(
      HasErrorMentioning(parse({"L402 abc="}), ErrorCode::kInvalidArgument, "lacks a token"));
}

TEST(ChallengeParse, RejectsAnL402ChallengeWithoutInvoice) {
  EXPECT_TRUE(HasErrorMentioning(parse({R"(L402 macaroon="A")"}), ErrorCode::kInvalidArgument,
                                 "lacks an invoice"));
  EXPECT_TRUE(HasErrorMentioning(parse({R"(L402 token="A", version="0", Basic x)"}),
                                 ErrorCode::kInvalidArgument, "lacks an invoice"));
}

TEST(ChallengeParse, RejectsEmptyTokenOrInvoice) {
  EXPECT_TRUE(HasErrorMentioning(parse({R"(L402 macaroon="", invoice="I")"}),
                                 ErrorCode::kInvalidArgument, "empty macaroon"));
  EXPECT_TRUE(HasErrorMentioning(parse({R"(L402 token="A", invoice="")"}),
                                 ErrorCode::kInvalidArgument, "empty invoice"));
}

TEST(ChallengeParse, RejectsARepeatedParameter) {
  EXPECT_TRUE(HasErrorMentioning(parse({R"(L402 macaroon="A", macaroon="B", invoice="I")"}),
                                 ErrorCode::kInvalidArgument, "repeats parameter macaroon"));
  EXPECT_TRUE(HasErrorMentioning(parse({R"(L402 macaroon="A", invoice="I", Invoice="J")"}),
                                 ErrorCode::kInvalidArgument, "repeats parameter Invoice"));
  EXPECT_TRUE(HasErrorMentioning(parse({R"(L402 macaroon="A", invoice="I", foo=1, FOO=2)"}),
                                 ErrorCode::kInvalidArgument, "repeats parameter"));
}

TEST(ChallengeParse, ReportsTheFirstBadL402ChallengeEvenAfterAGoodOne) {
  EXPECT_TRUE(
      HasError(parse({"LSAT " + k71Params, R"(L402 macaroon="A")"}), ErrorCode::kInvalidArgument));
}

TEST(ChallengeParse, RejectsSyntaxErrors) {
  for (const std::string_view value : {
           R"(L402 macaroon="A)",                   // unterminated quoted-string
           R"(L402 macaroon="A\)",                  // quoted-pair at the end
           R"(L402 macaroon="A" invoice="I")",      // missing comma
           R"(L402 macaroon=, invoice="I")",        // missing value
           R"(L402 =A, invoice="I")",               // missing name
           R"(L402macaroon="A", invoice="I")",      // no space after the scheme
           R"("L402" macaroon="A", invoice="I")",   // quoted scheme
           R"(L402 macaroon="A", invoice="I" x)",   // text after a parameter
           R"(L402 macaroon="A", invoice="I", =)",  // '=' without a name
           R"(Basic abc=, realm="x")",              // auth-param after a token68
           R"(Basic abc def)",                      // neither token68 nor auth-param
           R"(L402 macaroon=A/B, invoice="I")",     // '/' is not a tchar
       }) {
    SCOPED_TRACE(value);
    EXPECT_TRUE(HasError(parse({std::string(value)}), ErrorCode::kInvalidArgument));
  }
}

TEST(ChallengeParse, NamesTheOffsetAndValueOfASyntaxError) {
  EXPECT_TRUE(HasErrorMentioning(parse({"Basic x", R"(L402 macaroon="A" invoice="I")"}),
                                 ErrorCode::kInvalidArgument,
                                 "WWW-Authenticate: expected ',' at offset 18 of value 2"));
}

TEST(ChallengeParse, RejectsControlCharacters) {
  for (const char c : {'\0', '\r', '\n', '\x01', '\x7f'}) {
    std::string value = "L402 " + k71Params;
    value.insert(30, 1, c);
    EXPECT_TRUE(
        HasErrorMentioning(parse({value}), ErrorCode::kInvalidArgument, "control character"));
  }
  EXPECT_TRUE(HasErrorMentioning(parse({std::string("L402 macaroon=\"A\0\", invoice=\"I\"", 31)}),
                                 ErrorCode::kInvalidArgument,
                                 "control character 0x00 at offset 16 of value 1"));
}

TEST(ChallengeParse, AcceptsObsTextInQuotedStrings) {
  expect_single({"L402 macaroon=\"A\", invoice=\"I\", realm=\"caf\xc3\xa9\""}, "L402", "A", "I");
}

// ---- Limits ----------------------------------------------------------------------------------

TEST(ChallengeParse, RejectsAValueOverMaxValueSize) {
  const std::string value = R"(L402 macaroon=")" + std::string(8200, 'A') + R"(", invoice="I")";
  EXPECT_TRUE(HasErrorMentioning(parse({value}), ErrorCode::kLimitExceeded,
                                 "WWW-Authenticate: value size (" + std::to_string(value.size()) +
                                     ") exceeds max_value_size (8192)"));
  HeaderLimits limits;
  limits.max_value_size = value.size();
  EXPECT_TRUE(IsOk(parse({value}, limits)));
}

TEST(ChallengeParse, CountsChallengesOfEverySchemeAcrossValues) {
  std::vector<std::string> values(8, R"(Basic realm="x", L402 macaroon="A", invoice="I")");
  const Result<std::vector<Challenge>> sixteen = parse(values);
  ASSERT_TRUE(IsOk(sixteen));
  EXPECT_EQ(sixteen->size(), 8U);
  values.push_back("Negotiate");
  EXPECT_TRUE(HasErrorMentioning(parse(values), ErrorCode::kLimitExceeded,
                                 "challenge count (17) exceeds max_challenges (16)"));
}

TEST(ChallengeParse, RejectsAChallengeOverMaxParams) {
  std::string value = R"(L402 macaroon="A", invoice="I")";
  for (int i = 0; i < 14; ++i) value += ", p" + std::to_string(i) + "=1";
  EXPECT_TRUE(IsOk(parse({value})));
  value += ", extra=1";
  EXPECT_TRUE(HasErrorMentioning(parse({value}), ErrorCode::kLimitExceeded, "max_params (16)"));
  std::string digest = "Digest a0=0";
  for (int i = 1; i < 17; ++i) digest += ", a" + std::to_string(i) + "=1";
  EXPECT_TRUE(HasErrorMentioning(parse({digest}), ErrorCode::kLimitExceeded, "max_params"));
}

TEST(ChallengeParse, NeverCrashesOnAnyPrefixOfAValidValue) {
  const std::string value = R"(Digest realm="a\"b", qop="auth,auth-int", Bearer abc=, )"
                            "LSAT " +
                            k71Params + R"(, L402 token=x, invoice=y, version="0")";
  for (std::size_t length = 0; length <= value.size(); ++length) {
    const Result<std::vector<Challenge>> result = parse({value.substr(0, length)});
    if (!result.ok()) {
      EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument) << length;
    }
  }
  EXPECT_TRUE(IsOk(parse({value})));
}

}  // namespace
}  // namespace l402
