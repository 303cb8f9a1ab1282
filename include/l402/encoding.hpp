// Text and integer encodings used by the protocol: hex, base64, bech32, UTF-8 validation,
// protobuf-style uvarint.
//
// Byte strings travel as std::string / std::string_view (as in LevelDB's Slice). All
// functions are pure; decoders reject anything outside their grammar with kInvalidArgument and
// a message naming the offending position. Callers bound input sizes before decoding.
//
// Thread safety: stateless; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "l402/result.hpp"

namespace l402::hex {

// Lower-case hex of `bytes`.
std::string encode(std::string_view bytes);
// The same for fixed-size binary values held as bytes (hashes, public keys, key IDs).
inline std::string encode(std::span<const std::uint8_t> bytes) {
  return encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}
// Decodes hex digits of either case. Fails on an odd length or a non-hex character.
Result<std::string> decode(std::string_view text);

}  // namespace l402::hex

namespace l402::base64 {

// Standard alphabet (+/) with '=' padding: what L402 headers carry.
std::string encode_std(std::string_view bytes);
// URL-safe alphabet (-_) without padding: what macaroon JSON and libmacaroons emit.
std::string encode_url(std::string_view bytes);
// Accepts the standard or the URL-safe alphabet (not both in one string), padded or not.
// Rejects whitespace, wrong padding, an impossible length and non-zero trailing bits, so
// that every byte string has exactly one accepted text per alphabet and padding choice.
Result<std::string> decode(std::string_view text);

}  // namespace l402::base64

namespace l402::bech32 {

enum class Variant { kBech32, kBech32m };

struct Decoded {
  std::string hrp;                 // human-readable part, lower case
  std::vector<std::uint8_t> data;  // 5-bit groups, checksum removed
  Variant variant;
};

// Encodes `hrp` (lower case) and 5-bit groups, appending the checksum of `variant`.
// Requires: every element of data5 < 32; hrp non-empty printable ASCII.
std::string encode(std::string_view hrp, std::span<const std::uint8_t> data5, Variant variant);

// Decodes a bech32 or bech32m string of at most `max_length` characters. Unlike BIP 173
// there is no 90-character limit (BOLT 11 invoices are longer); the caller chooses the cap.
// The string must be all lower case or all upper case.
Result<Decoded> decode(std::string_view text, std::size_t max_length);

// Regroups bits: 8 -> 5 with pad = true for encoding, 5 -> 8 with pad = false for decoding.
// With pad = false, fails when leftover bits are 5 or more or are not zero.
Result<std::vector<std::uint8_t>> convert_bits(std::span<const std::uint8_t> in, int from_bits,
                                               int to_bits, bool pad);

}  // namespace l402::bech32

namespace l402::utf8 {

// Decodes the UTF-8 sequence that starts at text[pos] into *rune and returns its length, or
// returns 0 when it is invalid (truncated, overlong, a surrogate, or above U+10FFFF).
// Requires: pos < text.size().
std::size_t decode_one(std::string_view text, std::size_t pos, char32_t* rune);

// True when the whole of `text` is valid UTF-8 by the rules of decode_one.
bool is_valid(std::string_view text);

}  // namespace l402::utf8

namespace l402::uvarint {

// Largest encoding of a 64-bit value.
inline constexpr std::size_t kMaxLength = 10;

// Appends the protobuf-style varint encoding of `value` (7 bits a byte, low group first).
void append(std::string& out, std::uint64_t value);

// Reads a varint from the front of `in` and advances `in` past it. Fails when the input ends
// inside the varint, when the encoding is longer than 10 bytes or overflows 64 bits, or when
// it is not minimal (a redundant trailing zero group).
Result<std::uint64_t> read(std::string_view& in);

}  // namespace l402::uvarint
