#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <random>
#include <string>
#include <string_view>

#include "l402/crypto.hpp"
#include "l402/encoding.hpp"

namespace l402 {
namespace {

std::string sha256_hex(std::string_view data) { return hex::encode(as_view(sha256(data))); }

// An independent reference: OpenSSL's EVP one-shot digest.
std::string evp_sha256_hex(std::string_view data) {
  Hash256 digest{};
  unsigned int length = 0;
  EXPECT_EQ(EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr), 1);
  EXPECT_EQ(length, digest.size());
  return hex::encode(as_view(digest));
}

// FIPS 180-2, Appendix B (SHA-256 examples).
TEST(Sha256, MatchesFips180EmptyMessage) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex(std::string_view()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, MatchesFips180OneBlockMessage) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, MatchesFips180TwoBlockMessage) {
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, Matches896BitMessage) {
  EXPECT_EQ(
      sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklm"
                 "nopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

TEST(Sha256, MatchesFips180OneMillionA) {
  EXPECT_EQ(sha256_hex(std::string(1'000'000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, HashesEmbeddedZeroBytes) {
  const std::string_view one_zero("\x00", 1);
  EXPECT_EQ(sha256_hex(one_zero),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  EXPECT_NE(sha256_hex(one_zero), sha256_hex(""));
}

TEST(Sha256, AgreesWithEvpAroundBlockBoundaries) {
  std::mt19937 rng(0x5a256);
  std::uniform_int_distribution<int> byte(0, 255);
  for (std::size_t length = 0; length <= 260; ++length) {
    std::string data;
    for (std::size_t i = 0; i < length; ++i) data += static_cast<char>(byte(rng));
    EXPECT_EQ(sha256_hex(data), evp_sha256_hex(data)) << length;
  }
}

TEST(AsView, ViewsTheDigestBytes) {
  const Hash256 digest = sha256("abc");
  const std::string_view view = as_view(digest);
  EXPECT_EQ(view.size(), 32u);
  EXPECT_EQ(static_cast<const void*>(view.data()), static_cast<const void*>(digest.data()));
}

}  // namespace
}  // namespace l402
