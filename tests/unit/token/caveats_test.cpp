// Caveat conventions (l402-protocol.md 4): splitting, the services / capabilities /
// valid_until grammars, and the narrowing rule of 4.3, also on the 7.3 token.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "l402/crypto.hpp"
#include "l402/macaroon.hpp"
#include "l402/macaroon_format.hpp"
#include "l402/token.hpp"
#include "result_matchers.hpp"
#include "test_bytes.hpp"

namespace l402 {
namespace {

using test::from_hex;
using test::HasError;
using test::HasErrorMentioning;
using test::IsOk;
using test::to_hex;

using Strings = std::vector<std::string>;

// ---- split_caveat -----------------------------------------------------------------------------

TEST(SplitCaveat, SplitsAtTheFirstEquals) {
  const auto parts = split_caveat("services=a:0");
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->condition, "services");
  EXPECT_EQ(parts->value, "a:0");
}

TEST(SplitCaveat, KeepsLaterEqualsInTheValue) {
  const auto parts = split_caveat("note=a=b==");
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->condition, "note");
  EXPECT_EQ(parts->value, "a=b==");
}

TEST(SplitCaveat, AllowsEmptyValueAndEmptyCondition) {
  const auto empty_value = split_caveat("myservice_capabilities=");
  ASSERT_TRUE(empty_value.has_value());
  EXPECT_EQ(empty_value->condition, "myservice_capabilities");
  EXPECT_EQ(empty_value->value, "");
  const auto empty_condition = split_caveat("=x");
  ASSERT_TRUE(empty_condition.has_value());
  EXPECT_EQ(empty_condition->condition, "");
  EXPECT_EQ(empty_condition->value, "x");
}

TEST(SplitCaveat, StringWithoutEqualsIsNotACaveat) {
  EXPECT_FALSE(split_caveat("services").has_value());
  EXPECT_FALSE(split_caveat("").has_value());
  EXPECT_FALSE(split_caveat("time < 2100").has_value());
}

TEST(CaveatConditions, AppendTheSuffixes) {
  EXPECT_EQ(capabilities_condition("myservice"), "myservice_capabilities");
  EXPECT_EQ(valid_until_condition("myservice"), "myservice_valid_until");
}

// ---- services ---------------------------------------------------------------------------------

TEST(ParseServices, ReadsNamesAndTiersInOrder) {
  const auto services = parse_services("b:1,a:0,c:255");
  ASSERT_TRUE(IsOk(services));
  const std::vector<ServiceTier> expected{{"b", 1}, {"a", 0}, {"c", 255}};
  EXPECT_EQ(*services, expected);
}

TEST(ParseServices, AcceptsDynamicPricingNames) {
  // Aperture names a priced gRPC method "<service><path>" (l402-protocol.md 4.2).
  const auto services = parse_services("svc/pkg.Service/Method:0");
  ASSERT_TRUE(IsOk(services));
  EXPECT_EQ(services->at(0).name, "svc/pkg.Service/Method");
}

TEST(ParseServices, RejectsMalformedLists) {
  for (const char* bad : {"", "a", "a:", ":0", "a:256", "a:1000", "a:-1", "a:+1", "a:01", "a: 1",
                          "a:1 ", "a=b:0", "a:0,", ",a:0", "a:0,,b:1", "a:0:1", "a:x", "a::0"}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(HasError(parse_services(bad), ErrorCode::kInvalidArgument));
  }
}

TEST(ParseServices, NamesTheOffendingEntry) {
  EXPECT_TRUE(HasErrorMentioning(parse_services("a:0,bad:300,c:1"), ErrorCode::kInvalidArgument,
                                 "\"bad:300\""));
  EXPECT_TRUE(
      HasErrorMentioning(parse_services("a:0,:1"), ErrorCode::kInvalidArgument, "empty name"));
}

TEST(ParseServices, QuotesHostileBytesHarmlessly) {
  const Result<std::vector<ServiceTier>> parsed = parse_services(std::string("a\n\0b", 4));
  ASSERT_FALSE(parsed.ok());
  for (const char c : parsed.error().message()) {
    EXPECT_TRUE(c >= 0x20 && c <= 0x7e) << static_cast<int>(c);
  }
}

TEST(FormatServices, WritesNameColonTierJoinedByCommas) {
  EXPECT_EQ(format_services({{"a", 0}, {"b", 7}}), "a:0,b:7");
  EXPECT_EQ(format_services({{"myservice", 255}}), "myservice:255");
}

TEST(FormatServices, RoundTripsThroughParse) {
  const std::vector<ServiceTier> services{{"x", 3}, {"y.z/w", 0}, {"q", 200}};
  const auto parsed = parse_services(format_services(services));
  ASSERT_TRUE(IsOk(parsed));
  EXPECT_EQ(*parsed, services);
}

// ---- capabilities -----------------------------------------------------------------------------

TEST(ParseCapabilities, EmptyValueIsTheEmptyList) {
  const auto capabilities = parse_capabilities("");
  ASSERT_TRUE(IsOk(capabilities));
  EXPECT_TRUE(capabilities->empty());
}

TEST(ParseCapabilities, SplitsAtCommas) {
  const auto one = parse_capabilities("read");
  ASSERT_TRUE(IsOk(one));
  EXPECT_EQ(*one, Strings{"read"});
  const auto three = parse_capabilities("add,subtract,multiply");
  ASSERT_TRUE(IsOk(three));
  EXPECT_EQ(*three, (Strings{"add", "subtract", "multiply"}));
}

TEST(ParseCapabilities, RejectsAnEmptyNameBetweenCommas) {
  for (const char* bad : {",", "a,", ",a", "a,,b", ",,"}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(HasErrorMentioning(parse_capabilities(bad), ErrorCode::kInvalidArgument, "empty"));
  }
}

// ---- numbers ----------------------------------------------------------------------------------

TEST(ParseUnixSeconds, AcceptsCanonicalDecimals) {
  EXPECT_EQ(parse_unix_seconds("0").value(), 0);
  EXPECT_EQ(parse_unix_seconds("4102444800").value(), 4102444800);
  EXPECT_EQ(parse_unix_seconds("9223372036854775807").value(),
            std::numeric_limits<std::int64_t>::max());
}

TEST(ParseUnixSeconds, RejectsEverythingElse) {
  for (const char* bad : {"", "-1", "+1", "01", "00", "1.5", " 1", "1 ", "0x10", "1e9", "12a",
                          "9223372036854775808", "99999999999999999999", "\xef\xbc\x91"}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(HasError(parse_unix_seconds(bad), ErrorCode::kInvalidArgument));
  }
}

TEST(ParseLimit, AcceptsUpToUint64Max) {
  EXPECT_EQ(parse_limit("0").value(), 0u);
  EXPECT_EQ(parse_limit("200000000").value(), 200000000u);
  EXPECT_EQ(parse_limit("18446744073709551615").value(), std::numeric_limits<std::uint64_t>::max());
}

TEST(ParseLimit, RejectsOverflowSignsAndLeadingZeros) {
  for (const char* bad : {"", "18446744073709551616", "-0", "-5", "+5", "007", "5 ", "five"}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(HasError(parse_limit(bad), ErrorCode::kInvalidArgument));
  }
}

// ---- classify_condition -----------------------------------------------------------------------

TEST(ClassifyCondition, RecognisesTheConditionsOfTheTargetService) {
  const Strings limits{"myservice_max_requests"};
  EXPECT_EQ(classify_condition("services", "myservice", limits), CaveatKind::kServices);
  EXPECT_EQ(classify_condition("myservice_capabilities", "myservice", limits),
            CaveatKind::kCapabilities);
  EXPECT_EQ(classify_condition("myservice_valid_until", "myservice", limits),
            CaveatKind::kValidUntil);
  EXPECT_EQ(classify_condition("myservice_max_requests", "myservice", limits), CaveatKind::kLimit);
}

TEST(ClassifyCondition, LeavesEverythingElseAlone) {
  const Strings limits{"myservice_max_requests"};
  for (const char* other :
       {"other_capabilities", "other_valid_until", "preimage", "expiration", "my_capabilities",
        "myservice_capabilities_x", "Services", "myservice_max_requests_2", "_capabilities", ""}) {
    SCOPED_TRACE(other);
    EXPECT_EQ(classify_condition(other, "myservice", limits), CaveatKind::kOther);
  }
  // A prefix of the service is another service.
  EXPECT_EQ(classify_condition("myservice_capabilities", "my", limits), CaveatKind::kOther);
  // Limits count only when declared.
  EXPECT_EQ(classify_condition("myservice_max_requests", "myservice", {}), CaveatKind::kOther);
}

// ---- caveat_narrows (l402-protocol.md 4.3) ----------------------------------------------------

TEST(CaveatNarrows, ServicesMayDropNamesAndIgnoreTiers) {
  EXPECT_TRUE(IsOk(caveat_narrows(CaveatKind::kServices, "a:0,b:1", "a:0,b:1")));
  EXPECT_TRUE(IsOk(caveat_narrows(CaveatKind::kServices, "a:0,b:1", "b:1")));
  EXPECT_TRUE(IsOk(caveat_narrows(CaveatKind::kServices, "a:0,b:1", "b:1,a:0")));
  // Aperture compares names only; the tier of the last caveat is what a grant reports.
  EXPECT_TRUE(IsOk(caveat_narrows(CaveatKind::kServices, "a:0", "a:5")));
}

TEST(CaveatNarrows, ServicesMayNotAddNames) {
  EXPECT_TRUE(HasErrorMentioning(caveat_narrows(CaveatKind::kServices, "a:0", "a:0,c:0"),
                                 ErrorCode::kPermissionDenied, "widens"));
  EXPECT_TRUE(HasErrorMentioning(caveat_narrows(CaveatKind::kServices, "a:0,b:0", "c:0"),
                                 ErrorCode::kPermissionDenied, "\"c\""));
}

TEST(CaveatNarrows, ServicesMustBothParse) {
  EXPECT_TRUE(
      HasError(caveat_narrows(CaveatKind::kServices, "a", "a:0"), ErrorCode::kInvalidArgument));
  EXPECT_TRUE(
      HasError(caveat_narrows(CaveatKind::kServices, "a:0", ""), ErrorCode::kInvalidArgument));
  EXPECT_TRUE(
      HasError(caveat_narrows(CaveatKind::kServices, "a:0", "a:x"), ErrorCode::kInvalidArgument));
}

TEST(CaveatNarrows, CapabilitiesMayOnlyShrink) {
  EXPECT_TRUE(IsOk(caveat_narrows(CaveatKind::kCapabilities, "add,subtract", "add,subtract")));
  EXPECT_TRUE(IsOk(caveat_narrows(CaveatKind::kCapabilities, "add,subtract", "subtract")));
  EXPECT_TRUE(IsOk(caveat_narrows(CaveatKind::kCapabilities, "add,subtract", "")));
  EXPECT_TRUE(IsOk(caveat_narrows(CaveatKind::kCapabilities, "", "")));
  EXPECT_TRUE(HasErrorMentioning(caveat_narrows(CaveatKind::kCapabilities, "add", "add,multiply"),
                                 ErrorCode::kPermissionDenied, "\"multiply\""));
  EXPECT_TRUE(
      HasError(caveat_narrows(CaveatKind::kCapabilities, "", "add"), ErrorCode::kPermissionDenied));
  EXPECT_TRUE(HasError(caveat_narrows(CaveatKind::kCapabilities, "add", "add,"),
                       ErrorCode::kInvalidArgument));
}

TEST(CaveatNarrows, ValidUntilMayOnlyComeEarlier) {
  EXPECT_TRUE(IsOk(caveat_narrows(CaveatKind::kValidUntil, "4102444800", "4070908800")));
  EXPECT_TRUE(IsOk(caveat_narrows(CaveatKind::kValidUntil, "4102444800", "4102444800")));
  EXPECT_TRUE(
      HasErrorMentioning(caveat_narrows(CaveatKind::kValidUntil, "4102444800", "4102444801"),
                         ErrorCode::kPermissionDenied, "widens"));
  EXPECT_TRUE(HasError(caveat_narrows(CaveatKind::kValidUntil, "4102444800", "soon"),
                       ErrorCode::kInvalidArgument));
  EXPECT_TRUE(
      HasError(caveat_narrows(CaveatKind::kValidUntil, "-1", "0"), ErrorCode::kInvalidArgument));
}

TEST(CaveatNarrows, LimitsMayOnlyDecrease) {
  EXPECT_TRUE(IsOk(caveat_narrows(CaveatKind::kLimit, "1000", "999")));
  EXPECT_TRUE(IsOk(caveat_narrows(CaveatKind::kLimit, "1000", "1000")));
  EXPECT_TRUE(IsOk(caveat_narrows(CaveatKind::kLimit, "1000", "0")));
  EXPECT_TRUE(
      HasError(caveat_narrows(CaveatKind::kLimit, "1000", "1001"), ErrorCode::kPermissionDenied));
  EXPECT_TRUE(HasError(caveat_narrows(CaveatKind::kLimit, "1000", "18446744073709551616"),
                       ErrorCode::kInvalidArgument));
}

TEST(CaveatNarrows, OtherConditionsAreNotCompared) {
  EXPECT_TRUE(IsOk(caveat_narrows(CaveatKind::kOther, "1", "2")));
  EXPECT_TRUE(IsOk(caveat_narrows(CaveatKind::kOther, "", "anything at all")));
}

TEST(CaveatNarrows, LongListsAreComparedQuickly) {
  // A holder may write lists as long as a caveat field allows; the check must not be
  // quadratic in them. 20000 names each side finish in well under a second.
  std::string previous;
  std::string current;
  for (int i = 0; i < 20000; ++i) {
    if (i > 0) {
      previous += ',';
      current += ',';
    }
    previous += "cap" + std::to_string(i);
    current += "cap" + std::to_string(19999 - i);
  }
  EXPECT_TRUE(IsOk(caveat_narrows(CaveatKind::kCapabilities, previous, current)));
  EXPECT_TRUE(HasError(caveat_narrows(CaveatKind::kCapabilities, previous, current + ",new"),
                       ErrorCode::kPermissionDenied));
}

// ---- The 7.3 token (l402-protocol.md 7.3) -----------------------------------------------------

constexpr std::string_view kVectorRootKey =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr std::string_view kVectorV2Hex =
    "0201046c7361740242000072dbb7336c76780023f83da4c355f2eeea85733b13d3477697917790c1229084fed7"
    "4b3ef24820f440601eff5bfb42bef4d615c4948cec8aca3cb15bd23f101300021473657276696365733d6d7973"
    "6572766963653a300002236d79736572766963655f6361706162696c69746965733d6164642c7375627472616374"
    "0002206d79736572766963655f76616c69645f756e74696c3d34313032343434383030000006205d75adca880a"
    "78146844ce92ce7d659e77a7751fb68558086d8c02c29f3b8d89";

Macaroon vector_token() { return parse_binary(from_hex(kVectorV2Hex)).value(); }

// The caveats of `macaroon` as verify_macaroon returns them under the 7.3 root key.
Result<std::vector<std::string>> verified_caveats(const Macaroon& macaroon) {
  return verify_macaroon(macaroon, from_hex(kVectorRootKey), {}, nullptr);
}

// Applies the 4.3 rule to `caveats` for `service`: every repetition narrows the one before.
Result<void> narrows_throughout(const std::vector<std::string>& caveats, std::string_view service) {
  for (std::size_t i = 0; i < caveats.size(); ++i) {
    const auto current = split_caveat(caveats[i]);
    if (!current) continue;
    const CaveatKind kind = classify_condition(current->condition, service, {});
    for (std::size_t j = i; j-- > 0;) {
      const auto previous = split_caveat(caveats[j]);
      if (!previous || previous->condition != current->condition) continue;
      L402_RETURN_IF_ERROR(caveat_narrows(kind, previous->value, current->value));
      break;
    }
  }
  return ok_result();
}

TEST(Section73Token, CarriesTheThreeApertureCaveats) {
  const Result<std::vector<std::string>> caveats = verified_caveats(vector_token());
  ASSERT_TRUE(IsOk(caveats));
  EXPECT_EQ(*caveats, (Strings{"services=myservice:0", "myservice_capabilities=add,subtract",
                               "myservice_valid_until=4102444800"}));

  const auto services = split_caveat(caveats->at(0));
  ASSERT_TRUE(services.has_value());
  EXPECT_EQ(classify_condition(services->condition, "myservice", {}), CaveatKind::kServices);
  EXPECT_EQ(parse_services(services->value).value(), (std::vector<ServiceTier>{{"myservice", 0}}));

  const auto capabilities = split_caveat(caveats->at(1));
  ASSERT_TRUE(capabilities.has_value());
  EXPECT_EQ(classify_condition(capabilities->condition, "myservice", {}),
            CaveatKind::kCapabilities);
  EXPECT_EQ(parse_capabilities(capabilities->value).value(), (Strings{"add", "subtract"}));

  const auto valid_until = split_caveat(caveats->at(2));
  ASSERT_TRUE(valid_until.has_value());
  EXPECT_EQ(classify_condition(valid_until->condition, "myservice", {}), CaveatKind::kValidUntil);
  EXPECT_EQ(parse_unix_seconds(valid_until->value).value(), 4102444800);
  EXPECT_TRUE(IsOk(narrows_throughout(*caveats, "myservice")));
}

TEST(Section73Token, IdentifierDecodes) {
  const Result<Identifier> identifier = decode_identifier(vector_token().identifier());
  ASSERT_TRUE(IsOk(identifier));
  EXPECT_EQ(to_hex(as_view(identifier->payment_hash)),
            "72dbb7336c76780023f83da4c355f2eeea85733b13d3477697917790c1229084");
  EXPECT_EQ(sha256(from_hex("202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f")),
            identifier->payment_hash);
}

TEST(Section73Token, ClientMayShortenTheExpiry) {
  Macaroon token = vector_token();
  ASSERT_TRUE(IsOk(token.add_first_party_caveat("myservice_valid_until=4070908800")));
  EXPECT_EQ(to_hex(as_view(token.signature())),
            "1a4020fda9abb658fa6aab3fe6872b1f0d4bcafb3e72cecec0c06b01e4cbd777");
  const Result<std::vector<std::string>> caveats = verified_caveats(token);
  ASSERT_TRUE(IsOk(caveats));
  EXPECT_TRUE(IsOk(narrows_throughout(*caveats, "myservice")));
}

TEST(Section73Token, ALaterExpiryWidens) {
  Macaroon token = vector_token();
  ASSERT_TRUE(IsOk(token.add_first_party_caveat("myservice_valid_until=4102444801")));
  const Result<std::vector<std::string>> caveats = verified_caveats(token);
  ASSERT_TRUE(IsOk(caveats));  // the signature is fine: the holder may add any caveat
  EXPECT_TRUE(HasErrorMentioning(narrows_throughout(*caveats, "myservice"),
                                 ErrorCode::kPermissionDenied, "widens"));
}

TEST(Section73Token, AddedCapabilityWidensAndFewerNarrow) {
  Macaroon narrower = vector_token();
  ASSERT_TRUE(IsOk(narrower.add_first_party_caveat("myservice_capabilities=add")));
  EXPECT_TRUE(IsOk(narrows_throughout(verified_caveats(narrower).value(), "myservice")));

  Macaroon wider = vector_token();
  ASSERT_TRUE(IsOk(wider.add_first_party_caveat("myservice_capabilities=add,subtract,divide")));
  EXPECT_TRUE(HasError(narrows_throughout(verified_caveats(wider).value(), "myservice"),
                       ErrorCode::kPermissionDenied));
}

TEST(Section73Token, AnotherServiceIsNotGranted) {
  Macaroon token = vector_token();
  ASSERT_TRUE(IsOk(token.add_first_party_caveat("services=myservice:0,otherservice:0")));
  EXPECT_TRUE(HasError(narrows_throughout(verified_caveats(token).value(), "myservice"),
                       ErrorCode::kPermissionDenied));
}

TEST(Section73Token, PreimageCaveatFormIsUninterpreted) {
  Macaroon token = vector_token();
  const std::string caveat =
      "preimage=202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";
  ASSERT_TRUE(IsOk(token.add_first_party_caveat(caveat)));
  EXPECT_EQ(to_hex(as_view(token.signature())),
            "4c19260678e6ed22c195b3ad473513e4bba1814784b9e9e06c31cfa3eddf49cd");
  const auto parts = split_caveat(caveat);
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->condition, caveat::kPreimage);
  EXPECT_EQ(classify_condition(parts->condition, "myservice", {}), CaveatKind::kOther);
  EXPECT_TRUE(IsOk(narrows_throughout(verified_caveats(token).value(), "myservice")));
}

TEST(Iso8601Utc, FormatsUnixSecondsAsUtcDates) {
  EXPECT_EQ(iso8601_utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(iso8601_utc(951782400), "2000-02-29T00:00:00Z");  // a leap day of a century year
  EXPECT_EQ(iso8601_utc(4102444799), "2099-12-31T23:59:59Z");
  EXPECT_EQ(iso8601_utc(4102444800), "2100-01-01T00:00:00Z");
  EXPECT_EQ(iso8601_utc(253402300800), "+10000-01-01T00:00:00Z");  // ISO 8601 expanded year
  EXPECT_EQ(iso8601_utc(INT64_MAX), "+292277026596-12-04T15:30:07Z");
}

}  // namespace
}  // namespace l402
