#include <openssl/rand.h>

#include <climits>

#include "l402/crypto.hpp"

namespace l402 {

Result<void> SystemRandom::fill(std::span<std::uint8_t> out) {
  while (!out.empty()) {
    const std::size_t chunk = std::min<std::size_t>(out.size(), INT_MAX);
    if (RAND_bytes(out.data(), static_cast<int>(chunk)) != 1) {
      return Error(ErrorCode::kUnavailable, "random: the system CSPRNG failed");
    }
    out = out.subspan(chunk);
  }
  return ok_result();
}

RandomSource& system_random() {
  static SystemRandom source;
  return source;
}

}  // namespace l402
