// SHA-256 and HMAC-SHA256 on OpenSSL's low-level SHA256_* functions. They are deprecated in
// OpenSSL 3 in favour of EVP, but EVP costs a provider fetch and a context allocation per call;
// for the many short messages of a macaroon chain that overhead is larger than the hashing.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iterator>

#include "l402/crypto.hpp"
#include "l402/secret.hpp"

namespace l402 {
namespace {

constexpr std::size_t kBlockSize = 64;

void update(SHA256_CTX& ctx, std::string_view data) {
  SHA256_Update(&ctx, data.data(), data.size());
}

}  // namespace

Hash256 sha256(std::string_view data) {
  Hash256 digest;
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  update(ctx, data);
  SHA256_Final(digest.data(), &ctx);
  return digest;
}

Hash256 hmac_sha256(std::string_view key, std::string_view message) {
  std::array<std::uint8_t, kBlockSize> block{};
  Hash256 hashed_key{};
  if (key.size() > kBlockSize) {
    hashed_key = sha256(key);
    key = as_view(hashed_key);
  }
  // memcpy from a null pointer is undefined even for zero bytes; a default string_view has one.
  if (!key.empty()) std::memcpy(block.data(), key.data(), key.size());

  SHA256_CTX ctx;
  for (auto& byte : block) byte ^= 0x36;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, block.data(), block.size());
  update(ctx, message);
  Hash256 inner;
  SHA256_Final(inner.data(), &ctx);

  for (auto& byte : block) byte ^= 0x36 ^ 0x5c;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, block.data(), block.size());
  SHA256_Update(&ctx, inner.data(), inner.size());
  Hash256 mac;
  SHA256_Final(mac.data(), &ctx);

  secure_wipe(block.data(), block.size());
  secure_wipe(hashed_key.data(), hashed_key.size());
  secure_wipe(inner.data(), inner.size());
  secure_wipe(&ctx, sizeof(ctx));
  return mac;
}

namespace {

// The chaining value after hashing one 64-byte block.
std::array<std::uint32_t, 8> state_after_block(const std::array<std::uint8_t, kBlockSize>& block) {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, block.data(), block.size());
  std::array<std::uint32_t, 8> state;
  std::copy(std::begin(ctx.h), std::end(ctx.h), state.begin());
  secure_wipe(&ctx, sizeof(ctx));
  return state;
}

// A context positioned just after one block whose chaining value is `state`.
void resume(SHA256_CTX& ctx, const std::array<std::uint32_t, 8>& state) {
  SHA256_Init(&ctx);
  std::copy(state.begin(), state.end(), std::begin(ctx.h));
  ctx.Nl = kBlockSize * 8;  // bits hashed so far
}

}  // namespace

HmacSha256Key::HmacSha256Key(std::string_view key) {
  std::array<std::uint8_t, kBlockSize> block{};
  Hash256 hashed_key{};
  if (key.size() > kBlockSize) {
    hashed_key = sha256(key);
    key = as_view(hashed_key);
  }
  if (!key.empty()) std::memcpy(block.data(), key.data(), key.size());
  for (auto& byte : block) byte ^= 0x36;
  inner_ = state_after_block(block);
  for (auto& byte : block) byte ^= 0x36 ^ 0x5c;
  outer_ = state_after_block(block);
  secure_wipe(block.data(), block.size());
  secure_wipe(hashed_key.data(), hashed_key.size());
}

HmacSha256Key::~HmacSha256Key() {
  secure_wipe(inner_.data(), sizeof(inner_));
  secure_wipe(outer_.data(), sizeof(outer_));
}

Hash256 HmacSha256Key::mac(std::string_view message) const {
  SHA256_CTX ctx;
  resume(ctx, inner_);
  update(ctx, message);
  Hash256 inner;
  SHA256_Final(inner.data(), &ctx);
  resume(ctx, outer_);
  SHA256_Update(&ctx, inner.data(), inner.size());
  Hash256 mac;
  SHA256_Final(mac.data(), &ctx);
  secure_wipe(inner.data(), inner.size());
  secure_wipe(&ctx, sizeof(ctx));
  return mac;
}

Hash256 hmac_sha256_evp(std::string_view key, std::string_view message) {
  Hash256 mac{};
  EVP_MAC* algorithm = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = algorithm != nullptr ? EVP_MAC_CTX_new(algorithm) : nullptr;
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  // EVP_MAC_init takes a null key to mean "keep the key already set", and a new context has none,
  // so an empty key whose data() is null (a default string_view) would make it fail.
  static constexpr unsigned char kEmptyKey[1] = {0};
  const auto* key_bytes =
      key.empty() ? kEmptyKey : reinterpret_cast<const unsigned char*>(key.data());
  std::size_t written = 0;
  const bool ok = ctx != nullptr && EVP_MAC_init(ctx, key_bytes, key.size(), params) == 1 &&
                  EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(message.data()),
                                 message.size()) == 1 &&
                  EVP_MAC_final(ctx, mac.data(), &written, mac.size()) == 1 &&
                  written == mac.size();
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(algorithm);
  // A failure here means OpenSSL itself is unusable (no default provider): a broken
  // installation, not bad input.
  if (!ok) std::abort();
  return mac;
}

// Eight bytes per step (CRYPTO_memcmp takes one): the gateway compares a whole Authorization
// value, hundreds of bytes, on every paid request. The empty asm statement hides the running
// difference from the optimiser, so that it cannot stop the loop at the first difference.
bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  std::uint64_t difference = 0;
  std::size_t i = 0;
  for (; i + 8 <= a.size(); i += 8) {
    std::uint64_t x;
    std::uint64_t y;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    difference |= x ^ y;
    __asm__("" : "+r"(difference));
  }
  for (; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ b[i]);
    __asm__("" : "+r"(difference));
  }
  return difference == 0;
}

}  // namespace l402
