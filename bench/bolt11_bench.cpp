// BOLT 11 costs for the spec's "1 cup coffee" invoice (2500u, expiry 60; lightning-backends.md
// section 1.10, vector coffee_2500u_expiry60), and the floor they are measured against: bare
// libsecp256k1 public-key recovery and recoverable signing of one 32-byte hash, which decode
// and encode cannot avoid.
//
// The decoded payee and the re-encoded string are checked against the vector before anything
// is timed. See docs/PERFORMANCE.md for the figures.
#include <benchmark/benchmark.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "l402/bolt11.hpp"
#include "l402/crypto.hpp"
#include "l402/encoding.hpp"
#include "l402/secret.hpp"

namespace {

// Vector coffee_2500u_expiry60: payee 03e7156a... from recovery (no `n` field), recid 1.
constexpr std::string_view kInvoice =
    "lnbc2500u1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfq"
    "qqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdq5xysxxatsyp3k7enxv4jsxqzpu9qrsgquk0rl77nj30yxdy8j9vdx"
    "85fkpmdla2087ne0xh8nhedh8w27kyke0lp53ut353s06fv3qfegext0eh0ymjpf39tuven09sam30g4vgpfna3rh";
constexpr std::string_view kPrivateKey =
    "e126f68f7eafcc8b74f54d269fe206be715000f94dac067d1c04a8ca3b2db734";
constexpr std::string_view kPayee =
    "03e7156ae33b0a208d0744199163177e909e80176e55d97a2f221ede0f934dd9ad";
constexpr std::string_view kSigningHash =
    "047e24bf270b25d42a56d57b2578faa3a10684641bab817c2851a871cb41dbc0";
constexpr std::string_view kSignature =
    "e59e3ffbd3945e4334879158d31e89b076dff54f3fa7979ae79df2db9dcaf5896cbfe1a478b8d2307e92c88139464c"
    "b7e6ef26e414c4abe33337961ddc5e8ab1";
constexpr int kRecoveryId = 1;

std::string from_hex(std::string_view hex) { return l402::hex::decode(hex).value(); }

template <std::size_t N>
std::string hex_of(const std::array<std::uint8_t, N>& bytes) {
  return l402::hex::encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), N));
}

const std::uint8_t* bytes_of(const std::string& s) {
  return reinterpret_cast<const std::uint8_t*>(s.data());
}

// A context of our own, as the brief for the floor says: sign and verify flags (0.2 treats
// them as "none"; every context can do both).
struct Context {
  secp256k1_context* ctx =
      secp256k1_context_create(SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY);
  Context() = default;
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  ~Context() { secp256k1_context_destroy(ctx); }
};

// --- Floor -----------------------------------------------------------------------------------

// secp256k1_ecdsa_recover of the vector's own signature over its own signing hash: the
// elliptic-curve work decode_invoice must do for an invoice without `n`.
void BM_Floor_Secp256k1Recover(benchmark::State& state) {
  const Context context;
  const std::string hash = from_hex(kSigningHash);
  const std::string compact = from_hex(kSignature);
  secp256k1_ecdsa_recoverable_signature signature;
  if (secp256k1_ecdsa_recoverable_signature_parse_compact(context.ctx, &signature,
                                                          bytes_of(compact), kRecoveryId) != 1) {
    state.SkipWithError("signature does not parse");
    return;
  }
  secp256k1_pubkey pubkey;
  for (auto _ : state) {
    const int ok = secp256k1_ecdsa_recover(context.ctx, &pubkey, &signature, bytes_of(hash));
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(pubkey);
  }
  std::array<std::uint8_t, 33> serialized{};
  std::size_t size = serialized.size();
  secp256k1_ec_pubkey_serialize(context.ctx, serialized.data(), &size, &pubkey,
                                SECP256K1_EC_COMPRESSED);
  if (hex_of(serialized) != kPayee) state.SkipWithError("recovered the wrong key");
}
BENCHMARK(BM_Floor_Secp256k1Recover);

// secp256k1_ecdsa_sign_recoverable (RFC 6979 nonce) of the same hash with the vector's key:
// the elliptic-curve work encode_invoice must do.
void BM_Floor_Secp256k1SignRecoverable(benchmark::State& state) {
  const Context context;
  const std::string hash = from_hex(kSigningHash);
  const std::string key = from_hex(kPrivateKey);
  secp256k1_ecdsa_recoverable_signature signature;
  for (auto _ : state) {
    const int ok = secp256k1_ecdsa_sign_recoverable(context.ctx, &signature, bytes_of(hash),
                                                    bytes_of(key), nullptr, nullptr);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(signature);
  }
  std::array<std::uint8_t, 64> compact{};
  int recid = -1;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(context.ctx, compact.data(), &recid,
                                                          &signature);
  if (hex_of(compact) != kSignature || recid != kRecoveryId) {
    state.SkipWithError("signature differs from the vector's");
  }
}
BENCHMARK(BM_Floor_Secp256k1SignRecoverable);

// --- BOLT 11 ---------------------------------------------------------------------------------

// decode_invoice: bech32, hrp and amount, tagged fields, SHA-256 of the preimage, recovery.
void BM_Bolt11DecodeRecover(benchmark::State& state) {
  auto check = l402::decode_invoice(kInvoice);
  if (!check.ok() || hex_of(check->payee) != kPayee ||
      hex_of(check->signing_hash) != kSigningHash) {
    state.SkipWithError("the coffee vector does not decode to its payee");
    return;
  }
  for (auto _ : state) {
    auto invoice = l402::decode_invoice(kInvoice);
    if (!invoice.ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(invoice);
  }
}
BENCHMARK(BM_Bolt11DecodeRecover);

// The non-elliptic-curve parts of a decode, for the breakdown in docs/PERFORMANCE.md: the
// bech32 layer alone (checksum, character map) and SHA-256 of a signing preimage of the same
// size as the vector's: the 9-byte hrp and 151 data words (755 bits) packed into 95 bytes.
void BM_Bolt11Part_Bech32Decode(benchmark::State& state) {
  for (auto _ : state) {
    auto decoded = l402::bech32::decode(kInvoice, l402::Bolt11Limits{}.max_length);
    if (!decoded.ok()) state.SkipWithError("bech32 decode failed");
    benchmark::DoNotOptimize(decoded);
  }
}
BENCHMARK(BM_Bolt11Part_Bech32Decode);

void BM_Bolt11Part_SigningHash(benchmark::State& state) {
  const std::string preimage(9 + 95, 'x');
  for (auto _ : state) {
    auto hash = l402::sha256(preimage);
    benchmark::DoNotOptimize(hash);
  }
}
BENCHMARK(BM_Bolt11Part_SigningHash);

// encode_invoice of the same fields with the same key: reproduces the vector.
void BM_Bolt11EncodeSign(benchmark::State& state) {
  const l402::UnsignedInvoice fields = l402::decode_invoice(kInvoice).value().unsigned_invoice();
  const l402::SecretBytes key(from_hex(kPrivateKey));
  auto check = l402::encode_invoice(fields, key);
  if (!check.ok() || *check != kInvoice) {
    state.SkipWithError("encode does not reproduce the coffee vector");
    return;
  }
  for (auto _ : state) {
    auto text = l402::encode_invoice(fields, key);
    if (!text.ok()) state.SkipWithError("encode failed");
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_Bolt11EncodeSign);

}  // namespace

BENCHMARK_MAIN();
