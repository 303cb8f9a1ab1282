#include "l402/encoding.hpp"

namespace l402::utf8 {

std::size_t decode_one(std::string_view text, std::size_t pos, char32_t* rune) {
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[i]); };
  const std::uint8_t lead = byte(pos);
  std::size_t length;
  char32_t value;
  char32_t minimum;
  if (lead < 0x80) {
    *rune = lead;
    return 1;
  }
  if ((lead & 0xe0) == 0xc0) {
    length = 2, value = lead & 0x1fu, minimum = 0x80;
  } else if ((lead & 0xf0) == 0xe0) {
    length = 3, value = lead & 0x0fu, minimum = 0x800;
  } else if ((lead & 0xf8) == 0xf0) {
    length = 4, value = lead & 0x07u, minimum = 0x10000;
  } else {
    return 0;
  }
  if (pos + length > text.size()) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(pos + i) & 0xc0) != 0x80) return 0;
    value = (value << 6) | (byte(pos + i) & 0x3fu);
  }
  if (value < minimum || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return 0;
  *rune = value;
  return length;
}

bool is_valid(std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) {
    char32_t rune;
    const std::size_t length = decode_one(text, pos, &rune);
    if (length == 0) return false;
    pos += length;
  }
  return true;
}

}  // namespace l402::utf8
