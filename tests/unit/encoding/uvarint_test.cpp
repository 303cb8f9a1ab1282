#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>

#include "l402/encoding.hpp"

namespace l402 {
namespace {

struct VarintVector {
  std::uint64_t value;
  std::string_view encoding;
};

// Protobuf varint encodings (low 7-bit group first, high bit = "more follows").
constexpr VarintVector kVarintVectors[] = {
    {0, std::string_view("\x00", 1)},
    {1, "\x01"},
    {127, "\x7f"},
    {128, "\x80\x01"},
    {300, "\xac\x02"},
    {16383, "\xff\x7f"},
    {16384, "\x80\x80\x01"},
    {std::uint64_t{1} << 32, "\x80\x80\x80\x80\x10"},
    {std::uint64_t{1} << 63, "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01"},
    {std::numeric_limits<std::uint64_t>::max(), "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"},
};

std::string encode(std::uint64_t value) {
  std::string out;
  uvarint::append(out, value);
  return out;
}

void expect_rejected(std::string_view bytes, std::string_view reason) {
  std::string_view in = bytes;
  const Result<std::uint64_t> result = uvarint::read(in);
  ASSERT_FALSE(result.ok()) << reason << " decoded to " << *result;
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument) << reason;
}

TEST(UvarintAppend, EncodesKnownValues) {
  for (const VarintVector& v : kVarintVectors) EXPECT_EQ(encode(v.value), v.encoding) << v.value;
}

TEST(UvarintAppend, AppendsToExistingBytes) {
  std::string out = "prefix";
  uvarint::append(out, 300);
  uvarint::append(out, 1);
  EXPECT_EQ(out, "prefix\xac\x02\x01");
}

TEST(UvarintAppend, NeverExceedsMaxLength) {
  EXPECT_EQ(encode(std::numeric_limits<std::uint64_t>::max()).size(), uvarint::kMaxLength);
  for (int bit = 0; bit < 64; ++bit) {
    const std::uint64_t value = std::uint64_t{1} << bit;
    EXPECT_EQ(encode(value).size(), static_cast<std::size_t>(bit / 7 + 1)) << bit;
  }
}

TEST(UvarintRead, DecodesKnownValues) {
  for (const VarintVector& v : kVarintVectors) {
    std::string_view in = v.encoding;
    const Result<std::uint64_t> result = uvarint::read(in);
    ASSERT_TRUE(result.ok()) << v.value << ": " << result.error().message();
    EXPECT_EQ(*result, v.value);
    EXPECT_TRUE(in.empty()) << v.value;
  }
}

TEST(UvarintRead, AdvancesExactlyPastTheVarint) {
  const std::string bytes = "\xac\x02\x7f\x80\x01tail";
  std::string_view in = bytes;
  const Result<std::uint64_t> first = uvarint::read(in);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, 300u);
  EXPECT_EQ(in.data(), bytes.data() + 2);
  EXPECT_EQ(in.size(), bytes.size() - 2);

  const Result<std::uint64_t> second = uvarint::read(in);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, 127u);
  EXPECT_EQ(in.data(), bytes.data() + 3);

  const Result<std::uint64_t> third = uvarint::read(in);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(*third, 128u);
  EXPECT_EQ(in, "tail");
}

TEST(UvarintRead, RejectsEmptyInput) { expect_rejected("", "empty"); }

TEST(UvarintRead, RejectsTruncatedInput) {
  expect_rejected("\x80", "one continuation byte");
  expect_rejected("\xac", "first byte of 300");
  expect_rejected("\xff\xff\xff\xff\xff\xff\xff\xff\xff", "nine bytes of UINT64_MAX");
  // Every proper prefix of every multi-byte vector ends inside the varint.
  for (const VarintVector& v : kVarintVectors) {
    for (std::size_t length = 0; length < v.encoding.size(); ++length) {
      expect_rejected(v.encoding.substr(0, length), "prefix of " + std::to_string(v.value));
    }
  }
}

TEST(UvarintRead, RejectsOverlongEncodings) {
  expect_rejected("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", "eleven bytes of zero");
  expect_rejected("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", "eleven bytes");
  expect_rejected("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80", "twelve continuations");
}

TEST(UvarintRead, RejectsOverflowInTheTenthByte) {
  expect_rejected("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", "2^64");
  expect_rejected("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7f", "127 * 2^63");
  expect_rejected("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x81\x00", "tenth byte continues");
}

TEST(UvarintRead, RejectsNonMinimalEncodings) {
  expect_rejected(std::string_view("\x80\x00", 2), "zero in two bytes");
  expect_rejected(std::string_view("\x81\x00", 2), "one in two bytes");
  expect_rejected(std::string_view("\xac\x82\x00", 3), "300 in three bytes");
  expect_rejected(std::string_view("\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", 10),
                  "zero in ten bytes");
}

TEST(UvarintRead, LeavesInputAloneOnError) {
  const std::string_view bytes("\x80\x00rest", 6);
  std::string_view in = bytes;
  EXPECT_FALSE(uvarint::read(in).ok());
  EXPECT_EQ(in, bytes);
}

TEST(Uvarint, RoundTripsRandomValuesOfEveryBitLength) {
  std::mt19937_64 rng(0x7a7);
  for (int bits = 1; bits <= 64; ++bits) {
    for (int trial = 0; trial < 32; ++trial) {
      std::uint64_t value = rng();
      if (bits < 64) value &= (std::uint64_t{1} << bits) - 1;
      value |= std::uint64_t{1} << (bits - 1);
      std::string bytes = encode(value);
      bytes += "after";
      std::string_view in = bytes;
      const Result<std::uint64_t> result = uvarint::read(in);
      ASSERT_TRUE(result.ok()) << value;
      EXPECT_EQ(*result, value);
      EXPECT_EQ(in, "after") << value;
    }
  }
}

}  // namespace
}  // namespace l402
