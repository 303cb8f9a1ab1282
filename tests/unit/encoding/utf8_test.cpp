#include <gtest/gtest.h>

#include <string>

#include "l402/encoding.hpp"

namespace {

using l402::utf8::decode_one;
using l402::utf8::is_valid;

TEST(Utf8, AcceptsAsciiAndEveryEncodingLength) {
  EXPECT_TRUE(is_valid(""));
  EXPECT_TRUE(is_valid("services=api:0"));
  EXPECT_TRUE(is_valid("\xc3\xa9"));          // U+00E9
  EXPECT_TRUE(is_valid("\xe2\x82\xac"));      // U+20AC
  EXPECT_TRUE(is_valid("\xf0\x9f\x98\x80"));  // U+1F600
  EXPECT_TRUE(is_valid("\xf4\x8f\xbf\xbf"));  // U+10FFFF, the last code point
}

TEST(Utf8, DecodesTheCodePointAndItsLength) {
  char32_t rune = 0;
  EXPECT_EQ(decode_one("\xe2\x82\xac!", 0, &rune), 3u);
  EXPECT_EQ(rune, U'\u20ac');
  EXPECT_EQ(decode_one("a\xf0\x9f\x98\x80", 1, &rune), 4u);
  EXPECT_EQ(rune, U'\U0001F600');
}

TEST(Utf8, RejectsOverlongForms) {
  EXPECT_FALSE(is_valid("\xc0\xaf"));          // '/' in two bytes
  EXPECT_FALSE(is_valid("\xe0\x80\xaf"));      // '/' in three bytes
  EXPECT_FALSE(is_valid("\xf0\x80\x80\xaf"));  // '/' in four bytes
}

TEST(Utf8, RejectsSurrogatesAndCodePointsAboveTheRange) {
  EXPECT_FALSE(is_valid("\xed\xa0\x80"));      // U+D800
  EXPECT_FALSE(is_valid("\xed\xbf\xbf"));      // U+DFFF
  EXPECT_FALSE(is_valid("\xf4\x90\x80\x80"));  // U+110000
}

TEST(Utf8, RejectsTruncatedSequencesAndStrayBytes) {
  EXPECT_FALSE(is_valid("\xe2\x82"));
  EXPECT_FALSE(is_valid("\x80"));
  EXPECT_FALSE(is_valid("\xff"));
  EXPECT_FALSE(is_valid("ok\xc3"));
  char32_t rune = 0;
  EXPECT_EQ(decode_one("\xe2(", 0, &rune), 0u);
}

}  // namespace
