#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>

#include "l402/crypto.hpp"
#include "l402/encoding.hpp"
#include "test_bytes.hpp"

namespace l402 {
namespace {

using test::random_string;

constexpr std::string_view kKey = "0123456789abcdef0123456789abcdef";
constexpr std::string_view kNonce = "nonce:0123456789abcdef!!";
static_assert(kKey.size() == secretbox::kKeySize);
static_assert(kNonce.size() == secretbox::kNonceSize);

std::string from_hex(std::string_view text) {
  Result<std::string> bytes = hex::decode(text);
  EXPECT_TRUE(bytes.ok()) << text;
  return bytes.ok() ? std::move(bytes).value() : std::string();
}

void expect_error(const Result<std::string>& result, ErrorCode code) {
  ASSERT_FALSE(result.ok()) << "opened to " << result->size() << " bytes";
  EXPECT_EQ(result.error().code(), code) << result.error().message();
}

TEST(Secretbox, SealsToTagPlusCiphertext) {
  const std::string box = secretbox::seal(kKey, kNonce, "attack at dawn");
  EXPECT_EQ(box.size(), secretbox::kMacSize + 14);
  EXPECT_EQ(box.find("attack at dawn"), std::string::npos);
  EXPECT_EQ(secretbox::seal(kKey, kNonce, "").size(), secretbox::kMacSize);
}

TEST(Secretbox, RoundTripsPlaintextsOfManyLengths) {
  std::mt19937 rng(0x5b0c);
  for (std::size_t length = 0; length <= 300; length += (length < 70 ? 1 : 23)) {
    const std::string key = random_string(rng, secretbox::kKeySize);
    const std::string nonce = random_string(rng, secretbox::kNonceSize);
    const std::string plaintext = random_string(rng, length);
    const std::string box = secretbox::seal(key, nonce, plaintext);
    ASSERT_EQ(box.size(), length + secretbox::kMacSize);
    const Result<std::string> opened = secretbox::open(key, nonce, box);
    ASSERT_TRUE(opened.ok()) << length << ": " << opened.error().message();
    EXPECT_EQ(*opened, plaintext) << length;
  }
}

TEST(Secretbox, SealIsDeterministicForAKeyAndNonce) {
  EXPECT_EQ(secretbox::seal(kKey, kNonce, "same"), secretbox::seal(kKey, kNonce, "same"));
  std::string other_nonce(kNonce);
  other_nonce.back() = '?';
  EXPECT_NE(secretbox::seal(kKey, kNonce, "same"), secretbox::seal(kKey, other_nonce, "same"));
}

// Third-party caveats seal the derived caveat key under the macaroon's current signature
// (libmacaroons, go-macaroon). Their nonce is random; a zero nonce makes the box a known answer.
TEST(Secretbox, MatchesKnownAnswer) {
  const std::string key =
      from_hex("1434e674ad84fdfdc9bc1aa00785325c8b6d57341fc7ce200ba4680c80786dda");
  const std::string nonce(secretbox::kNonceSize, '\0');
  const Hash256 plaintext =
      hmac_sha256("macaroons-key-generator", "4; guaranteed random by a fair toss of the dice");
  const std::string box = secretbox::seal(key, nonce, as_view(plaintext));
  EXPECT_EQ(
      hex::encode(box),
      "d36ec502e05886d1f0279f055fa52554d16d16c1b14074bbb83ff0fdd79dc2fe098f0ed4a2b091130e6b5db4"
      "6a20a86b");
  const Result<std::string> opened = secretbox::open(key, nonce, box);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, as_view(plaintext));
}

TEST(SecretboxOpen, RejectsEveryTamperedByte) {
  const std::string box = secretbox::seal(kKey, kNonce, "a caveat key of some length");
  for (std::size_t i = 0; i < box.size(); ++i) {
    std::string tampered = box;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    // Bytes below kMacSize are the tag, the rest the ciphertext: both must be authenticated.
    expect_error(secretbox::open(kKey, kNonce, tampered), ErrorCode::kUnauthenticated);
  }
}

TEST(SecretboxOpen, RejectsTheWrongKeyOrNonce) {
  const std::string box = secretbox::seal(kKey, kNonce, "payload");
  std::string other_key(kKey);
  other_key[0] = 'X';
  expect_error(secretbox::open(other_key, kNonce, box), ErrorCode::kUnauthenticated);
  std::string other_nonce(kNonce);
  other_nonce[23] = '\0';
  expect_error(secretbox::open(kKey, other_nonce, box), ErrorCode::kUnauthenticated);
}

TEST(SecretboxOpen, RejectsTruncatedAndExtendedBoxes) {
  const std::string box = secretbox::seal(kKey, kNonce, "payload");
  for (std::size_t length = secretbox::kMacSize; length < box.size(); ++length) {
    expect_error(secretbox::open(kKey, kNonce, box.substr(0, length)), ErrorCode::kUnauthenticated);
  }
  expect_error(secretbox::open(kKey, kNonce, box + '\0'), ErrorCode::kUnauthenticated);
}

TEST(SecretboxOpen, OpensAnEmptyPlaintext) {
  const std::string box = secretbox::seal(kKey, kNonce, "");
  const Result<std::string> opened = secretbox::open(kKey, kNonce, box);
  ASSERT_TRUE(opened.ok());
  EXPECT_TRUE(opened->empty());
}

TEST(SecretboxOpen, RejectsABoxShorterThanTheTag) {
  const std::string box = secretbox::seal(kKey, kNonce, "payload");
  for (std::size_t length = 0; length < secretbox::kMacSize; ++length) {
    expect_error(secretbox::open(kKey, kNonce, box.substr(0, length)), ErrorCode::kInvalidArgument);
  }
}

TEST(SecretboxOpen, RejectsAWrongKeySize) {
  const std::string box = secretbox::seal(kKey, kNonce, "payload");
  for (std::size_t size :
       {std::size_t{0}, std::size_t{16}, std::size_t{31}, std::size_t{33}, std::size_t{64}}) {
    const std::string key = std::string(kKey) + std::string(kKey);
    expect_error(secretbox::open(key.substr(0, size), kNonce, box), ErrorCode::kInvalidArgument);
  }
}

TEST(SecretboxOpen, RejectsAWrongNonceSize) {
  const std::string box = secretbox::seal(kKey, kNonce, "payload");
  for (std::size_t size :
       {std::size_t{0}, std::size_t{8}, std::size_t{12}, std::size_t{23}, std::size_t{25}}) {
    const std::string nonce = std::string(kNonce) + std::string(kNonce);
    expect_error(secretbox::open(kKey, nonce.substr(0, size), box), ErrorCode::kInvalidArgument);
  }
}

TEST(SecretboxDeathTest, SealAbortsOnAWrongKeyOrNonceSize) {
  EXPECT_DEATH((void)secretbox::seal(kKey.substr(1), kNonce, "x"), "");
  EXPECT_DEATH((void)secretbox::seal(kKey, kNonce.substr(1), "x"), "");
}

}  // namespace
}  // namespace l402
