#include <array>
#include <cstdint>

#include "l402/encoding.hpp"

namespace l402::base64 {
namespace {

constexpr char kStdAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

enum class Alphabet : std::uint8_t { kBoth, kStdOnly, kUrlOnly };

struct Symbol {
  std::int8_t value = -1;  // -1: not a base64 character
  Alphabet alphabet = Alphabet::kBoth;
};

constexpr std::array<Symbol, 256> make_table() {
  std::array<Symbol, 256> table{};
  for (int i = 0; i < 64; ++i) {
    table[static_cast<unsigned char>(kStdAlphabet[i])] = {static_cast<std::int8_t>(i),
                                                          Alphabet::kBoth};
  }
  table['+'].alphabet = Alphabet::kStdOnly;
  table['/'].alphabet = Alphabet::kStdOnly;
  table['-'] = {62, Alphabet::kUrlOnly};
  table['_'] = {63, Alphabet::kUrlOnly};
  return table;
}

constexpr std::array<Symbol, 256> kTable = make_table();

std::string encode_with(std::string_view bytes, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto byte = [&](std::size_t k) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k]));
  };
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t v = byte(i) << 16;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    const std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    if (pad) out += '=';
  }
  return out;
}

Error invalid(std::string_view what) {
  return Error(ErrorCode::kInvalidArgument, "base64: " + std::string(what));
}

}  // namespace

std::string encode_std(std::string_view bytes) { return encode_with(bytes, kStdAlphabet, true); }

std::string encode_url(std::string_view bytes) { return encode_with(bytes, kUrlAlphabet, false); }

Result<std::string> decode(std::string_view text) {
  std::size_t padding = 0;
  while (padding < text.size() && padding < 3 && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  const std::string_view body = text.substr(0, text.size() - padding);
  if (padding > 0 && text.size() % 4 != 0) return invalid("padding does not complete a group of 4");
  if (padding > 2) return invalid("too much padding");
  if (body.size() % 4 == 1) return invalid("impossible length " + std::to_string(text.size()));
  if (padding > 0 && (body.size() + padding) % 4 != 0) return invalid("wrong padding");

  std::string out;
  out.reserve(body.size() * 3 / 4);
  Alphabet seen = Alphabet::kBoth;
  std::uint32_t accumulator = 0;
  int bits = 0;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const Symbol symbol = kTable[static_cast<unsigned char>(body[i])];
    if (symbol.value < 0) {
      return invalid("invalid character at offset " + std::to_string(i));
    }
    if (symbol.alphabet != Alphabet::kBoth) {
      if (seen != Alphabet::kBoth && seen != symbol.alphabet) {
        return invalid("standard and URL-safe alphabets mixed at offset " + std::to_string(i));
      }
      seen = symbol.alphabet;
    }
    accumulator = (accumulator << 6) | static_cast<std::uint32_t>(symbol.value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((accumulator >> bits) & 0xff);
    }
  }
  if ((accumulator & ((1u << bits) - 1)) != 0) return invalid("non-zero trailing bits");
  return out;
}

}  // namespace l402::base64
