// Helpers shared by the BOLT 11 reader and writer. Private to src/bolt11.
#pragma once

#include <secp256k1.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "l402/bolt11.hpp"

namespace l402::bolt11_internal {

using Words = std::vector<std::uint8_t>;

// One randomized context for signing, verifying and recovery, created on first use and then
// only read (libsecp256k1: calls with a const context are thread-safe).
const secp256k1_context* secp_context();

// Bytes as 5-bit words, big-endian bit stream, last word padded with zero bits.
Words bytes_to_words(std::string_view bytes);
// Whole bytes of a word sequence; leftover bits (fewer than 8) are dropped, as readers may.
std::string words_to_bytes(std::span<const std::uint8_t> words);
// A non-negative integer as the fewest big-endian words (none for zero).
Words int_to_words(std::uint64_t value);
// A big-endian word integer; nullopt when it does not fit in 64 bits.
std::optional<std::uint64_t> words_to_int(std::span<const std::uint8_t> words);

// "ln" + currency prefix + amount, as written by encode.
Result<std::string> make_hrp(Network network, std::optional<Msat> amount);

struct ParsedHrp {
  Network network;
  std::optional<Msat> amount;
};
Result<ParsedHrp> parse_hrp(std::string_view hrp);

// SHA-256 of the hrp's bytes followed by the data words (before the signature) packed into
// bytes, zero-padded to a byte boundary.
Hash256 signing_hash(std::string_view hrp, std::span<const std::uint8_t> data_words);

Error invalid(std::string what);

}  // namespace l402::bolt11_internal
