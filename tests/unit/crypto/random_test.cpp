#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "l402/crypto.hpp"

namespace l402 {
namespace {

TEST(SystemRandom, FillsTheWholeBuffer) {
  // 64 random bytes are all zero with probability 2^-512: an all-zero window was not filled.
  SystemRandom random;
  std::vector<std::uint8_t> buffer(1024, 0);
  ASSERT_TRUE(random.fill(buffer).ok());
  for (std::size_t start = 0; start < buffer.size(); start += 64) {
    bool any_non_zero = false;
    for (std::size_t i = start; i < start + 64; ++i) any_non_zero |= buffer[i] != 0;
    EXPECT_TRUE(any_non_zero) << "bytes " << start << ".." << start + 63 << " left untouched";
  }
}

TEST(SystemRandom, TouchesOnlyTheGivenSpan) {
  SystemRandom random;
  std::array<std::uint8_t, 48> buffer{};
  ASSERT_TRUE(random.fill(std::span(buffer).subspan(16, 16)).ok());
  for (std::size_t i = 0; i < 16; ++i) EXPECT_EQ(buffer[i], 0u) << i;
  for (std::size_t i = 32; i < 48; ++i) EXPECT_EQ(buffer[i], 0u) << i;
  bool any_non_zero = false;
  for (std::size_t i = 16; i < 32; ++i) any_non_zero |= buffer[i] != 0;
  EXPECT_TRUE(any_non_zero);
}

TEST(SystemRandom, TwoFillsDiffer) {
  SystemRandom random;
  std::array<std::uint8_t, 32> first{};
  std::array<std::uint8_t, 32> second{};
  ASSERT_TRUE(random.fill(first).ok());
  ASSERT_TRUE(random.fill(second).ok());
  EXPECT_NE(first, second);
}

TEST(SystemRandom, ZeroLengthFillSucceeds) {
  SystemRandom random;
  EXPECT_TRUE(random.fill(std::span<std::uint8_t>()).ok());
  std::array<std::uint8_t, 4> buffer = {1, 2, 3, 4};
  EXPECT_TRUE(random.fill(std::span(buffer).first(0)).ok());
  EXPECT_EQ(buffer, (std::array<std::uint8_t, 4>{1, 2, 3, 4}));
}

TEST(SystemRandom, FillsALargeBuffer) {
  SystemRandom random;
  std::vector<std::uint8_t> buffer(1 << 20, 0);
  ASSERT_TRUE(random.fill(buffer).ok());
  // Roughly 1/256 of the bytes are zero; an unfilled tail would push the count far higher.
  std::size_t zeros = 0;
  for (std::uint8_t byte : buffer) zeros += byte == 0;
  EXPECT_LT(zeros, buffer.size() / 128);
}

TEST(SystemRandom, ProcessWideSourceIsOneSystemRandom) {
  RandomSource& source = system_random();
  EXPECT_EQ(&source, &system_random());
  EXPECT_NE(dynamic_cast<SystemRandom*>(&source), nullptr);
  std::array<std::uint8_t, 32> first{};
  std::array<std::uint8_t, 32> second{};
  ASSERT_TRUE(source.fill(first).ok());
  ASSERT_TRUE(source.fill(second).ok());
  EXPECT_NE(first, second);
}

}  // namespace
}  // namespace l402
