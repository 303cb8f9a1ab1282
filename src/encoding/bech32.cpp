// BIP 173 / BIP 350 bech32 and bech32m, without BIP 173's 90-character limit (BOLT 11:
// "the 90-character limit is ignored"; invoices are routinely longer).
#include <array>
#include <cstdint>

#include "l402/encoding.hpp"

namespace l402::bech32 {
namespace {

constexpr char kCharset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr std::uint32_t kBech32Constant = 1;
constexpr std::uint32_t kBech32mConstant = 0x2bc830a3;
constexpr std::size_t kChecksumLength = 6;

constexpr std::array<std::int8_t, 128> make_reverse_charset() {
  std::array<std::int8_t, 128> table{};
  for (auto& entry : table) entry = -1;
  for (int i = 0; i < 32; ++i)
    table[static_cast<unsigned char>(kCharset[i])] = static_cast<std::int8_t>(i);
  return table;
}

constexpr std::array<std::int8_t, 128> kReverseCharset = make_reverse_charset();

std::uint32_t polymod_step(std::uint32_t chk, std::uint8_t value) {
  const std::uint32_t top = chk >> 25;
  chk = ((chk & 0x1ffffff) << 5) ^ value;
  if (top & 1) chk ^= 0x3b6a57b2;
  if (top & 2) chk ^= 0x26508e6d;
  if (top & 4) chk ^= 0x1ea119fa;
  if (top & 8) chk ^= 0x3d4233dd;
  if (top & 16) chk ^= 0x2a1462b3;
  return chk;
}

std::uint32_t hrp_polymod(std::string_view hrp) {
  std::uint32_t chk = 1;
  for (char c : hrp)
    chk = polymod_step(chk, static_cast<std::uint8_t>(static_cast<unsigned char>(c) >> 5));
  chk = polymod_step(chk, 0);
  for (char c : hrp)
    chk = polymod_step(chk, static_cast<std::uint8_t>(static_cast<unsigned char>(c) & 31));
  return chk;
}

std::uint32_t constant_of(Variant variant) {
  return variant == Variant::kBech32 ? kBech32Constant : kBech32mConstant;
}

Error invalid(std::string_view what) {
  return Error(ErrorCode::kInvalidArgument, "bech32: " + std::string(what));
}

char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::string encode(std::string_view hrp, std::span<const std::uint8_t> data5, Variant variant) {
  std::uint32_t chk = hrp_polymod(hrp);
  std::string out(hrp);
  out.reserve(hrp.size() + 1 + data5.size() + kChecksumLength);
  out += '1';
  for (std::uint8_t value : data5) {
    chk = polymod_step(chk, value);
    out += kCharset[value & 31];
  }
  for (std::size_t i = 0; i < kChecksumLength; ++i) chk = polymod_step(chk, 0);
  chk ^= constant_of(variant);
  for (std::size_t i = 0; i < kChecksumLength; ++i) {
    out += kCharset[(chk >> (5 * (kChecksumLength - 1 - i))) & 31];
  }
  return out;
}

Result<Decoded> decode(std::string_view text, std::size_t max_length) {
  if (text.size() > max_length) {
    return Error(ErrorCode::kLimitExceeded, "bech32: string of " + std::to_string(text.size()) +
                                                " characters exceeds the limit of " +
                                                std::to_string(max_length));
  }
  bool has_lower = false;
  bool has_upper = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 33 || c > 126) return invalid("invalid character at offset " + std::to_string(i));
    has_lower |= (c >= 'a' && c <= 'z');
    has_upper |= (c >= 'A' && c <= 'Z');
  }
  if (has_lower && has_upper) return invalid("mixed upper and lower case");
  const std::size_t separator = text.rfind('1');
  if (separator == std::string_view::npos) return invalid("no separator '1'");
  if (separator == 0) return invalid("empty human-readable part");
  if (text.size() - separator - 1 < kChecksumLength) return invalid("checksum too short");

  Decoded decoded;
  decoded.hrp.reserve(separator);
  for (std::size_t i = 0; i < separator; ++i) decoded.hrp += to_lower(text[i]);
  std::uint32_t chk = hrp_polymod(decoded.hrp);
  decoded.data.reserve(text.size() - separator - 1);
  for (std::size_t i = separator + 1; i < text.size(); ++i) {
    const std::int8_t value = kReverseCharset[static_cast<unsigned char>(to_lower(text[i]))];
    if (value < 0) return invalid("invalid data character at offset " + std::to_string(i));
    chk = polymod_step(chk, static_cast<std::uint8_t>(value));
    decoded.data.push_back(static_cast<std::uint8_t>(value));
  }
  if (chk == kBech32Constant) {
    decoded.variant = Variant::kBech32;
  } else if (chk == kBech32mConstant) {
    decoded.variant = Variant::kBech32m;
  } else {
    return invalid("checksum mismatch");
  }
  decoded.data.resize(decoded.data.size() - kChecksumLength);
  return decoded;
}

Result<std::vector<std::uint8_t>> convert_bits(std::span<const std::uint8_t> in, int from_bits,
                                               int to_bits, bool pad) {
  std::vector<std::uint8_t> out;
  out.reserve(
      (in.size() * static_cast<std::size_t>(from_bits) + static_cast<std::size_t>(to_bits) - 1) /
      static_cast<std::size_t>(to_bits));
  std::uint32_t accumulator = 0;
  int bits = 0;
  const std::uint32_t max_value = (1u << to_bits) - 1;
  for (std::uint8_t value : in) {
    if ((value >> from_bits) != 0) return invalid("value out of range for the group size");
    accumulator = (accumulator << from_bits) | value;
    bits += from_bits;
    while (bits >= to_bits) {
      bits -= to_bits;
      out.push_back(static_cast<std::uint8_t>((accumulator >> bits) & max_value));
    }
    accumulator &= (1u << bits) - 1;
  }
  if (pad) {
    if (bits > 0)
      out.push_back(static_cast<std::uint8_t>((accumulator << (to_bits - bits)) & max_value));
  } else if (bits >= from_bits) {
    return invalid("excess padding bits");
  } else if (accumulator != 0) {
    return invalid("non-zero padding bits");
  }
  return out;
}

}  // namespace l402::bech32
