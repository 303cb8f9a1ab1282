#include <array>
#include <cstdint>

#include "l402/encoding.hpp"

namespace l402::base64 {
namespace {

constexpr char kStdAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

enum class Alphabet : std::uint8_t { kBoth = 0, kStdOnly = 1, kUrlOnly = 2 };

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

// kShifted[k][c]: the 6 bits of character c placed where the k-th character of a group puts
// them in the 24-bit group value, with bit 31 set for a character outside both alphabets and
// bits 24-25 saying which alphabet a character belongs to only (see Alphabet). One group then
// costs four loads and three ORs.
constexpr std::uint32_t kInvalidBit = 1u << 31;
constexpr int kAlphabetShift = 24;

constexpr std::array<std::array<std::uint32_t, 256>, 4> make_shifted_tables() {
  std::array<std::array<std::uint32_t, 256>, 4> tables{};
  for (int k = 0; k < 4; ++k) {
    for (int c = 0; c < 256; ++c) {
      const Symbol symbol = kTable[static_cast<std::size_t>(c)];
      tables[static_cast<std::size_t>(k)][static_cast<std::size_t>(c)] =
          symbol.value < 0 ? kInvalidBit
                           : static_cast<std::uint32_t>(symbol.value) << (18 - 6 * k) |
                                 static_cast<std::uint32_t>(symbol.alphabet) << kAlphabetShift;
    }
  }
  return tables;
}

constexpr auto kShifted = make_shifted_tables();

std::string encode_with(std::string_view bytes, const char* alphabet, bool pad) {
  const std::size_t whole = bytes.size() / 3;
  const std::size_t rest = bytes.size() - whole * 3;
  const std::size_t tail = rest == 0 ? 0 : (pad ? 4 : rest + 1);
  // Sized once and written through a pointer: appending a character at a time checks the
  // capacity for each one, and credentials are hundreds of characters.
  std::string out(whole * 4 + tail, '\0');
  char* to = out.data();
  const auto* from = reinterpret_cast<const unsigned char*>(bytes.data());
  for (std::size_t g = 0; g < whole; ++g, from += 3, to += 4) {
    const std::uint32_t v =
        (std::uint32_t{from[0]} << 16) | (std::uint32_t{from[1]} << 8) | from[2];
    to[0] = alphabet[(v >> 18) & 63];
    to[1] = alphabet[(v >> 12) & 63];
    to[2] = alphabet[(v >> 6) & 63];
    to[3] = alphabet[v & 63];
  }
  if (rest > 0) {
    const std::uint32_t v =
        (std::uint32_t{from[0]} << 16) | (rest == 2 ? std::uint32_t{from[1]} << 8 : 0);
    to[0] = alphabet[(v >> 18) & 63];
    to[1] = alphabet[(v >> 12) & 63];
    if (rest == 2) to[2] = alphabet[(v >> 6) & 63];
    if (pad) {
      if (rest == 1) to[2] = '=';
      to[3] = '=';
    }
  }
  return out;
}

Error invalid(std::string_view what) {
  return Error(ErrorCode::kInvalidArgument, "base64: " + std::string(what));
}

// Bits of Symbol::alphabet; both set means the two alphabets were mixed.
constexpr unsigned kMixedAlphabets =
    static_cast<unsigned>(Alphabet::kStdOnly) | static_cast<unsigned>(Alphabet::kUrlOnly);

// The first invalid character or alphabet mix in `body`, for the error message.
Error describe_problem(std::string_view body) {
  Alphabet seen = Alphabet::kBoth;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const Symbol symbol = kTable[static_cast<unsigned char>(body[i])];
    if (symbol.value < 0) return invalid("invalid character at offset " + std::to_string(i));
    if (symbol.alphabet == Alphabet::kBoth) continue;
    if (seen != Alphabet::kBoth && seen != symbol.alphabet) {
      return invalid("standard and URL-safe alphabets mixed at offset " + std::to_string(i));
    }
    seen = symbol.alphabet;
  }
  return invalid("invalid input");  // unreachable: decode() found a problem
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

  // Credentials are decoded on every request, so whole groups of four go through a
  // branch-light loop; any problem is located by the slow scan in describe_problem().
  std::string out(body.size() * 3 / 4, '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  auto symbol = [&body](std::size_t i) { return kTable[static_cast<unsigned char>(body[i])]; };
  std::uint32_t flags_seen = 0;  // kInvalidBit and alphabet bits of every whole group
  std::size_t i = 0;
  for (; i + 4 <= body.size(); i += 4, dst += 3) {
    const auto at = [&body, i](std::size_t k) { return static_cast<unsigned char>(body[i + k]); };
    const std::uint32_t v =
        kShifted[0][at(0)] | kShifted[1][at(1)] | kShifted[2][at(2)] | kShifted[3][at(3)];
    flags_seen |= v;
    dst[0] = static_cast<unsigned char>(v >> 16);
    dst[1] = static_cast<unsigned char>(v >> 8);
    dst[2] = static_cast<unsigned char>(v);
  }
  int invalid_seen = (flags_seen & kInvalidBit) != 0 ? -1 : 0;
  unsigned alphabets_seen = (flags_seen >> kAlphabetShift) & kMixedAlphabets;
  std::uint32_t tail = 0;
  const std::size_t rest = body.size() - i;
  for (std::size_t k = 0; k < rest; ++k) {
    const Symbol x = symbol(i + k);
    invalid_seen |= x.value;
    alphabets_seen |= static_cast<unsigned>(x.alphabet);
    tail = tail << 6 | static_cast<std::uint32_t>(x.value & 63);
  }
  if (invalid_seen < 0 || alphabets_seen == kMixedAlphabets) return describe_problem(body);
  if (rest == 2) {
    if ((tail & 0xf) != 0) return invalid("non-zero trailing bits");
    dst[0] = static_cast<unsigned char>(tail >> 4);
  } else if (rest == 3) {
    if ((tail & 0x3) != 0) return invalid("non-zero trailing bits");
    dst[0] = static_cast<unsigned char>(tail >> 10);
    dst[1] = static_cast<unsigned char>(tail >> 2);
  }
  return out;
}

}  // namespace l402::base64
