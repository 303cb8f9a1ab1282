// parse_credential, parse_authorization and format_authorization: the Authorization,
// Grpc-Metadata-Macaroon and Macaroon forms of l402-protocol.md §1.3 and §2, the §7.2/§7.3
// vectors, and hostile input (truncations, control characters, limits).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "l402/encoding.hpp"
#include "l402/macaroon.hpp"
#include "l402/macaroon_format.hpp"
#include "l402/token_header.hpp"
#include "result_matchers.hpp"
#include "test_bytes.hpp"
#include "token_test_util.hpp"

namespace l402 {
namespace {

using test::from_hex;
using test::HasError;
using test::HasErrorMentioning;
using test::hex_of;
using test::IsOk;
using test::k73Hex;
using test::to_hex;
using test::to_upper;

// ---- Vectors (l402-protocol.md §7) ---------------------------------------------------------

// §7.1: the aperture-minted challenge macaroon of lsat-js (125 bytes: '+', '/' and padding).
constexpr std::string_view k71Base64 =
    "AgESMy4xMzYuMTc4LjE1OjM0MjM4AkIAAD2b0rX78LATiVo8bKgHuurefeF5OeX2H5ZuacBIK3+RAR1PKU1oZpfCZFib"
    "4zdDoj0pOpgPmhtuzNllU+y//D0AAAYgcWFs9FIteCzpCcEPSwmXKBpcx97hyL5Yt99cbLjRHzU=";

// §7.2: Aperture's authenticator test macaroon, which carries its own preimage caveat.
constexpr std::string_view k72Hex =
    "0201086170657274757265020441413d3d000249707265696d6167653d343933343964666561346162656433636431"
    "3466366433353661666138336465393738376236303966303838633864663039626163633762346264323162333900"
    "000620a329f0d7149ad54162e7448d868825e9a508d4de95fb86d5d0060002493ca6b5";
constexpr std::string_view k72Base64 =
    "AgEIYXBlcnR1cmUCBEFBPT0AAklwcmVpbWFnZT00OTM0OWRmZWE0YWJlZDNjZDE0ZjZkMzU2YWZhODNkZTk3ODdiNjA5"
    "ZjA4OGM4ZGYwOWJhY2M3YjRiZDIxYjM5AAAGIKMp8NcUmtVBYudEjYaIJemlCNTelfuG1dAGAAJJPKa1";
constexpr std::string_view k72Preimage =
    "49349dfea4abed3cd14f6d356afa83de9787b609f088c8df09bacc7b4bd21b39";

// §7.3: the synthetic L402 token's credential and its gRPC (preimage caveat) form
// (test::k73Hex is the token).
constexpr std::string_view k73Credential =
    "L402 "
    "AgEEbHNhdAJCAABy27czbHZ4ACP4PaTDVfLu6oVzOxPTR3aXkXeQwSKQhP7XSz7ySCD0QGAe/1v7Qr701hXElIzsiso8sV"
    "vSPxATAAIUc2VydmljZXM9bXlzZXJ2aWNlOjAAAiNteXNlcnZpY2VfY2FwYWJpbGl0aWVzPWFkZCxzdWJ0cmFjdAACIG"
    "15c2VydmljZV92YWxpZF91bnRpbD00MTAyNDQ0ODAwAAAGIF11rcqICngUaETOks59ZZ53p3UftoVYCG2MAsKfO42J:"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";
constexpr std::string_view k73Preimage =
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";
constexpr std::string_view k73IdentifierHex =
    "000072dbb7336c76780023f83da4c355f2eeea85733b13d3477697917790c1229084fed74b3ef24820f440601eff5b"
    "fb42bef4d615c4948cec8aca3cb15bd23f1013";
constexpr std::string_view k73SignatureHex =
    "5d75adca880a78146844ce92ce7d659e77a7751fb68558086d8c02c29f3b8d89";
constexpr std::string_view k73PreimageCaveatHex =
    "0201046c7361740242000072dbb7336c76780023f83da4c355f2eeea85733b13d3477697917790c1229084fed74b3e"
    "f24820f440601eff5bfb42bef4d615c4948cec8aca3cb15bd23f101300021473657276696365733d6d7973657276"
    "6963653a300002236d79736572766963655f6361706162696c69746965733d6164642c737562747261637400022"
    "06d79736572766963655f76616c69645f756e74696c3d3431303234343438303000024970726569"
    "6d6167653d323032313232323332343235323632373238323932613262326332643265326633303331333233333334"
    "33"
    "353336333733383339336133623363336433653366000006204c19260678e6ed22c195b3ad473513e4bba1814784b9"
    "e9e06c31cfa3eddf49cd";
constexpr std::string_view k73PreimageCaveatSignatureHex =
    "4c19260678e6ed22c195b3ad473513e4bba1814784b9e9e06c31cfa3eddf49cd";

// ---- Helpers -------------------------------------------------------------------------------

Macaroon macaroon_from_hex(std::string_view hex) {
  auto parsed = parse_binary(from_hex(hex));
  if (!parsed.ok()) throw std::invalid_argument("bad macaroon in test data");
  return std::move(parsed).value();
}

Macaroon macaroon_from_base64(std::string_view text) {
  auto bytes = base64::decode(text);
  if (!bytes.ok()) throw std::invalid_argument("bad base64 in test data");
  auto parsed = parse_binary(*bytes);
  if (!parsed.ok()) throw std::invalid_argument("bad macaroon in test data");
  return std::move(parsed).value();
}

std::string strip_padding(std::string text) {
  while (!text.empty() && text.back() == '=') text.pop_back();
  return text;
}

std::string std_to_url(std::string text) {
  std::replace(text.begin(), text.end(), '+', '-');
  std::replace(text.begin(), text.end(), '/', '_');
  return text;
}

std::string authorization(std::string_view scheme, std::string_view tokens,
                          std::string_view preimage) {
  return std::string(scheme) + " " + std::string(tokens) + ":" + std::string(preimage);
}

// A minted macaroon with the given first-party caveats.
Macaroon minted(const std::vector<std::string>& caveats, const MacaroonLimits& limits = {}) {
  auto macaroon = Macaroon::mint("root key of the tests", "identifier", "here", limits);
  if (!macaroon.ok()) throw std::logic_error("mint failed");
  for (const std::string& caveat : caveats) {
    if (!macaroon->add_first_party_caveat(caveat, limits).ok()) {
      throw std::logic_error("caveat failed");
    }
  }
  return std::move(macaroon).value();
}

void expect_credential(const Result<Credential>& result, const Macaroon& macaroon,
                       std::string_view preimage_hex, CredentialForm form) {
  ASSERT_TRUE(IsOk(result));
  EXPECT_EQ(result->macaroon, macaroon);
  EXPECT_TRUE(result->discharges.empty());
  EXPECT_EQ(hex_of(result->preimage), test::lower_case(preimage_hex));
  EXPECT_EQ(result->form, form);
}

// A header field that owns its text (HeaderField only views it).
struct Field {
  Field(std::string_view field_name, std::string_view field_value)
      : name(field_name), value(field_value) {}
  std::string name;
  std::string value;
};

Result<Credential> parse_fields(const std::vector<Field>& owned, const HeaderLimits& limits = {}) {
  std::vector<HeaderField> fields;
  fields.reserve(owned.size());
  for (const Field& field : owned) fields.push_back({field.name, field.value});
  return parse_credential(fields, limits);
}

// ---- Spec vectors --------------------------------------------------------------------------

TEST(CredentialParse, ParsesTheSpecCredentialOfSection73) {
  const Result<Credential> credential = parse_authorization(k73Credential);
  expect_credential(credential, macaroon_from_hex(k73Hex), k73Preimage,
                    CredentialForm::kAuthorization);
  ASSERT_TRUE(IsOk(credential));
  EXPECT_EQ(to_hex(credential->macaroon.identifier()), k73IdentifierHex);
  EXPECT_EQ(hex_of(credential->macaroon.signature()), k73SignatureHex);
  EXPECT_EQ(credential->macaroon.location(), "lsat");
  ASSERT_EQ(credential->macaroon.caveats().size(), 3U);
  EXPECT_EQ(credential->macaroon.caveats()[0].id, "services=myservice:0");
}

TEST(CredentialParse, AcceptsEveryHeaderFormOfApertureAuthenticatorTest) {
  // l402-protocol.md §7.2: aperture's auth/authenticator_test.go feeds these four forms.
  const Macaroon expected = macaroon_from_hex(k72Hex);
  for (const std::string_view scheme : {"LSAT", "L402"}) {
    SCOPED_TRACE(scheme);
    const std::vector<Field> fields = {
        {"Authorization", authorization(scheme, k72Base64, k72Preimage)}};
    expect_credential(parse_fields(fields), expected, k72Preimage, CredentialForm::kAuthorization);
  }
  const std::vector<Field> grpc = {{"Grpc-Metadata-Macaroon", k72Hex}};
  expect_credential(parse_fields(grpc), expected, k72Preimage,
                    CredentialForm::kGrpcMetadataMacaroon);
  const std::vector<Field> metadata = {{"Macaroon", k72Hex}};
  expect_credential(parse_fields(metadata), expected, k72Preimage, CredentialForm::kMacaroonHeader);
}

TEST(CredentialParse, RejectsFooInEveryFieldOfApertureAuthenticatorTest) {
  for (const std::string_view name : {"Authorization", "Grpc-Metadata-Macaroon", "Macaroon"}) {
    SCOPED_TRACE(name);
    const std::vector<Field> fields = {{name, "foo"}};
    const Result<Credential> result = parse_fields(fields);
    EXPECT_FALSE(result.ok());
    // "foo" in Authorization has no L402 scheme: there is no credential at all.
    const ErrorCode expected =
        name == "Authorization" ? ErrorCode::kNotFound : ErrorCode::kInvalidArgument;
    EXPECT_TRUE(HasError(result, expected));
  }
}

TEST(CredentialParse, ParsesThePreimageCaveatFormOfSection73) {
  const Macaroon expected = macaroon_from_hex(k73PreimageCaveatHex);
  EXPECT_EQ(hex_of(expected.signature()), k73PreimageCaveatSignatureHex);
  const std::vector<Field> metadata = {{"Macaroon", k73PreimageCaveatHex}};
  expect_credential(parse_fields(metadata), expected, k73Preimage, CredentialForm::kMacaroonHeader);
  const std::vector<Field> grpc = {{"Grpc-Metadata-Macaroon", k73PreimageCaveatHex}};
  expect_credential(parse_fields(grpc), expected, k73Preimage,
                    CredentialForm::kGrpcMetadataMacaroon);
}

// ---- Authorization: scheme, spacing, base64, preimage -------------------------------------

TEST(CredentialParse, AcceptsTheSchemeInAnyCase) {
  const Macaroon expected = macaroon_from_hex(k72Hex);
  for (const std::string_view scheme : {"L402", "l402", "LSAT", "lsat", "LsAt", "l402"}) {
    SCOPED_TRACE(scheme);
    expect_credential(parse_authorization(authorization(scheme, k72Base64, k72Preimage)), expected,
                      k72Preimage, CredentialForm::kAuthorization);
  }
}

TEST(CredentialParse, AcceptsSeveralSpacesAfterTheScheme) {
  const std::string value = "L402   " + std::string(k72Base64) + ":" + std::string(k72Preimage);
  expect_credential(parse_authorization(value), macaroon_from_hex(k72Hex), k72Preimage,
                    CredentialForm::kAuthorization);
}

TEST(CredentialParse, RequiresASpaceAfterTheScheme) {
  const std::string tab = "L402\t" + std::string(k72Base64) + ":" + std::string(k72Preimage);
  EXPECT_TRUE(HasErrorMentioning(parse_authorization(tab), ErrorCode::kInvalidArgument, "space"));
  const std::string colon = "L402:" + std::string(k72Preimage);
  EXPECT_TRUE(HasErrorMentioning(parse_authorization(colon), ErrorCode::kInvalidArgument, "space"));
}

TEST(CredentialParse, ToleratesWhitespaceAroundTheValue) {
  const std::string value =
      " \t L402 " + std::string(k72Base64) + ":" + std::string(k72Preimage) + " \t ";
  expect_credential(parse_authorization(value), macaroon_from_hex(k72Hex), k72Preimage,
                    CredentialForm::kAuthorization);
}

TEST(CredentialParse, AcceptsStdBase64WithPadding) {
  ASSERT_EQ(k71Base64.back(), '=');
  expect_credential(parse_authorization(authorization("L402", k71Base64, k72Preimage)),
                    macaroon_from_base64(k71Base64), k72Preimage, CredentialForm::kAuthorization);
}

TEST(CredentialParse, AcceptsStdBase64WithoutPadding) {
  const std::string token = strip_padding(std::string(k71Base64));
  expect_credential(parse_authorization(authorization("L402", token, k72Preimage)),
                    macaroon_from_base64(k71Base64), k72Preimage, CredentialForm::kAuthorization);
}

TEST(CredentialParse, AcceptsUrlSafeBase64WithPadding) {
  const std::string token = std_to_url(std::string(k71Base64));
  ASSERT_NE(token.find('-'), std::string::npos);
  ASSERT_NE(token.find('_'), std::string::npos);
  expect_credential(parse_authorization(authorization("L402", token, k72Preimage)),
                    macaroon_from_base64(k71Base64), k72Preimage, CredentialForm::kAuthorization);
}

TEST(CredentialParse, AcceptsUrlSafeBase64WithoutPadding) {
  const std::string token = strip_padding(std_to_url(std::string(k71Base64)));
  expect_credential(parse_authorization(authorization("L402", token, k72Preimage)),
                    macaroon_from_base64(k71Base64), k72Preimage, CredentialForm::kAuthorization);
}

TEST(CredentialParse, RejectsMixedBase64Alphabets) {
  std::string token(k71Base64);
  const std::size_t plus = token.find('+');
  ASSERT_NE(plus, std::string::npos);
  token[plus] = '-';  // URL-safe while '/' stays standard
  EXPECT_TRUE(HasErrorMentioning(parse_authorization(authorization("L402", token, k72Preimage)),
                                 ErrorCode::kInvalidArgument, "token 1"));
}

TEST(CredentialParse, AcceptsThePreimageInUpperAndMixedCase) {
  const Macaroon expected = macaroon_from_hex(k72Hex);
  const std::string upper_preimage = to_upper(std::string(k72Preimage));
  expect_credential(parse_authorization(authorization("L402", k72Base64, upper_preimage)), expected,
                    k72Preimage, CredentialForm::kAuthorization);
  std::string mixed(k72Preimage);
  for (std::size_t i = 0; i < mixed.size(); i += 2) {
    mixed[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(mixed[i])));
  }
  expect_credential(parse_authorization(authorization("L402", k72Base64, mixed)), expected,
                    k72Preimage, CredentialForm::kAuthorization);
}

TEST(CredentialParse, RejectsAPreimageOf63HexDigits) {
  const std::string value = authorization("L402", k72Base64, k72Preimage.substr(0, 63));
  EXPECT_TRUE(HasErrorMentioning(parse_authorization(value), ErrorCode::kInvalidArgument,
                                 "preimage must be 64 hex digits, got 63"));
}

TEST(CredentialParse, RejectsAPreimageOf65HexDigits) {
  const std::string value = authorization("L402", k72Base64, std::string(k72Preimage) + "0");
  EXPECT_TRUE(HasErrorMentioning(parse_authorization(value), ErrorCode::kInvalidArgument,
                                 "preimage must be 64 hex digits, got 65"));
}

TEST(CredentialParse, RejectsAnEmptyPreimage) {
  // lsat-js writes "LSAT <b64>:" for a token that is not paid yet.
  const std::string value = "LSAT " + std::string(k72Base64) + ":";
  EXPECT_TRUE(HasErrorMentioning(parse_authorization(value), ErrorCode::kInvalidArgument,
                                 "preimage must be 64 hex digits, got 0"));
}

TEST(CredentialParse, RejectsANonHexPreimage) {
  std::string preimage(k72Preimage);
  preimage[10] = 'g';
  EXPECT_TRUE(HasErrorMentioning(parse_authorization(authorization("L402", k72Base64, preimage)),
                                 ErrorCode::kInvalidArgument, "non-hex character at digit 11"));
}

TEST(CredentialParse, RejectsTextAfterThePreimage) {
  const std::string value = authorization("L402", k72Base64, k72Preimage) + " extra";
  EXPECT_TRUE(
      HasErrorMentioning(parse_authorization(value), ErrorCode::kInvalidArgument, "preimage"));
}

TEST(CredentialParse, SplitsTokensAndPreimageAtTheLastColon) {
  // The first "preimage" becomes part of the token list, where ':' is not base64.
  const std::string value =
      authorization("L402", k72Base64, k72Preimage) + ":" + std::string(k72Preimage);
  EXPECT_TRUE(HasErrorMentioning(parse_authorization(value), ErrorCode::kInvalidArgument,
                                 "token 1: base64"));
}

TEST(CredentialParse, RejectsAValueWithoutColon) {
  const std::string value = "L402 " + std::string(k72Base64);
  EXPECT_TRUE(HasErrorMentioning(parse_authorization(value), ErrorCode::kInvalidArgument, "':'"));
}

TEST(CredentialParse, RejectsTheSchemeAlone) {
  for (const std::string_view value : {"L402", "L402 ", "lsat \t "}) {
    SCOPED_TRACE(value);
    EXPECT_TRUE(HasErrorMentioning(parse_authorization(value), ErrorCode::kInvalidArgument,
                                   "no credential"));
  }
}

TEST(CredentialParse, RejectsAMissingToken) {
  const std::string value = "L402 :" + std::string(k72Preimage);
  EXPECT_TRUE(
      HasErrorMentioning(parse_authorization(value), ErrorCode::kInvalidArgument, "no token"));
}

TEST(CredentialParse, GivesNotFoundForOtherSchemes) {
  for (const std::string_view value :
       {"Bearer abc.def.ghi", "Basic YWxhZGRpbjpvcGVuc2VzYW1l", "L402x abc:def", "LSATS a:b", "",
        "   ", "L40 abc", "Macaroon 0201"}) {
    SCOPED_TRACE(value);
    EXPECT_TRUE(HasError(parse_authorization(value), ErrorCode::kNotFound));
  }
}

TEST(CredentialParse, RejectsBadBase64NamingTheToken) {
  const std::string value = authorization("L402", "AgE!", k72Preimage);
  EXPECT_TRUE(HasErrorMentioning(parse_authorization(value), ErrorCode::kInvalidArgument,
                                 "Authorization: token 1: base64"));
}

TEST(CredentialParse, RejectsTheSpecExampleToken) {
  // SPEC's example `AGIAJEemVQUTEyNCR0exk7ek90Cg==:1234abcd1234abcd1234abcd` (l402-protocol.md
  // §9.6): 30 characters of base64 cannot be padded that way, and the preimage is 12 bytes.
  EXPECT_TRUE(
      HasError(parse_authorization("L402 AGIAJEemVQUTEyNCR0exk7ek90Cg==:1234abcd1234abcd1234abcd"),
               ErrorCode::kInvalidArgument));
  const std::string value = authorization("L402", "AGIAJEemVQUTEyNCR0exk7ek90Cg==", k72Preimage);
  EXPECT_TRUE(HasErrorMentioning(parse_authorization(value), ErrorCode::kInvalidArgument,
                                 "token 1: base64"));
}

TEST(CredentialParse, RejectsATokenThatIsNotAMacaroon) {
  // Without its padding the SPEC example token decodes, to bytes starting 0x00.
  const std::string value = authorization("L402", "AGIAJEemVQUTEyNCR0exk7ek90Cg", k72Preimage);
  EXPECT_TRUE(HasErrorMentioning(parse_authorization(value), ErrorCode::kInvalidArgument,
                                 "token 1: macaroon"));
}

TEST(CredentialParse, RejectsBytesAfterTheMacaroonInAToken) {
  // Aperture (go-macaroon UnmarshalBinary) ignores them; we do not.
  const std::string token = base64::encode_std(from_hex(k72Hex) + std::string(1, '\0'));
  EXPECT_TRUE(HasErrorMentioning(parse_authorization(authorization("L402", token, k72Preimage)),
                                 ErrorCode::kInvalidArgument, "unexpected bytes"));
}

TEST(CredentialParse, RejectsTwoMacaroonsConcatenatedInOneToken) {
  const std::string token = base64::encode_std(from_hex(k72Hex) + from_hex(k73Hex));
  EXPECT_TRUE(HasError(parse_authorization(authorization("L402", token, k72Preimage)),
                       ErrorCode::kInvalidArgument));
}

// ---- Several tokens: the macaroon and its discharges ---------------------------------------

TEST(CredentialParse, ReadsTheFollowingTokensAsDischarges) {
  const std::string tokens = std::string(k73Credential.substr(5, k73Credential.find(':') - 5)) +
                             "," + std::string(k72Base64) + "," +
                             strip_padding(std_to_url(std::string(k71Base64)));
  const Result<Credential> credential =
      parse_authorization(authorization("LSAT", tokens, k73Preimage));
  ASSERT_TRUE(IsOk(credential));
  EXPECT_EQ(credential->macaroon, macaroon_from_hex(k73Hex));
  ASSERT_EQ(credential->discharges.size(), 2U);
  EXPECT_EQ(credential->discharges[0], macaroon_from_hex(k72Hex));
  EXPECT_EQ(credential->discharges[1], macaroon_from_base64(k71Base64));
  EXPECT_EQ(hex_of(credential->preimage), k73Preimage);
}

TEST(CredentialParse, AcceptsMaxTokensAndRejectsOneMore) {
  std::string tokens(k72Base64);
  for (int i = 1; i < 4; ++i) tokens += "," + std::string(k72Base64);
  const Result<Credential> four = parse_authorization(authorization("L402", tokens, k72Preimage));
  ASSERT_TRUE(IsOk(four));
  EXPECT_EQ(four->discharges.size(), 3U);
  tokens += "," + std::string(k72Base64);
  EXPECT_TRUE(HasErrorMentioning(parse_authorization(authorization("L402", tokens, k72Preimage)),
                                 ErrorCode::kLimitExceeded, "max_tokens"));
  HeaderLimits limits;
  limits.max_tokens = 1;
  const std::string two = std::string(k72Base64) + "," + std::string(k72Base64);
  EXPECT_TRUE(
      HasErrorMentioning(parse_authorization(authorization("L402", two, k72Preimage), limits),
                         ErrorCode::kLimitExceeded, "token count (2) exceeds max_tokens (1)"));
}

TEST(CredentialParse, RejectsAnEmptyTokenInTheList) {
  for (const std::string& tokens :
       {std::string(",") + std::string(k72Base64), std::string(k72Base64) + ",",
        std::string(k72Base64) + ",," + std::string(k72Base64)}) {
    SCOPED_TRACE(tokens);
    EXPECT_TRUE(HasErrorMentioning(parse_authorization(authorization("L402", tokens, k72Preimage)),
                                   ErrorCode::kInvalidArgument, "is empty"));
  }
}

TEST(CredentialParse, NamesTheDischargeThatFails) {
  const std::string tokens = std::string(k72Base64) + ",AgE!";
  EXPECT_TRUE(HasErrorMentioning(parse_authorization(authorization("L402", tokens, k72Preimage)),
                                 ErrorCode::kInvalidArgument, "token 2"));
}

// ---- format_authorization --------------------------------------------------------------------

TEST(AuthorizationFormat, WritesTheSpecCredentialOfSection73) {
  Credential credential{macaroon_from_hex(k73Hex), {}, {}, CredentialForm::kAuthorization};
  const std::string preimage = from_hex(k73Preimage);
  std::copy(preimage.begin(), preimage.end(), credential.preimage.begin());
  EXPECT_EQ(format_authorization(credential), k73Credential);
}

TEST(AuthorizationFormat, WritesPaddedStdBase64AndLowerCaseHex) {
  const Result<Credential> parsed =
      parse_authorization(authorization("lsat", strip_padding(std_to_url(std::string(k71Base64))),
                                        to_upper(std::string(k72Preimage))));
  ASSERT_TRUE(IsOk(parsed));
  EXPECT_EQ(format_authorization(*parsed),
            "L402 " + std::string(k71Base64) + ":" + std::string(k72Preimage));
}

TEST(AuthorizationFormat, WritesDischargesCommaSeparatedAndParsesBack) {
  Credential credential{macaroon_from_hex(k73Hex),
                        {macaroon_from_hex(k72Hex), macaroon_from_base64(k71Base64)},
                        {},
                        CredentialForm::kAuthorization};
  credential.preimage.fill(0xab);
  std::string preimage_hex;
  for (int i = 0; i < 32; ++i) preimage_hex += "ab";
  const std::string text = format_authorization(credential);
  EXPECT_EQ(text, "L402 " + base64::encode_std(from_hex(k73Hex)) + "," + std::string(k72Base64) +
                      "," + std::string(k71Base64) + ":" + preimage_hex);
  const Result<Credential> again = parse_authorization(text);
  ASSERT_TRUE(IsOk(again));
  EXPECT_EQ(again->macaroon, credential.macaroon);
  EXPECT_EQ(again->discharges, credential.discharges);
  EXPECT_EQ(again->preimage, credential.preimage);
}

// ---- parse_credential: several fields -------------------------------------------------------

TEST(CredentialParse, TakesTheFirstL402AuthorizationValueThatParses) {
  const std::string good = authorization("L402", k72Base64, k72Preimage);
  const std::vector<Field> fields = {
      {"Authorization", "L402 AgE!:" + std::string(k72Preimage)},
      {"Authorization", good},
      {"Authorization", std::string(k73Credential)},
  };
  expect_credential(parse_fields(fields), macaroon_from_hex(k72Hex), k72Preimage,
                    CredentialForm::kAuthorization);
}

TEST(CredentialParse, AcceptsApertureSetHeaderPairOfLines) {
  // Aperture's SetHeader writes LSAT then L402; with a Bearer line after both (which makes
  // Aperture itself reject the request) the first L402 line still wins here.
  const std::vector<Field> fields = {
      {"Authorization", authorization("LSAT", k72Base64, k72Preimage)},
      {"Authorization", authorization("L402", k72Base64, k72Preimage)},
      {"Authorization", "Bearer abc"},
  };
  expect_credential(parse_fields(fields), macaroon_from_hex(k72Hex), k72Preimage,
                    CredentialForm::kAuthorization);
}

TEST(CredentialParse, SkipsAuthorizationValuesOfOtherSchemes) {
  const std::vector<Field> fields = {
      {"Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc"},
      {"Authorization", "Basic YWxhZGRpbjpvcGVuc2VzYW1l"},
      {"Authorization", std::string(k73Credential)},
  };
  expect_credential(parse_fields(fields), macaroon_from_hex(k73Hex), k73Preimage,
                    CredentialForm::kAuthorization);
}

TEST(CredentialParse, ReturnsTheFirstErrorWhenNoL402ValueParses) {
  const std::vector<Field> fields = {
      {"Authorization", "Bearer x"},
      {"Authorization", authorization("L402", k72Base64, k72Preimage.substr(0, 63))},
      {"Authorization", "L402 " + std::string(k72Base64)},
  };
  EXPECT_TRUE(HasErrorMentioning(parse_fields(fields), ErrorCode::kInvalidArgument, "got 63"));
}

TEST(CredentialParse, ComparesHeaderNamesCaseInsensitively) {
  const Macaroon expected = macaroon_from_hex(k72Hex);
  for (const std::string_view name : {"authorization", "AUTHORIZATION", "AuThOrIzAtIoN"}) {
    const std::vector<Field> fields = {{name, authorization("L402", k72Base64, k72Preimage)}};
    expect_credential(parse_fields(fields), expected, k72Preimage, CredentialForm::kAuthorization);
  }
  for (const std::string_view name : {"grpc-metadata-macaroon", "GRPC-METADATA-MACAROON"}) {
    const std::vector<Field> fields = {{name, k72Hex}};
    expect_credential(parse_fields(fields), expected, k72Preimage,
                      CredentialForm::kGrpcMetadataMacaroon);
  }
  for (const std::string_view name : {"macaroon", "MACAROON"}) {
    const std::vector<Field> fields = {{name, k72Hex}};
    expect_credential(parse_fields(fields), expected, k72Preimage, CredentialForm::kMacaroonHeader);
  }
}

TEST(CredentialParse, AnL402AuthorizationHidesTheMacaroonFields) {
  const std::vector<Field> fields = {
      {"Macaroon", k72Hex},
      {"Authorization", "L402 AgE!:" + std::string(k72Preimage)},
  };
  EXPECT_TRUE(
      HasErrorMentioning(parse_fields(fields), ErrorCode::kInvalidArgument, "Authorization"));
}

TEST(CredentialParse, AnotherAuthorizationSchemeDoesNotHideTheMacaroonFields) {
  const std::vector<Field> fields = {
      {"Authorization", "Bearer abc"},
      {"Macaroon", k72Hex},
  };
  expect_credential(parse_fields(fields), macaroon_from_hex(k72Hex), k72Preimage,
                    CredentialForm::kMacaroonHeader);
}

TEST(CredentialParse, PrefersGrpcMetadataMacaroonOverMacaroon) {
  const std::vector<Field> fields = {
      {"Macaroon", k72Hex},
      {"Grpc-Metadata-Macaroon", k73PreimageCaveatHex},
  };
  expect_credential(parse_fields(fields), macaroon_from_hex(k73PreimageCaveatHex), k73Preimage,
                    CredentialForm::kGrpcMetadataMacaroon);
}

TEST(CredentialParse, ABadGrpcMetadataMacaroonIsNotReplacedByMacaroon) {
  const std::vector<Field> fields = {
      {"Grpc-Metadata-Macaroon", "zz"},
      {"Macaroon", k72Hex},
  };
  EXPECT_TRUE(HasErrorMentioning(parse_fields(fields), ErrorCode::kInvalidArgument,
                                 "Grpc-Metadata-Macaroon: hex"));
}

TEST(CredentialParse, TakesTheFirstMacaroonFieldThatParses) {
  const std::vector<Field> fields = {
      {"Macaroon", "0201"},
      {"Macaroon", k72Hex},
  };
  expect_credential(parse_fields(fields), macaroon_from_hex(k72Hex), k72Preimage,
                    CredentialForm::kMacaroonHeader);
}

TEST(CredentialParse, AcceptsUpperCaseHexInMacaroonFields) {
  const std::vector<Field> fields = {{"Macaroon", " " + to_upper(std::string(k72Hex)) + "\t"}};
  expect_credential(parse_fields(fields), macaroon_from_hex(k72Hex), k72Preimage,
                    CredentialForm::kMacaroonHeader);
}

TEST(CredentialParse, RejectsAMacaroonFieldWithoutPreimageCaveat) {
  const std::vector<Field> fields = {{"Macaroon", k73Hex}};
  EXPECT_TRUE(HasErrorMentioning(parse_fields(fields), ErrorCode::kInvalidArgument,
                                 "Macaroon: macaroon has no preimage caveat"));
}

TEST(CredentialParse, RejectsBase64InAMacaroonField) {
  const std::vector<Field> fields = {{"Grpc-Metadata-Macaroon", k72Base64}};
  EXPECT_TRUE(HasErrorMentioning(parse_fields(fields), ErrorCode::kInvalidArgument, "hex"));
}

TEST(CredentialParse, TheLastPreimageCaveatCounts) {
  const std::string first(64, '1');
  const std::string last(64, '2');
  const Macaroon macaroon =
      minted({"preimage=" + first, "services=x:0", "preimage=" + last, "other=1"});
  const std::vector<Field> fields = {{"Macaroon", to_hex(to_binary_v2(macaroon))}};
  expect_credential(parse_fields(fields), macaroon, last, CredentialForm::kMacaroonHeader);
}

TEST(CredentialParse, AMalformedLastPreimageCaveatIsAnErrorEvenAfterAGoodOne) {
  const Macaroon macaroon = minted({"preimage=" + std::string(64, '1'), "preimage=abc"});
  const std::vector<Field> fields = {{"Macaroon", to_hex(to_binary_v2(macaroon))}};
  EXPECT_TRUE(HasErrorMentioning(parse_fields(fields), ErrorCode::kInvalidArgument,
                                 "preimage caveat must be 64 hex digits, got 3"));
}

TEST(CredentialParse, GivesNotFoundWithoutAnyCredential) {
  EXPECT_TRUE(HasError(parse_fields({}), ErrorCode::kNotFound));
  EXPECT_TRUE(
      HasError(parse_fields({{"Host", "example.com"}, {"Accept", "*/*"}}), ErrorCode::kNotFound));
  EXPECT_TRUE(HasError(parse_fields({{"Authorization", "Bearer abc"}, {"Token", "abc"}}),
                       ErrorCode::kNotFound));
}

// ---- Hostile input -----------------------------------------------------------------------

TEST(CredentialParse, RejectsEveryTruncationOfAValidCredential) {
  for (std::size_t length = 0; length < k73Credential.size(); ++length) {
    const std::string_view prefix = k73Credential.substr(0, length);
    const Result<Credential> result = parse_authorization(prefix);
    ASSERT_FALSE(result.ok()) << "prefix of " << length << " bytes parsed";
    const ErrorCode code = result.error().code();
    if (length < 4) {
      EXPECT_EQ(code, ErrorCode::kNotFound) << length;
    } else {
      EXPECT_EQ(code, ErrorCode::kInvalidArgument) << length << ": " << result.error().message();
    }
  }
}

TEST(CredentialParse, RejectsEveryTruncationOfAValidMacaroonField) {
  for (std::size_t length = 0; length < k73PreimageCaveatHex.size(); ++length) {
    const std::vector<Field> fields = {{"Macaroon", k73PreimageCaveatHex.substr(0, length)}};
    EXPECT_TRUE(HasError(parse_fields(fields), ErrorCode::kInvalidArgument)) << length;
  }
}

TEST(CredentialParse, RejectsANulByteAnywhereInTheCredential) {
  const std::string valid(k73Credential);
  for (std::size_t pos = 4; pos <= valid.size(); pos += 7) {
    std::string value = valid;
    value.insert(pos, 1, '\0');
    EXPECT_TRUE(HasErrorMentioning(parse_authorization(value), ErrorCode::kInvalidArgument,
                                   "control character 0x00"))
        << pos;
  }
}

TEST(CredentialParse, RejectsControlCharactersInEveryField) {
  for (const char c : {'\0', '\r', '\n', '\x01', '\x1f', '\x7f'}) {
    std::string value(k73Credential);
    value.insert(20, 1, c);
    EXPECT_TRUE(HasErrorMentioning(parse_fields({{"Authorization", value}}),
                                   ErrorCode::kInvalidArgument, "control character"));
    std::string hex(k72Hex);
    hex.insert(10, 1, c);
    EXPECT_TRUE(HasErrorMentioning(parse_fields({{"Grpc-Metadata-Macaroon", hex}}),
                                   ErrorCode::kInvalidArgument, "control character"));
    EXPECT_TRUE(HasErrorMentioning(parse_fields({{"Macaroon", hex}}), ErrorCode::kInvalidArgument,
                                   "control character"));
  }
}

TEST(CredentialParse, RejectsAnAuthorizationValueOverMaxValueSize) {
  HeaderLimits limits;
  limits.max_value_size = k73Credential.size() - 1;
  EXPECT_TRUE(HasErrorMentioning(parse_authorization(k73Credential, limits),
                                 ErrorCode::kLimitExceeded, "max_value_size"));
  limits.max_value_size = k73Credential.size();
  EXPECT_TRUE(IsOk(parse_authorization(k73Credential, limits)));

  const std::string huge = "L402 " + std::string(9000, 'A') + ":" + std::string(k73Preimage);
  EXPECT_TRUE(HasErrorMentioning(parse_authorization(huge), ErrorCode::kLimitExceeded,
                                 "value size (9070) exceeds max_value_size (8192)"));
}

TEST(CredentialParse, SkipsAnOversizedValueOfAnotherScheme) {
  const std::vector<Field> fields = {
      {"Authorization", "Bearer " + std::string(20000, 'x')},
      {"Macaroon", k72Hex},
  };
  expect_credential(parse_fields(fields), macaroon_from_hex(k72Hex), k72Preimage,
                    CredentialForm::kMacaroonHeader);
}

TEST(CredentialParse, RejectsAMacaroonFieldOverMaxValueSize) {
  const std::vector<Field> fields = {{"Macaroon", std::string(8194, '0')}};
  EXPECT_TRUE(HasErrorMentioning(parse_fields(fields), ErrorCode::kLimitExceeded,
                                 "Macaroon: value size (8194) exceeds max_value_size (8192)"));
}

TEST(CredentialParse, RejectsAMacaroonOverMaxCaveats) {
  std::vector<std::string> caveats;
  for (int i = 0; i < 65; ++i) caveats.push_back("c=" + std::to_string(i));
  const Macaroon many = minted(caveats);
  const std::string value =
      authorization("L402", base64::encode_std(to_binary_v2(many)), k72Preimage);
  EXPECT_TRUE(HasErrorMentioning(parse_authorization(value), ErrorCode::kLimitExceeded,
                                 "max_caveats (64)"));
  caveats.pop_back();
  const Macaroon enough = minted(caveats);
  EXPECT_TRUE(IsOk(parse_authorization(
      authorization("L402", base64::encode_std(to_binary_v2(enough)), k72Preimage))));
}

TEST(CredentialParse, RejectsAMacaroonFieldOverMaxFieldSize) {
  const Macaroon wide = minted({"c=" + std::string(1100, 'x')});
  const std::string value =
      authorization("L402", base64::encode_std(to_binary_v2(wide)), k72Preimage);
  EXPECT_TRUE(
      HasErrorMentioning(parse_authorization(value), ErrorCode::kLimitExceeded, "max_field_size"));
  const std::vector<Field> fields = {{"Macaroon", to_hex(to_binary_v2(wide))}};
  EXPECT_TRUE(
      HasErrorMentioning(parse_fields(fields), ErrorCode::kLimitExceeded, "max_field_size"));
}

TEST(CredentialParse, RejectsATokenOverMaxSerializedSize) {
  HeaderLimits limits;
  limits.macaroon.max_serialized_size = 100;
  EXPECT_TRUE(HasErrorMentioning(parse_authorization(k73Credential, limits),
                                 ErrorCode::kLimitExceeded, "max_serialized_size"));
  const std::vector<Field> fields = {{"Macaroon", k72Hex}};
  EXPECT_TRUE(HasErrorMentioning(parse_fields(fields, limits), ErrorCode::kLimitExceeded,
                                 "max_serialized_size"));
}

}  // namespace
}  // namespace l402
