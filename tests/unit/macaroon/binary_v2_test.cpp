// V2 binary format: the byte layout of l402-protocol.md 5.5 and every way a parser must refuse
// malformed or oversized input.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "l402/macaroon.hpp"
#include "l402/macaroon_format.hpp"
#include "test_util.hpp"

namespace l402 {
namespace {

using test::build_macaroon;
using test::from_hex;
using test::HasError;
using test::HasErrorMentioning;
using test::to_hex;

// Protobuf-style uvarint, written here independently of the library.
std::string varint(std::uint64_t value) {
  std::string out;
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
  return out;
}

std::string field(std::uint64_t type, std::string_view data) {
  return varint(type) + varint(data.size()) + std::string(data);
}

constexpr std::uint64_t kLocation = 1;
constexpr std::uint64_t kIdentifier = 2;
constexpr std::uint64_t kVid = 4;
constexpr std::uint64_t kSignature = 6;
const std::string kVersion(1, '\x02');
const std::string kEos(1, '\x00');
const std::string kSig =
    from_hex("7cdee792511c5bc6f528485805dfe9b24e785e28e2a99301f9d711c609e38ef7");
const std::string kVid72 = std::string(24, '\0') + std::string(48, '\x5a');

// A macaroon with location "http://example.org/", id "keyid", and the given caveat sections.
std::string macaroon_with_caveat_sections(const std::vector<std::string>& sections) {
  std::string out =
      kVersion + field(kLocation, "http://example.org/") + field(kIdentifier, "keyid") + kEos;
  for (const std::string& section : sections) out += section + kEos;
  return out + kEos + field(kSignature, kSig);
}

std::string l402_token_binary() { return test::vector_v2_binary(test::l402_token_vector()); }

TEST(MacaroonBinaryV2, ByteWalkOfTV3WithoutCaveats) {
  ASSERT_OK_AND_ASSIGN(const Macaroon macaroon, build_macaroon(test::macaroon_vector("TV3"), 0));
  const std::string binary = to_binary_v2(macaroon);
  const std::string expected = std::string("\x02", 1) + "\x01\x13" + "http://example.org/" +
                               "\x02\x05" + "keyid" + std::string("\x00\x00", 2) + "\x06\x20" +
                               kSig;
  EXPECT_EQ(to_hex(binary), to_hex(expected));
  EXPECT_EQ(binary, macaroon_with_caveat_sections({}));
}

TEST(MacaroonBinaryV2, ByteWalkOfTheL402Token) {
  const nlohmann::json& vector = test::l402_token_vector();
  ASSERT_OK_AND_ASSIGN(const Macaroon macaroon, build_macaroon(vector));
  std::string expected = kVersion + field(kLocation, "lsat") +
                         field(kIdentifier, test::bytes_field(vector, "identifier")) + kEos;
  for (const auto& caveat : vector.at("caveats")) {
    expected += field(kIdentifier, caveat.at("condition_text").get<std::string>()) + kEos;
  }
  expected += kEos + field(kSignature, from_hex(vector.at("signature_hex").get<std::string>()));
  const std::string binary = to_binary_v2(macaroon);
  EXPECT_EQ(binary.size(), 207U);
  EXPECT_EQ(to_hex(binary), to_hex(expected));
  // The identifier length byte is 0x42 (66) and no EOS follows the signature.
  EXPECT_EQ(binary.substr(7, 2), "\x02\x42");
  EXPECT_EQ(binary.substr(binary.size() - 34, 2), "\x06\x20");
}

TEST(MacaroonBinaryV2, ByteWalkOfAThirdPartyCaveat) {
  const nlohmann::json& tv4 = test::macaroon_vector("TV4");
  ASSERT_OK_AND_ASSIGN(const Macaroon macaroon, build_macaroon(tv4));
  const Caveat& third = macaroon.caveats().at(1);
  const std::string section = field(kLocation, "http://auth.mybank/") +
                              field(kIdentifier, "this was how we remind auth of key/pred") +
                              field(kVid, third.verification_id) + kEos;
  const std::string binary = to_binary_v2(macaroon);
  EXPECT_NE(binary.find(section), std::string::npos);
  EXPECT_EQ(binary.size(), 243U);
}

TEST(MacaroonBinaryV2, ParsesAHandBuiltMacaroon) {
  const std::string bytes = macaroon_with_caveat_sections(
      {field(kIdentifier, "a = 1"),
       field(kLocation, "https://third/") + field(kIdentifier, "cid") + field(kVid, kVid72),
       field(kIdentifier, "b = 2")});
  ASSERT_OK_AND_ASSIGN(const Macaroon parsed, parse_binary(bytes));
  const Macaroon expected = Macaroon::from_parts(
      "http://example.org/", "keyid",
      {Caveat{"a = 1", "", ""}, Caveat{"cid", kVid72, "https://third/"}, Caveat{"b = 2", "", ""}},
      test::hash_from_hex(to_hex(kSig)));
  EXPECT_EQ(parsed, expected);
  EXPECT_EQ(to_binary_v2(parsed), bytes);
}

TEST(MacaroonBinaryV2, ParsesAMacaroonWithoutLocation) {
  const std::string bytes =
      kVersion + field(kIdentifier, "keyid") + kEos + kEos + field(kSignature, kSig);
  ASSERT_OK_AND_ASSIGN(const Macaroon parsed, parse_binary(bytes));
  EXPECT_TRUE(parsed.location().empty());
  EXPECT_EQ(parsed.identifier(), "keyid");
  EXPECT_EQ(to_binary_v2(parsed), bytes);
}

TEST(MacaroonBinaryV2, EncodesLongFieldsWithMultiByteVarints) {
  MacaroonLimits limits;
  limits.max_field_size = 40000;
  ASSERT_OK_AND_ASSIGN(Macaroon macaroon, Macaroon::mint("key", "id", "", limits));
  const std::string c200(200, 'x');
  const std::string c20000(20000, 'y');
  ASSERT_OK(macaroon.add_first_party_caveat(c200, limits));
  ASSERT_OK(macaroon.add_first_party_caveat(c20000, limits));
  const std::string binary = to_binary_v2(macaroon);
  EXPECT_NE(binary.find(std::string("\x02\xc8\x01", 3) + c200), std::string::npos);
  EXPECT_NE(binary.find(std::string("\x02\xa0\x9c\x01", 4) + c20000), std::string::npos);
  ASSERT_OK_AND_ASSIGN(const Macaroon parsed, parse_binary(binary, limits));
  EXPECT_EQ(parsed, macaroon);
}

TEST(MacaroonBinaryV2, RejectsFieldsOutOfOrderInTheHeader) {
  const std::string bytes = kVersion + field(kIdentifier, "keyid") +
                            field(kLocation, "http://example.org/") + kEos + kEos +
                            field(kSignature, kSig);
  EXPECT_TRUE(HasError(parse_binary(bytes), ErrorCode::kInvalidArgument));
}

TEST(MacaroonBinaryV2, RejectsFieldsOutOfOrderInACaveat) {
  EXPECT_TRUE(HasError(parse_binary(macaroon_with_caveat_sections(
                           {field(kVid, kVid72) + field(kIdentifier, "cid")})),
                       ErrorCode::kInvalidArgument));
  EXPECT_TRUE(HasError(
      parse_binary(macaroon_with_caveat_sections(
          {field(kIdentifier, "cid") + field(kLocation, "https://third/") + field(kVid, kVid72)})),
      ErrorCode::kInvalidArgument));
}

TEST(MacaroonBinaryV2, RejectsDuplicateFields) {
  const std::string two_ids = kVersion + field(kIdentifier, "keyid") + field(kIdentifier, "other") +
                              kEos + kEos + field(kSignature, kSig);
  EXPECT_TRUE(HasError(parse_binary(two_ids), ErrorCode::kInvalidArgument));
  const std::string two_locations = kVersion + field(kLocation, "a") + field(kLocation, "b") +
                                    field(kIdentifier, "keyid") + kEos + kEos +
                                    field(kSignature, kSig);
  EXPECT_TRUE(HasError(parse_binary(two_locations), ErrorCode::kInvalidArgument));
  EXPECT_TRUE(HasError(parse_binary(macaroon_with_caveat_sections(
                           {field(kIdentifier, "a = 1") + field(kIdentifier, "b = 2")})),
                       ErrorCode::kInvalidArgument));
  EXPECT_TRUE(
      HasError(parse_binary(macaroon_with_caveat_sections(
                   {field(kIdentifier, "cid") + field(kVid, kVid72) + field(kVid, kVid72)})),
               ErrorCode::kInvalidArgument));
}

TEST(MacaroonBinaryV2, RejectsAMissingIdentifier) {
  const std::string only_location =
      kVersion + field(kLocation, "http://example.org/") + kEos + kEos + field(kSignature, kSig);
  EXPECT_TRUE(HasError(parse_binary(only_location), ErrorCode::kInvalidArgument));
  const std::string empty_header = kVersion + kEos + kEos + field(kSignature, kSig);
  EXPECT_TRUE(HasError(parse_binary(empty_header), ErrorCode::kInvalidArgument));
  // A caveat section with a location and a vid but no caveat id.
  EXPECT_TRUE(HasError(parse_binary(macaroon_with_caveat_sections(
                           {field(kLocation, "https://third/") + field(kVid, kVid72)})),
                       ErrorCode::kInvalidArgument));
}

TEST(MacaroonBinaryV2, RejectsAFirstPartyCaveatWithALocation) {
  EXPECT_TRUE(HasError(parse_binary(macaroon_with_caveat_sections(
                           {field(kLocation, "https://third/") + field(kIdentifier, "a = 1")})),
                       ErrorCode::kInvalidArgument));
}

TEST(MacaroonBinaryV2, RejectsAnEmptyVerificationId) {
  EXPECT_TRUE(HasError(
      parse_binary(macaroon_with_caveat_sections({field(kIdentifier, "a = 1") + field(kVid, "")})),
      ErrorCode::kInvalidArgument));
  EXPECT_TRUE(HasError(
      parse_binary(macaroon_with_caveat_sections(
          {field(kLocation, "https://third/") + field(kIdentifier, "cid") + field(kVid, "")})),
      ErrorCode::kInvalidArgument));
}

TEST(MacaroonBinaryV2, RejectsUnknownFieldTypes) {
  const std::string in_header = kVersion + field(kIdentifier, "keyid") + field(3, "x") + kEos +
                                kEos + field(kSignature, kSig);
  EXPECT_TRUE(HasError(parse_binary(in_header), ErrorCode::kInvalidArgument));
  EXPECT_TRUE(HasError(
      parse_binary(macaroon_with_caveat_sections({field(kIdentifier, "a = 1") + field(5, "x")})),
      ErrorCode::kInvalidArgument));
  EXPECT_TRUE(HasError(parse_binary(macaroon_with_caveat_sections(
                           {field(kIdentifier, "cid") + field(kVid, kVid72) + field(7, "x")})),
                       ErrorCode::kInvalidArgument));
  // A signature field inside the header.
  const std::string sig_in_header = kVersion + field(kIdentifier, "keyid") +
                                    field(kSignature, kSig) + kEos + kEos + field(kSignature, kSig);
  EXPECT_TRUE(HasError(parse_binary(sig_in_header), ErrorCode::kInvalidArgument));
}

TEST(MacaroonBinaryV2, RejectsASignatureOfTheWrongLength) {
  const std::string full = macaroon_with_caveat_sections({});
  const std::string prefix = full.substr(0, full.size() - 34);
  ASSERT_EQ(prefix.back(), '\0');
  for (const std::size_t size : {0U, 1U, 31U, 33U, 64U}) {
    SCOPED_TRACE(size);
    EXPECT_TRUE(HasError(parse_binary(prefix + field(kSignature, std::string(size, 's'))),
                         ErrorCode::kInvalidArgument));
  }
  EXPECT_OK(parse_binary(prefix + field(kSignature, std::string(32, 's'))));
}

TEST(MacaroonBinaryV2, RejectsAMissingSignature) {
  const std::string full = macaroon_with_caveat_sections({field(kIdentifier, "a = 1")});
  const std::string without = full.substr(0, full.size() - 34);
  EXPECT_TRUE(HasError(parse_binary(without), ErrorCode::kInvalidArgument));
  // Another field where the signature belongs.
  EXPECT_TRUE(
      HasError(parse_binary(without + field(kIdentifier, kSig)), ErrorCode::kInvalidArgument));
  EXPECT_TRUE(
      HasError(parse_binary(without + field(kLocation, kSig)), ErrorCode::kInvalidArgument));
}

TEST(MacaroonBinaryV2, RejectsAWrongVersionByte) {
  const std::string good = macaroon_with_caveat_sections({});
  for (const char first : {'\x00', '\x01', '\x03', '\x82', '\xff', 'A', 'g'}) {
    std::string bad = good;
    bad[0] = first;
    SCOPED_TRACE(static_cast<int>(static_cast<unsigned char>(first)));
    EXPECT_FALSE(parse_binary(bad).ok());
  }
  EXPECT_FALSE(parse_binary("").ok());
  EXPECT_FALSE(parse_binary_prefix("").ok());
}

TEST(MacaroonBinaryV2, RejectsTrailingBytesButAPrefixParseReportsWhatItConsumed) {
  const std::string token = l402_token_binary();
  for (const std::string& tail :
       {std::string(1, '\0'), std::string("x"), std::string("\x02"), std::string(100, '\x7f')}) {
    SCOPED_TRACE(to_hex(tail));
    EXPECT_TRUE(HasError(parse_binary(token + tail), ErrorCode::kInvalidArgument));
    ASSERT_OK_AND_ASSIGN(const ParsedMacaroon prefix, parse_binary_prefix(token + tail));
    EXPECT_EQ(prefix.consumed, token.size());
    EXPECT_EQ(to_binary_v2(prefix.macaroon), token);
  }
  ASSERT_OK_AND_ASSIGN(const ParsedMacaroon exact, parse_binary_prefix(token));
  EXPECT_EQ(exact.consumed, token.size());
}

TEST(MacaroonBinaryV2, PrefixParseWalksConcatenatedMacaroons) {
  const std::string first = l402_token_binary();
  const std::string second = macaroon_with_caveat_sections({field(kIdentifier, "a = 1")});
  const std::string both = first + second;
  ASSERT_OK_AND_ASSIGN(const ParsedMacaroon a, parse_binary_prefix(both));
  EXPECT_EQ(a.consumed, first.size());
  ASSERT_OK_AND_ASSIGN(const ParsedMacaroon b,
                       parse_binary_prefix(std::string_view(both).substr(a.consumed)));
  EXPECT_EQ(b.consumed, second.size());
  EXPECT_EQ(b.macaroon.caveats().at(0).id, "a = 1");
}

TEST(MacaroonBinaryV2, RejectsAVarintAbove0x7fffffff) {
  MacaroonLimits huge;
  huge.max_serialized_size = SIZE_MAX;
  huge.max_field_size = SIZE_MAX;
  // Identifier length 0x80000000 (the data is absent as well).
  const std::string big_length = kVersion + varint(kIdentifier) + varint(0x80000000ULL) + "keyid";
  EXPECT_FALSE(parse_binary(big_length, huge).ok());
  EXPECT_FALSE(parse_binary(big_length).ok());
  // Field type 0x80000002.
  const std::string big_type = kVersion + varint(0x80000002ULL) + varint(5) + "keyid" + kEos +
                               kEos + field(kSignature, kSig);
  EXPECT_TRUE(HasError(parse_binary(big_type, huge), ErrorCode::kInvalidArgument));
  // Values whose low 32 bits look valid must not be truncated into acceptance.
  const std::string wide_type = kVersion + varint(0x100000002ULL) + varint(5) + "keyid" + kEos +
                                kEos + field(kSignature, kSig);
  EXPECT_TRUE(HasError(parse_binary(wide_type, huge), ErrorCode::kInvalidArgument));
  const std::string wide_length = kVersion + varint(kIdentifier) + varint(0x100000005ULL) +
                                  "keyid" + kEos + kEos + field(kSignature, kSig);
  EXPECT_FALSE(parse_binary(wide_length, huge).ok());
  // The largest 64-bit varint and an overlong one.
  const std::string max64 = kVersion + varint(kIdentifier) + varint(UINT64_MAX);
  EXPECT_FALSE(parse_binary(max64, huge).ok());
  const std::string overlong = kVersion + varint(kIdentifier) + std::string(11, '\xff') + "\x01";
  EXPECT_FALSE(parse_binary(overlong, huge).ok());
}

TEST(MacaroonBinaryV2, RejectsLengthsRunningPastTheEnd) {
  // Location claims 0x7f bytes; identifier claims 40 bytes with 5 present.
  EXPECT_TRUE(HasError(parse_binary(kVersion + "\x01\x7f" + "http://example.org/"),
                       ErrorCode::kInvalidArgument));
  EXPECT_TRUE(HasError(parse_binary(kVersion + "\x02\x28" + "keyid"), ErrorCode::kInvalidArgument));
  // Signature length 32 with 31 bytes present.
  const std::string full = macaroon_with_caveat_sections({});
  EXPECT_TRUE(HasError(parse_binary(full.substr(0, full.size() - 1)), ErrorCode::kInvalidArgument));
  // A varint cut in the middle.
  EXPECT_TRUE(HasError(parse_binary(kVersion + "\x02\x81"), ErrorCode::kInvalidArgument));
  // A section without its EOS.
  EXPECT_TRUE(
      HasError(parse_binary(kVersion + field(kIdentifier, "keyid")), ErrorCode::kInvalidArgument));
}

TEST(MacaroonBinaryV2, MaxSerializedSizeIsEnforced) {
  const std::string token = l402_token_binary();
  MacaroonLimits limits;
  limits.max_serialized_size = token.size() - 1;
  EXPECT_TRUE(HasErrorMentioning(parse_binary(token, limits), ErrorCode::kLimitExceeded,
                                 "max_serialized_size"));
  EXPECT_TRUE(HasErrorMentioning(parse_binary_prefix(token, limits), ErrorCode::kLimitExceeded,
                                 "max_serialized_size"));
  limits.max_serialized_size = token.size();
  EXPECT_OK(parse_binary(token, limits));
}

TEST(MacaroonBinaryV2, DefaultMaxSerializedSizeRefusesAnOversizedMacaroon) {
  MacaroonLimits big_fields;
  big_fields.max_field_size = 1 << 20;
  big_fields.max_serialized_size = 1 << 20;
  ASSERT_OK_AND_ASSIGN(Macaroon macaroon, Macaroon::mint("key", "id", "", big_fields));
  ASSERT_OK(macaroon.add_first_party_caveat(std::string(MacaroonLimits{}.max_serialized_size, 'c'),
                                            big_fields));
  const std::string binary = to_binary_v2(macaroon);
  EXPECT_OK(parse_binary(binary, big_fields));
  EXPECT_TRUE(HasError(parse_binary(binary), ErrorCode::kLimitExceeded));
}

TEST(MacaroonBinaryV2, MaxCaveatsIsEnforced) {
  const std::string token = l402_token_binary();
  MacaroonLimits limits;
  limits.max_caveats = 2;
  EXPECT_TRUE(
      HasErrorMentioning(parse_binary(token, limits), ErrorCode::kLimitExceeded, "max_caveats"));
  limits.max_caveats = 3;
  EXPECT_OK(parse_binary(token, limits));
}

TEST(MacaroonBinaryV2, MaxFieldSizeIsEnforcedForTheIdentifier) {
  const std::string token = l402_token_binary();
  MacaroonLimits limits;
  limits.max_field_size = 65;
  EXPECT_TRUE(
      HasErrorMentioning(parse_binary(token, limits), ErrorCode::kLimitExceeded, "max_field_size"));
  limits.max_field_size = 66;
  EXPECT_OK(parse_binary(token, limits));
}

TEST(MacaroonBinaryV2, MaxFieldSizeIsEnforcedForLocationCaveatIdAndVid) {
  MacaroonLimits limits;
  limits.max_field_size = 72;
  const std::string location73 = std::string(73, 'l');
  const std::string with_location = kVersion + field(kLocation, location73) +
                                    field(kIdentifier, "keyid") + kEos + kEos +
                                    field(kSignature, kSig);
  const std::string with_caveat = macaroon_with_caveat_sections({field(kIdentifier, location73)});
  const std::string with_vid =
      macaroon_with_caveat_sections({field(kIdentifier, "cid") + field(kVid, kVid72 + "v")});
  const std::string with_caveat_location = macaroon_with_caveat_sections(
      {field(kLocation, location73) + field(kIdentifier, "cid") + field(kVid, kVid72)});
  for (const std::string* bytes :
       {&with_location, &with_caveat, &with_vid, &with_caveat_location}) {
    EXPECT_TRUE(HasErrorMentioning(parse_binary(*bytes, limits), ErrorCode::kLimitExceeded,
                                   "max_field_size"));
  }
  limits.max_field_size = 73;
  for (const std::string* bytes :
       {&with_location, &with_caveat, &with_vid, &with_caveat_location}) {
    EXPECT_OK(parse_binary(*bytes, limits));
  }
}

}  // namespace
}  // namespace l402
