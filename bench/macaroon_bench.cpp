// Macaroon costs for an L402-sized token (66-byte identifier, location "lsat"), and the floor
// they are measured against: the SHA-256 compressions the signature chain cannot avoid.
//
// The 3-caveat token is the one of l402-protocol.md section 7.3; its final signature is checked
// before anything is timed. See docs/PERFORMANCE.md for the figures.

#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "l402/crypto.hpp"
#include "l402/encoding.hpp"
#include "l402/macaroon.hpp"
#include "l402/macaroon_format.hpp"
#include "sha256_floor.hpp"

namespace {

using l402::Macaroon;

std::string from_hex(std::string_view hex) { return l402::hex::decode(hex).value(); }

// Section 7.3.
const std::string kRootKey =
    from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
const std::string kIdentifier = from_hex(
    "000072dbb7336c76780023f83da4c355f2eeea85733b13d3477697917790c1229084fed74b3ef24820f440601eff"
    "5bfb42bef4d615c4948cec8aca3cb15bd23f1013");
constexpr std::string_view kLocation = "lsat";
const std::vector<std::string> kTokenCaveats = {"services=myservice:0",
                                                "myservice_capabilities=add,subtract",
                                                "myservice_valid_until=4102444800"};
constexpr std::string_view kTokenSignature =
    "5d75adca880a78146844ce92ce7d659e77a7751fb68558086d8c02c29f3b8d89";

// The first `count` caveats: the token's three, then more of the same shape and size.
std::vector<std::string> caveats(std::size_t count) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < count; ++i) {
    out.push_back(i < kTokenCaveats.size() ? kTokenCaveats[i]
                                           : "myservice_extra_" + std::to_string(i) + "=value" +
                                                 std::to_string(1000 + i));
  }
  return out;
}

Macaroon mint(std::size_t caveat_count) {
  Macaroon macaroon = Macaroon::mint(kRootKey, kIdentifier, kLocation).value();
  for (const std::string& caveat : caveats(caveat_count)) {
    macaroon.add_first_party_caveat(caveat).value();
  }
  return macaroon;
}

bool is_section_7_3_token(const Macaroon& macaroon) {
  return l402::hex::encode(l402::as_view(macaroon.signature())) == kTokenSignature;
}

// --- Floor -----------------------------------------------------------------------------------

using l402::bench::hmac_compressions;

// The chain of a macaroon with first-party caveats only: key derivation
// HMAC("macaroons-key-generator", root key), sig0 = HMAC(derived, identifier), one HMAC per
// caveat.
std::size_t chain_compressions(std::string_view root_key, std::string_view identifier,
                               const std::vector<std::string>& conditions) {
  std::size_t total = hmac_compressions(root_key.size()) + hmac_compressions(identifier.size());
  for (const std::string& condition : conditions) total += hmac_compressions(condition.size());
  return total;
}

// For section 7.3: 4 (derivation, 32-byte message) + 5 (sig0, 66-byte identifier needs two
// message blocks) + 4 + 4 + 4 (caveats of 20, 35 and 32 bytes) = 21.
constexpr std::size_t kTokenCompressions = 21;

void BM_Floor_Sha256Transform(benchmark::State& state) { l402::bench::sha256_floor(state); }
BENCHMARK(BM_Floor_Sha256Transform)->Arg(1)->Arg(kTokenCompressions);

// --- Verify ----------------------------------------------------------------------------------

// verify_macaroon with the root key and no checker: key derivation + the whole chain + the
// list of conditions it returns. Arg: number of caveats (3 = the section 7.3 token).
void BM_DeriveAndVerify(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  const Macaroon macaroon = mint(count);
  if (count == 3 && !is_section_7_3_token(macaroon)) {
    state.SkipWithError("the 3-caveat macaroon does not have the section 7.3 signature");
    return;
  }
  if (count == 3 && chain_compressions(kRootKey, kIdentifier, caveats(3)) != kTokenCompressions) {
    state.SkipWithError("compression count of the section 7.3 chain is not 21");
    return;
  }
  for (auto _ : state) {
    auto conditions = l402::verify_macaroon(macaroon, kRootKey, {}, nullptr);
    if (!conditions.ok()) {
      state.SkipWithError("verification failed");
      break;
    }
    benchmark::DoNotOptimize(conditions);
  }
  state.counters["compressions"] =
      static_cast<double>(chain_compressions(kRootKey, kIdentifier, caveats(count)));
}
BENCHMARK(BM_DeriveAndVerify)->Arg(0)->Arg(3)->Arg(10);

// Mint from the root key and add the caveats (what a server does per challenge).
void BM_MintAndAddCaveats(benchmark::State& state) {
  const std::vector<std::string> conditions = caveats(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    Macaroon macaroon = Macaroon::mint(kRootKey, kIdentifier, kLocation).value();
    for (const std::string& condition : conditions) {
      if (!macaroon.add_first_party_caveat(condition).ok()) state.SkipWithError("add failed");
    }
    benchmark::DoNotOptimize(macaroon);
  }
}
BENCHMARK(BM_MintAndAddCaveats)->Arg(0)->Arg(3)->Arg(10);

// --- Serialisation (the section 7.3 token, 207 bytes of V2 binary) ----------------------------

void BM_ToBinaryV2(benchmark::State& state) {
  const Macaroon macaroon = mint(3);
  for (auto _ : state) {
    std::string binary = l402::to_binary_v2(macaroon);
    benchmark::DoNotOptimize(binary);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(l402::to_binary_v2(macaroon).size()));
}
BENCHMARK(BM_ToBinaryV2);

void BM_ParseBinary(benchmark::State& state) {
  const std::string binary = l402::to_binary_v2(mint(3));
  for (auto _ : state) {
    auto macaroon = l402::parse_binary(binary);
    if (!macaroon.ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(macaroon);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(binary.size()));
}
BENCHMARK(BM_ParseBinary);

// The Authorization header form: standard base64 with padding (276 characters).
void BM_ParseText_StdBase64(benchmark::State& state) {
  const std::string text = l402::base64::encode_std(l402::to_binary_v2(mint(3)));
  for (auto _ : state) {
    auto stack = l402::parse_text(text);
    if (!stack.ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(stack);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_ParseText_StdBase64);

// --- HMAC: direct block function vs EVP_MAC --------------------------------------------------

const std::string kKey32(32, '\x0b');
const std::string kMessage32(32, '\x5a');

void BM_HmacSha256(benchmark::State& state) {
  for (auto _ : state) {
    l402::Hash256 mac = l402::hmac_sha256(kKey32, kMessage32);
    benchmark::DoNotOptimize(mac);
  }
  state.counters["compressions"] = static_cast<double>(hmac_compressions(kMessage32.size()));
}
BENCHMARK(BM_HmacSha256);

void BM_HmacSha256Evp(benchmark::State& state) {
  for (auto _ : state) {
    l402::Hash256 mac = l402::hmac_sha256_evp(kKey32, kMessage32);
    benchmark::DoNotOptimize(mac);
  }
  state.counters["compressions"] = static_cast<double>(hmac_compressions(kMessage32.size()));
}
BENCHMARK(BM_HmacSha256Evp);

void BM_DeriveMacaroonKey(benchmark::State& state) {
  for (auto _ : state) {
    l402::Hash256 key = l402::derive_macaroon_key(kRootKey);
    benchmark::DoNotOptimize(key);
  }
}
BENCHMARK(BM_DeriveMacaroonKey);

}  // namespace

BENCHMARK_MAIN();
