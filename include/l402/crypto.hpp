// Hashes, MACs, constant-time comparison, randomness and NaCl secretbox.
//
// SHA-256 and HMAC-SHA256 run on OpenSSL's SHA-256 block function directly: the EVP API costs
// a provider lookup and context allocation per call, which dominates a macaroon chain of
// short messages (see docs/PERFORMANCE.md). hmac_sha256_evp() is the EVP path, kept so tests
// and benchmarks can compare the two. Secretbox is libsodium's XSalsa20-Poly1305.
//
// Thread safety: all functions are safe from any thread. A RandomSource is used by one
// thread at a time unless its implementation says otherwise (SystemRandom: any thread).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "l402/result.hpp"

namespace l402 {

using Hash256 = std::array<std::uint8_t, 32>;

// The bytes of a digest as a string_view (for passing to byte-string APIs).
inline std::string_view as_view(const Hash256& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

Hash256 sha256(std::string_view data);

// HMAC-SHA256 (RFC 2104) with a key of any length.
Hash256 hmac_sha256(std::string_view key, std::string_view message);

// An HMAC-SHA256 key with its padded-key blocks hashed once, for a key that MACs many messages
// (a master key, the macaroon key generator): each mac() then costs two SHA-256 compressions
// fewer than hmac_sha256(). Holds key-derived state, so it is wiped on destruction.
class HmacSha256Key {
 public:
  explicit HmacSha256Key(std::string_view key);
  ~HmacSha256Key();
  HmacSha256Key(const HmacSha256Key& other) = default;
  HmacSha256Key& operator=(const HmacSha256Key& other) = default;

  // HMAC-SHA256(key, message), equal to hmac_sha256(key, message).
  Hash256 mac(std::string_view message) const;

 private:
  // SHA-256 chaining values after the ipad and opad blocks.
  std::array<std::uint32_t, 8> inner_{};
  std::array<std::uint32_t, 8> outer_{};
};

// The same MAC through OpenSSL's EVP_MAC interface. Slower; for comparison only.
Hash256 hmac_sha256_evp(std::string_view key, std::string_view message);

// True when a and b have the same length and bytes. Takes time that depends on the length
// only, never on where the bytes differ.
bool constant_time_equal(std::string_view a, std::string_view b);

// Where randomness comes from; injected into the core so tests can be deterministic.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Fills `out` with random bytes. Fails only when the source is exhausted or broken.
  virtual Result<void> fill(std::span<std::uint8_t> out) = 0;
};

// The operating system's CSPRNG through OpenSSL (RAND_bytes). Safe from any thread.
class SystemRandom final : public RandomSource {
 public:
  Result<void> fill(std::span<std::uint8_t> out) override;
};

// Process-wide SystemRandom, for the edges (apps, gateway) to hand to the core.
RandomSource& system_random();

namespace secretbox {

inline constexpr std::size_t kKeySize = 32;
inline constexpr std::size_t kNonceSize = 24;
inline constexpr std::size_t kMacSize = 16;

// XSalsa20-Poly1305 in NaCl's "easy" layout: 16-byte tag followed by the ciphertext.
// Requires: key.size() == kKeySize, nonce.size() == kNonceSize.
std::string seal(std::string_view key, std::string_view nonce, std::string_view plaintext);

// Inverse of seal(). Fails with kUnauthenticated when the tag does not verify and with
// kInvalidArgument when the box is shorter than the tag or key/nonce sizes are wrong.
Result<std::string> open(std::string_view key, std::string_view nonce, std::string_view box);

}  // namespace secretbox

}  // namespace l402
