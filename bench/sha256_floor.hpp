// The floor the hashing benchmarks are measured against: SHA-256 compressions, one call of
// OpenSSL's SHA256_Transform each (the SHA-NI code path where the CPU has it), and how many
// of them an HMAC-SHA256 needs.
#pragma once

// SHA256_Transform exists only in OpenSSL's deprecated low-level API, which is the point: it
// is the floor under any HMAC implementation.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <benchmark/benchmark.h>
#include <openssl/sha.h>

#include <array>
#include <cstddef>

namespace l402::bench {

// Compressions of HMAC-SHA256 of an n-byte message when the key's pad blocks are already
// hashed: ceil((n + 9) / 64) blocks of message and padding (0x80 byte, 8-byte length), and one
// block for the 32-byte inner hash in the outer hash.
constexpr std::size_t hmac_compressions_precomputed(std::size_t message_size) {
  return (message_size + 9 + 63) / 64 + 1;
}

// The same with a key of at most 64 bytes hashed from scratch: the key ^ ipad and key ^ opad
// blocks too.
constexpr std::size_t hmac_compressions(std::size_t message_size) {
  return 2 + hmac_compressions_precomputed(message_size);
}

// Times state.range(0) compressions of one 64-byte block.
inline void sha256_floor(benchmark::State& state) {
  const auto calls = static_cast<std::size_t>(state.range(0));
  std::array<unsigned char, 64> block{};
  for (std::size_t i = 0; i < block.size(); ++i) block[i] = static_cast<unsigned char>(i);
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  for (auto _ : state) {
    for (std::size_t i = 0; i < calls; ++i) SHA256_Transform(&ctx, block.data());
    benchmark::DoNotOptimize(ctx.h);
    benchmark::ClobberMemory();
  }
  state.counters["compressions"] = static_cast<double>(calls);
  state.counters["ns_per_compression"] =
      benchmark::Counter(static_cast<double>(calls), benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
}

}  // namespace l402::bench
