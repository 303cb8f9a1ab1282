#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "l402/crypto.hpp"
#include "l402/encoding.hpp"
#include "test_bytes.hpp"

namespace l402 {
namespace {

using test::random_string;

struct Rfc4231Case {
  int number;
  std::string key;
  std::string data;
  std::string_view hmac_sha256;  // full 32 bytes, or the 16-byte prefix for case 5
};

std::string key_1_to_25() {
  std::string key;
  for (int i = 1; i <= 25; ++i) key += static_cast<char>(i);
  return key;
}

// RFC 4231 section 4, HMAC-SHA-256 outputs of test cases 1 to 7.
const std::vector<Rfc4231Case>& rfc4231_cases() {
  static const std::vector<Rfc4231Case> cases = {
      {1, std::string(20, '\x0b'), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {2, "Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {3, std::string(20, '\xaa'), std::string(50, '\xdd'),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {4, key_1_to_25(), std::string(50, '\xcd'),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      // The RFC truncates this one to 128 bits.
      {5, std::string(20, '\x0c'), "Test With Truncation", "a3b6167473100ee06e0c796c2955552b"},
      // Cases 6 and 7 use a 131-byte key, longer than the 64-byte block: it is hashed first.
      {6, std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {7, std::string(131, '\xaa'),
       "This is a test using a larger than block-size key and a larger than block-size data. The "
       "key needs to be hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  return cases;
}

std::string mac_hex(const Hash256& mac, std::size_t bytes) {
  return hex::encode(as_view(mac).substr(0, bytes));
}

TEST(HmacSha256, MatchesRfc4231TestCases) {
  for (const Rfc4231Case& c : rfc4231_cases()) {
    const std::size_t bytes = c.hmac_sha256.size() / 2;
    EXPECT_EQ(mac_hex(hmac_sha256(c.key, c.data), bytes), c.hmac_sha256) << "case " << c.number;
  }
}

TEST(HmacSha256Evp, MatchesRfc4231TestCases) {
  for (const Rfc4231Case& c : rfc4231_cases()) {
    const std::size_t bytes = c.hmac_sha256.size() / 2;
    EXPECT_EQ(mac_hex(hmac_sha256_evp(c.key, c.data), bytes), c.hmac_sha256) << "case " << c.number;
  }
}

TEST(HmacSha256, DerivesTheMacaroonKey) {
  // libmacaroons and go-macaroon derive the root signing key as
  // HMAC-SHA256(key = "macaroons-key-generator", message = root key).
  const std::string root_key(32, '\x01');
  EXPECT_EQ(hex::encode(as_view(hmac_sha256("macaroons-key-generator", root_key))),
            "fedd06a35dcece38f6d9e6695ba37f1a277921f5660bebf87d3ddbdb0a22feb1");
}

TEST(HmacSha256, AgreesWithEvpOnRandomInputs) {
  std::mt19937 rng(0x4d4143);
  // Key lengths straddle the 64-byte block, where the key switches from padded to hashed;
  // message lengths straddle SHA-256's padding boundaries (55/56 bytes mod 64).
  constexpr std::size_t kKeyLengths[] = {0,  1,  16,  31,  32,  33,  55,  56,  63,
                                         64, 65, 100, 127, 128, 129, 200, 1000};
  constexpr std::size_t kMessageLengths[] = {0, 1, 31, 32, 55, 56, 63, 64, 65, 119, 120, 128, 300};
  for (std::size_t key_length : kKeyLengths) {
    for (std::size_t message_length : kMessageLengths) {
      const std::string key = random_string(rng, key_length);
      const std::string message = random_string(rng, message_length);
      EXPECT_EQ(hmac_sha256(key, message), hmac_sha256_evp(key, message))
          << "key " << key_length << ", message " << message_length;
    }
  }
}

TEST(HmacSha256, AgreesWithEvpForEveryKeyLengthUpTo150) {
  std::mt19937 rng(0x6b6579);
  for (std::size_t key_length = 0; key_length <= 150; ++key_length) {
    const std::string key = random_string(rng, key_length);
    const std::string message = random_string(rng, key_length % 97);
    EXPECT_EQ(hmac_sha256(key, message), hmac_sha256_evp(key, message)) << key_length;
  }
}

TEST(HmacSha256, AcceptsNullEmptyKeyAndMessage) {
  // A default string_view has a null data pointer, unlike "" or an empty std::string.
  const Hash256 expected = hmac_sha256("", "");
  EXPECT_EQ(hex::encode(as_view(expected)),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  EXPECT_EQ(hmac_sha256(std::string_view(), std::string_view()), expected);
  EXPECT_EQ(hmac_sha256_evp(std::string_view(), std::string_view()), expected);
  EXPECT_EQ(hmac_sha256_evp("", ""), expected);
  EXPECT_EQ(hmac_sha256_evp(std::string_view(), "message"), hmac_sha256("", "message"));
  EXPECT_EQ(hmac_sha256_evp("key", std::string_view()), hmac_sha256("key", ""));
}

TEST(HmacSha256, DependsOnEveryKeyAndMessageByte) {
  const std::string key = "0123456789abcdef0123456789abcdef";
  const std::string message = "caveat time < 2030-01-01T00:00:00Z";
  const Hash256 reference = hmac_sha256(key, message);
  for (std::size_t i = 0; i < key.size(); ++i) {
    std::string changed = key;
    changed[i] = static_cast<char>(changed[i] ^ 0x01);
    EXPECT_NE(hmac_sha256(changed, message), reference) << "key byte " << i;
  }
  for (std::size_t i = 0; i < message.size(); ++i) {
    std::string changed = message;
    changed[i] = static_cast<char>(changed[i] ^ 0x80);
    EXPECT_NE(hmac_sha256(key, changed), reference) << "message byte " << i;
  }
  // RFC 2104 pads keys shorter than a block with zeros, so trailing zero bytes of a short key do
  // not change the MAC: a known HMAC property that callers avoid by fixing key lengths.
  EXPECT_EQ(hmac_sha256("k", message), hmac_sha256(std::string_view("k\0", 2), message));
}

TEST(HmacSha256Key, MatchesRfc4231TestCases) {
  for (const Rfc4231Case& c : rfc4231_cases()) {
    const std::size_t bytes = c.hmac_sha256.size() / 2;
    EXPECT_EQ(mac_hex(HmacSha256Key(c.key).mac(c.data), bytes), c.hmac_sha256)
        << "case " << c.number;
  }
}

TEST(HmacSha256Key, AgreesWithOneShotHmacForManyKeyAndMessageLengths) {
  std::mt19937 rng(0x707265);
  for (std::size_t key_length : {0U, 1U, 23U, 32U, 63U, 64U, 65U, 200U}) {
    const std::string key = random_string(rng, key_length);
    const HmacSha256Key precomputed(key);
    for (std::size_t message_length = 0; message_length <= 200; ++message_length) {
      const std::string message = random_string(rng, message_length);
      EXPECT_EQ(precomputed.mac(message), hmac_sha256(key, message))
          << "key " << key_length << ", message " << message_length;
    }
  }
}

TEST(HmacSha256Key, CopiesMacLikeTheOriginal) {
  const HmacSha256Key original("macaroons-key-generator");
  const HmacSha256Key copy = original;
  EXPECT_EQ(copy.mac("root"), original.mac("root"));
  EXPECT_EQ(copy.mac("root"), hmac_sha256("macaroons-key-generator", "root"));
}

TEST(ConstantTimeEqual, ComparesLengthAndBytes) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal(std::string_view(), ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "bbc"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
  EXPECT_FALSE(constant_time_equal("ab", "abc"));
  EXPECT_FALSE(constant_time_equal("", "a"));
  // Bytes after a zero still count.
  EXPECT_FALSE(constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
  EXPECT_TRUE(constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
}

TEST(ConstantTimeEqual, DetectsASingleBitFlipAnywhereInADigest) {
  const Hash256 digest = sha256("macaroon");
  const std::string original(as_view(digest));
  EXPECT_TRUE(constant_time_equal(original, as_view(digest)));
  for (std::size_t i = 0; i < original.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = original;
      flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
      EXPECT_FALSE(constant_time_equal(original, flipped)) << "byte " << i << " bit " << bit;
    }
  }
}

// The comparison goes eight bytes at a time, then byte by byte: every length around those
// steps, from every alignment, must still see each byte.
TEST(ConstantTimeEqual, SeesEveryByteWhateverTheLengthAndAlignment) {
  std::string buffer(64, '\0');
  for (std::size_t i = 0; i < buffer.size(); ++i) buffer[i] = static_cast<char>('a' + i % 26);
  std::string other = buffer;
  for (std::size_t offset = 0; offset < 8; ++offset) {
    for (std::size_t length = 0; length + offset <= 48; ++length) {
      const std::string_view a(buffer.data() + offset, length);
      EXPECT_TRUE(constant_time_equal(a, std::string_view(other.data() + offset, length)));
      for (std::size_t i = 0; i < length; ++i) {
        other[offset + i] ^= 0x40;
        EXPECT_FALSE(constant_time_equal(a, std::string_view(other.data() + offset, length)))
            << "offset " << offset << " length " << length << " byte " << i;
        other[offset + i] ^= 0x40;
      }
    }
  }
}

}  // namespace
}  // namespace l402
