#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>

#include "l402/encoding.hpp"

namespace l402 {
namespace {

std::string all_byte_values() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  return bytes;
}

TEST(HexEncode, EncodesInLowerCase) {
  EXPECT_EQ(hex::encode(""), "");
  EXPECT_EQ(hex::encode(std::string_view("\x00", 1)), "00");
  EXPECT_EQ(hex::encode("\x01\x23\x45\x67\x89\xab\xcd\xef"), "0123456789abcdef");
  EXPECT_EQ(hex::encode("\xff\xfe"), "fffe");
  EXPECT_EQ(hex::encode("abc"), "616263");
}

TEST(HexEncode, EncodesEveryByteValue) {
  const std::string text = hex::encode(all_byte_values());
  ASSERT_EQ(text.size(), 512u);
  constexpr std::string_view kDigits = "0123456789abcdef";
  for (std::size_t i = 0; i < 256; ++i) {
    EXPECT_EQ(text[2 * i], kDigits[i >> 4]) << i;
    EXPECT_EQ(text[2 * i + 1], kDigits[i & 0x0f]) << i;
  }
}

TEST(HexDecode, DecodesEitherCase) {
  const Result<std::string> lower = hex::decode("0123456789abcdef");
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(*lower, "\x01\x23\x45\x67\x89\xab\xcd\xef");
  const Result<std::string> upper = hex::decode("ABCDEF");
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(*upper, "\xab\xcd\xef");
  const Result<std::string> mixed = hex::decode("aBcD");
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ(*mixed, "\xab\xcd");
}

TEST(HexDecode, DecodesEmptyToEmpty) {
  const Result<std::string> result = hex::decode("");
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->empty());
}

TEST(HexDecode, KeepsZeroBytes) {
  const Result<std::string> result = hex::decode("00ff00");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, std::string_view("\x00\xff\x00", 3));
}

TEST(HexDecode, RejectsOddLength) {
  for (std::string_view text : {"0", "abc", "00112"}) {
    const Result<std::string> result = hex::decode(text);
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument);
  }
}

TEST(HexDecode, RejectsNonHexCharacters) {
  for (std::string_view text :
       {"0g", "g0", "zz", " 0", "0 ", "0x00", "-1", "+1", "\xc3\xa9", "0\n", "::"}) {
    const Result<std::string> result = hex::decode(text);
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument) << text;
  }
  const Result<std::string> with_nul = hex::decode(std::string_view("0\x00", 2));
  EXPECT_FALSE(with_nul.ok());
}

TEST(HexDecode, NamesTheOffendingOffset) {
  const Result<std::string> high = hex::decode("0011x2");
  ASSERT_FALSE(high.ok());
  EXPECT_NE(high.error().message().find("offset 4"), std::string::npos) << high.error().message();
  const Result<std::string> low = hex::decode("00112x");
  ASSERT_FALSE(low.ok());
  EXPECT_NE(low.error().message().find("offset 5"), std::string::npos) << low.error().message();
}

TEST(HexDecode, RejectsEveryCharacterOutsideTheAlphabet) {
  constexpr std::string_view kValid = "0123456789abcdefABCDEF";
  for (int c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    const std::string text = std::string("0") + ch;
    const bool valid = kValid.find(ch) != std::string_view::npos;
    EXPECT_EQ(hex::decode(text).ok(), valid) << "character " << c;
  }
}

TEST(Hex, RoundTripsEveryByteValue) {
  const std::string bytes = all_byte_values();
  const Result<std::string> decoded = hex::decode(hex::encode(bytes));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, bytes);
}

TEST(Hex, RoundTripsRandomBytesOfManyLengths) {
  std::mt19937 rng(0x4e58);
  std::uniform_int_distribution<int> byte(0, 255);
  for (std::size_t length = 0; length <= 100; ++length) {
    std::string bytes;
    for (std::size_t i = 0; i < length; ++i) bytes += static_cast<char>(byte(rng));
    const std::string text = hex::encode(bytes);
    ASSERT_EQ(text.size(), 2 * length);
    const Result<std::string> decoded = hex::decode(text);
    ASSERT_TRUE(decoded.ok()) << length;
    EXPECT_EQ(*decoded, bytes) << length;
  }
}

}  // namespace
}  // namespace l402
