#include "l402/encoding.hpp"

namespace l402::uvarint {

void append(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}

Result<std::uint64_t> read(std::string_view& in) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < kMaxLength; ++i) {
    if (i >= in.size()) return Error(ErrorCode::kInvalidArgument, "uvarint: truncated");
    const auto byte = static_cast<std::uint8_t>(in[i]);
    const auto group = static_cast<std::uint64_t>(byte & 0x7f);
    if (i == kMaxLength - 1 && group > 1) {
      return Error(ErrorCode::kInvalidArgument, "uvarint: overflows 64 bits");
    }
    value |= group << (7 * i);
    if ((byte & 0x80) == 0) {
      if (byte == 0 && i > 0) return Error(ErrorCode::kInvalidArgument, "uvarint: not minimal");
      in.remove_prefix(i + 1);
      return value;
    }
  }
  return Error(ErrorCode::kInvalidArgument, "uvarint: longer than 10 bytes");
}

}  // namespace l402::uvarint
