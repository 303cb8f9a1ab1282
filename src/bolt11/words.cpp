#include <openssl/rand.h>

#include <array>
#include <cstdlib>

#include "internal.hpp"
#include "l402/encoding.hpp"

namespace l402::bolt11_internal {

const secp256k1_context* secp_context() {
  static const secp256k1_context* const context = [] {
    secp256k1_context* created =
        secp256k1_context_create(SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY);
    // Randomizing blinds the signing operations against side channels; a context that cannot
    // be created or randomized means a broken installation, not bad input.
    std::array<unsigned char, 32> seed;
    if (created == nullptr || RAND_bytes(seed.data(), static_cast<int>(seed.size())) != 1 ||
        secp256k1_context_randomize(created, seed.data()) != 1) {
      std::abort();
    }
    return created;
  }();
  return context;
}

Words bytes_to_words(std::string_view bytes) {
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  auto words = bech32::convert_bits({data, bytes.size()}, 8, 5, /*pad=*/true);
  return std::move(words).value();  // 8 -> 5 with padding cannot fail
}

std::string words_to_bytes(std::span<const std::uint8_t> words) {
  std::string out;
  out.reserve(words.size() * 5 / 8);
  std::uint32_t accumulator = 0;
  int bits = 0;
  for (std::uint8_t word : words) {
    accumulator = (accumulator << 5) | (word & 31u);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((accumulator >> bits) & 0xff);
    }
    accumulator &= (1u << bits) - 1;
  }
  return out;
}

Words int_to_words(std::uint64_t value) {
  Words words;
  while (value != 0) {
    words.insert(words.begin(), static_cast<std::uint8_t>(value & 31));
    value >>= 5;
  }
  return words;
}

std::optional<std::uint64_t> words_to_int(std::span<const std::uint8_t> words) {
  std::uint64_t value = 0;
  for (std::uint8_t word : words) {
    if (value > (UINT64_MAX >> 5)) return std::nullopt;
    value = (value << 5) | word;
  }
  return value;
}

Hash256 signing_hash(std::string_view hrp, std::span<const std::uint8_t> data_words) {
  auto packed = bech32::convert_bits(data_words, 5, 8, /*pad=*/true);
  std::string message(hrp);
  for (std::uint8_t byte : packed.value()) message += static_cast<char>(byte);
  return sha256(message);
}

Error invalid(std::string what) {
  return Error(ErrorCode::kInvalidArgument, "bolt11: " + std::move(what));
}

}  // namespace l402::bolt11_internal
