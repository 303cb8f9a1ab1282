// The L402 identifier: version (uint16 BE, only 0) || payment hash || token ID, exactly 66
// bytes (l402-protocol.md 3.1).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "l402/crypto.hpp"
#include "l402/token.hpp"
#include "result_matchers.hpp"
#include "test_bytes.hpp"

namespace l402 {
namespace {

using test::from_hex;
using test::HasErrorMentioning;
using test::IsOk;
using test::to_hex;

Hash256 hash_from_hex(std::string_view text) {
  const std::string bytes = from_hex(text);
  Hash256 out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(bytes.at(i));
  return out;
}

Hash256 counting_bytes(std::uint8_t start) {
  Hash256 out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(start + i);
  return out;
}

// l402-protocol.md 7.3.
constexpr std::string_view kVectorPaymentHash =
    "72dbb7336c76780023f83da4c355f2eeea85733b13d3477697917790c1229084";
constexpr std::string_view kVectorTokenId =
    "fed74b3ef24820f440601eff5bfb42bef4d615c4948cec8aca3cb15bd23f1013";

TEST(Identifier, EncodesVersionThenPaymentHashThenTokenId) {
  const Identifier id{kIdentifierVersion, hash_from_hex(kVectorPaymentHash),
                      hash_from_hex(kVectorTokenId)};
  const std::string bytes = encode_identifier(id);
  ASSERT_EQ(bytes.size(), kIdentifierSize);
  EXPECT_EQ(to_hex(bytes), "0000" + std::string(kVectorPaymentHash) + std::string(kVectorTokenId));
}

TEST(Identifier, RoundTrips) {
  const Identifier id{0, counting_bytes(0x40), counting_bytes(0x90)};
  const Result<Identifier> decoded = decode_identifier(encode_identifier(id));
  ASSERT_TRUE(IsOk(decoded));
  EXPECT_EQ(*decoded, id);
}

TEST(Identifier, RoundTripsExtremeBytes) {
  for (const std::uint8_t fill : {std::uint8_t{0x00}, std::uint8_t{0xff}}) {
    Identifier id;
    id.payment_hash.fill(fill);
    id.token_id.fill(static_cast<std::uint8_t>(~fill));
    const Result<Identifier> decoded = decode_identifier(encode_identifier(id));
    ASSERT_TRUE(IsOk(decoded));
    EXPECT_EQ(*decoded, id);
  }
}

TEST(Identifier, DecodesTheSection73Identifier) {
  const std::string bytes =
      from_hex("0000" + std::string(kVectorPaymentHash) + std::string(kVectorTokenId));
  const Result<Identifier> decoded = decode_identifier(bytes);
  ASSERT_TRUE(IsOk(decoded));
  EXPECT_EQ(decoded->version, 0);
  EXPECT_EQ(to_hex(as_view(decoded->payment_hash)), kVectorPaymentHash);
  EXPECT_EQ(to_hex(as_view(decoded->token_id)), kVectorTokenId);
}

// l402-protocol.md 7.1: an identifier minted by Aperture itself.
TEST(Identifier, DecodesAnApertureMintedIdentifier) {
  const std::string bytes = from_hex(
      "00003d9bd2b5fbf0b013895a3c6ca807baeade7de17939e5f61f966e69c0482b7f91"
      "011d4f294d686697c264589be33743a23d293a980f9a1b6eccd96553ecbffc3d");
  const Result<Identifier> decoded = decode_identifier(bytes);
  ASSERT_TRUE(IsOk(decoded));
  EXPECT_EQ(to_hex(as_view(decoded->payment_hash)),
            "3d9bd2b5fbf0b013895a3c6ca807baeade7de17939e5f61f966e69c0482b7f91");
  EXPECT_EQ(to_hex(as_view(decoded->token_id)),
            "011d4f294d686697c264589be33743a23d293a980f9a1b6eccd96553ecbffc3d");
}

TEST(Identifier, AcceptsOnlySixtySixBytesAmongLengthsZeroToSeventy) {
  for (std::size_t length = 0; length <= 70; ++length) {
    SCOPED_TRACE(length);
    // Zero bytes, so that the version is 0 whenever there are two bytes of it.
    const std::string bytes(length, '\0');
    const Result<Identifier> decoded = decode_identifier(bytes);
    if (length == kIdentifierSize) {
      EXPECT_TRUE(IsOk(decoded));
    } else {
      EXPECT_TRUE(HasErrorMentioning(decoded, ErrorCode::kInvalidArgument,
                                     "identifier must be 66 bytes, got " + std::to_string(length)));
    }
  }
}

TEST(Identifier, RejectsEveryVersionButZero) {
  for (const unsigned version : {1u, 2u, 0x00ffu, 0x0100u, 0x8000u, 0xffffu}) {
    SCOPED_TRACE(version);
    std::string bytes(kIdentifierSize, '\x07');
    bytes[0] = static_cast<char>(version >> 8);
    bytes[1] = static_cast<char>(version & 0xff);
    EXPECT_TRUE(HasErrorMentioning(decode_identifier(bytes), ErrorCode::kInvalidArgument,
                                   "unknown identifier version " + std::to_string(version)));
  }
}

TEST(Identifier, ReadsTheVersionBigEndian) {
  // 01 00 is version 256, not 1.
  std::string bytes(kIdentifierSize, '\0');
  bytes[0] = '\x01';
  EXPECT_TRUE(HasErrorMentioning(decode_identifier(bytes), ErrorCode::kInvalidArgument,
                                 "unknown identifier version 256"));
}

TEST(Identifier, ReportsAnUnknownVersionBeforeTheLength) {
  // A later version may have another layout: its length says nothing.
  for (const std::size_t length : {2u, 3u, 65u, 67u, 100u}) {
    SCOPED_TRACE(length);
    std::string bytes(length, '\0');
    bytes[1] = '\x01';
    EXPECT_TRUE(HasErrorMentioning(decode_identifier(bytes), ErrorCode::kInvalidArgument,
                                   "unknown identifier version 1"));
  }
}

TEST(Identifier, OneByteIsALengthError) {
  EXPECT_TRUE(HasErrorMentioning(decode_identifier(std::string(1, '\x01')),
                                 ErrorCode::kInvalidArgument, "got 1"));
}

TEST(IdentifierDeathTest, EncodingAnotherVersionIsABug) {
  Identifier id;
  id.version = 1;
  EXPECT_DEATH((void)encode_identifier(id), "");
}

}  // namespace
}  // namespace l402
