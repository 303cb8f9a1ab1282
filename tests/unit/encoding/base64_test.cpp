#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>

#include "l402/encoding.hpp"

namespace l402 {
namespace {

constexpr std::string_view kStdAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrlAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

struct Base64Vector {
  std::string_view bytes;
  std::string_view std_padded;
  std::string_view url_unpadded;
};

// RFC 4648 section 10, "Test Vectors".
constexpr Base64Vector kRfc4648Vectors[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

std::string strip_padding(std::string text) {
  while (!text.empty() && text.back() == '=') text.pop_back();
  return text;
}

std::string add_padding(std::string text) {
  while (text.size() % 4 != 0) text += '=';
  return text;
}

void expect_decodes_to(std::string_view text, std::string_view bytes) {
  const Result<std::string> result = base64::decode(text);
  ASSERT_TRUE(result.ok()) << "'" << text << "': " << result.error().message();
  EXPECT_EQ(*result, bytes) << "'" << text << "'";
}

void expect_rejected(std::string_view text) {
  const Result<std::string> result = base64::decode(text);
  ASSERT_FALSE(result.ok()) << "'" << text << "' decoded to " << result->size() << " bytes";
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument) << "'" << text << "'";
}

TEST(Base64Encode, MatchesRfc4648VectorsWithStandardPadding) {
  for (const Base64Vector& v : kRfc4648Vectors)
    EXPECT_EQ(base64::encode_std(v.bytes), v.std_padded);
}

TEST(Base64Encode, MatchesRfc4648VectorsUrlSafeWithoutPadding) {
  for (const Base64Vector& v : kRfc4648Vectors)
    EXPECT_EQ(base64::encode_url(v.bytes), v.url_unpadded);
}

TEST(Base64Encode, UsesTheAlphabetSpecificCharacters) {
  // 0xfb 0xff is 111110 111111 1111(00): indices 62, 63, 60.
  EXPECT_EQ(base64::encode_std("\xfb\xff"), "+/8=");
  EXPECT_EQ(base64::encode_url("\xfb\xff"), "-_8");
  EXPECT_EQ(base64::encode_std("\xff\xff\xff"), "////");
  EXPECT_EQ(base64::encode_url("\xff\xff\xff"), "____");
  EXPECT_EQ(base64::encode_std(std::string_view("\x00\x00\x00", 3)), "AAAA");
}

TEST(Base64Decode, DecodesRfc4648VectorsInEveryForm) {
  for (const Base64Vector& v : kRfc4648Vectors) {
    expect_decodes_to(v.std_padded, v.bytes);
    expect_decodes_to(v.url_unpadded, v.bytes);
    expect_decodes_to(strip_padding(std::string(v.std_padded)), v.bytes);
    expect_decodes_to(add_padding(std::string(v.url_unpadded)), v.bytes);
  }
}

// The decoder cases of go-macaroon's base64 helper, which accepts both alphabets with or
// without padding.
TEST(Base64Decode, AcceptsGoMacaroonDecoderCases) {
  expect_decodes_to("Z29+IQ==", "go~!");
  expect_decodes_to("Z29-IQ==", "go~!");
  expect_decodes_to("Z29+IQ", "go~!");
  expect_decodes_to("Z29-IQ", "go~!");
  expect_decodes_to("", "");
}

TEST(Base64Decode, RejectsGoMacaroonExcessPaddingCase) { expect_rejected("Z29+IQ==="); }

TEST(Base64Decode, DecodesEitherAlphabet) {
  expect_decodes_to("+/8=", "\xfb\xff");
  expect_decodes_to("+/8", "\xfb\xff");
  expect_decodes_to("-_8", "\xfb\xff");
  expect_decodes_to("-_8=", "\xfb\xff");
}

TEST(Base64Decode, RejectsMixedAlphabets) {
  expect_rejected("+_8=");
  expect_rejected("-/8=");
  expect_rejected("+/-_");
  expect_rejected("Z29+IQ-_");
  expect_rejected("Z29-IQ+/");
  expect_rejected("AAAA+AAA_AAA");
}

TEST(Base64Decode, RejectsWhitespace) {
  for (std::string_view text : {" Zm9v", "Zm9v ", "Zm 9v", "Zm9v\n", "Zm9v\r\n", "\tZm9v",
                                "Zm9vYg==\n", "Zm9v\nYmFy", "Zg== ", "Zg =="}) {
    expect_rejected(text);
  }
}

TEST(Base64Decode, RejectsNonZeroTrailingBits) {
  // "Zg" encodes 'f' leaving four zero bits; 'h' sets the lowest of them.
  expect_rejected("Zh==");
  expect_rejected("Zh");
  // "Zm8" encodes "fo" leaving two zero bits; '9' sets the lowest of them.
  expect_rejected("Zm9=");
  expect_rejected("Zm9");
  expect_rejected("Zm9vZ/==");
  expect_rejected("Zm9vZm_");
  expect_rejected("AB==");
  expect_rejected("AAB=");
}

TEST(Base64Decode, RejectsLengthOneModuloFour) {
  for (std::string_view text : {"A", "Z", "Zm9vY", "Zm9vYmFyZ", "A=", "A==", "A===", "Zm9vY==="}) {
    expect_rejected(text);
  }
}

TEST(Base64Decode, RejectsMisplacedPadding) {
  for (std::string_view text :
       {"=",        "==",       "===",      "====",  "=Zg=",    "Z=g=",     "Zg=a",
        "Zm=v",     "Zg==Zg==", "Zm8=Zm9v", "Zg=",   "Zm8==",   "Zm9v=",    "Zm9v==",
        "Zm9v====", "Zg===",    "Zg====",   "=Zm9v", "Zm9vYg=", "Zm9vYmE=="}) {
    expect_rejected(text);
  }
}

TEST(Base64Decode, RejectsCharactersOutsideBothAlphabets) {
  for (std::string_view text : {"Zm9v.A==", "Zm9*", "Zm:v", "Zm9v\xff\x41==", "Zm9~"}) {
    expect_rejected(text);
  }
  expect_rejected(std::string_view("Zm9\x00", 4));
}

TEST(Base64Decode, AcceptsExactlyTheAlphabetInTheLastPosition) {
  for (int c = 0; c < 256; ++c) {
    const char ch = static_cast<char>(c);
    const std::string text = std::string("AAA") + ch;
    const bool valid =
        kStdAlphabet.find(ch) != std::string_view::npos || ch == '-' || ch == '_' || ch == '=';
    EXPECT_EQ(base64::decode(text).ok(), valid) << "character " << c;
  }
}

TEST(Base64Decode, AcceptsOneTextPerByteStringForShortInputs) {
  // Every 2- and 3-character standard-alphabet text decodes if and only if its unused low bits
  // are zero, and then it is the canonical encoding of what it decodes to.
  std::string text;
  for (char a : kStdAlphabet) {
    for (char b : kStdAlphabet) {
      text.assign({a, b});
      Result<std::string> decoded = base64::decode(text);
      ASSERT_EQ(decoded.ok(), (kStdAlphabet.find(b) & 0x0f) == 0) << text;
      if (decoded.ok()) {
        ASSERT_EQ(decoded->size(), 1u);
        ASSERT_EQ(base64::encode_std(*decoded), text + "==");
      }
      for (char c : kStdAlphabet) {
        text.assign({a, b, c});
        decoded = base64::decode(text);
        ASSERT_EQ(decoded.ok(), (kStdAlphabet.find(c) & 0x03) == 0) << text;
        if (decoded.ok()) {
          ASSERT_EQ(decoded->size(), 2u);
          ASSERT_EQ(base64::encode_std(*decoded), text + "=");
        }
      }
    }
  }
}

TEST(Base64, RoundTripsRandomBytesOfEveryLengthUpTo300) {
  std::mt19937 rng(0xb64);
  std::uniform_int_distribution<int> byte(0, 255);
  for (std::size_t length = 0; length <= 300; ++length) {
    std::string bytes;
    for (std::size_t i = 0; i < length; ++i) bytes += static_cast<char>(byte(rng));

    const std::string std_text = base64::encode_std(bytes);
    EXPECT_EQ(std_text.size(), (length + 2) / 3 * 4) << length;
    EXPECT_EQ(std_text.find_first_not_of(std::string(kStdAlphabet) + "="), std::string::npos);
    const Result<std::string> from_std = base64::decode(std_text);
    ASSERT_TRUE(from_std.ok()) << length;
    EXPECT_EQ(*from_std, bytes) << length;

    const std::string url_text = base64::encode_url(bytes);
    EXPECT_EQ(url_text.size(), (length * 4 + 2) / 3) << length;
    EXPECT_EQ(url_text.find_first_not_of(kUrlAlphabet), std::string::npos);
    const Result<std::string> from_url = base64::decode(url_text);
    ASSERT_TRUE(from_url.ok()) << length;
    EXPECT_EQ(*from_url, bytes) << length;

    // Each alphabet also decodes with the other padding choice.
    const Result<std::string> std_unpadded = base64::decode(strip_padding(std_text));
    ASSERT_TRUE(std_unpadded.ok()) << length;
    EXPECT_EQ(*std_unpadded, bytes) << length;
    const Result<std::string> url_padded = base64::decode(add_padding(url_text));
    ASSERT_TRUE(url_padded.ok()) << length;
    EXPECT_EQ(*url_padded, bytes) << length;
  }
}

TEST(Base64, StandardAndUrlEncodingsDifferOnlyInTwoCharacters) {
  std::mt19937 rng(0x64);
  std::uniform_int_distribution<int> byte(0, 255);
  for (std::size_t length = 0; length <= 300; ++length) {
    std::string bytes;
    for (std::size_t i = 0; i < length; ++i) bytes += static_cast<char>(byte(rng));
    std::string converted = strip_padding(base64::encode_std(bytes));
    for (char& c : converted) {
      if (c == '+') c = '-';
      if (c == '/') c = '_';
    }
    EXPECT_EQ(converted, base64::encode_url(bytes)) << length;
  }
}

}  // namespace
}  // namespace l402
