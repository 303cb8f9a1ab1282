// Encodings on the request path: base64 of the 207-byte section 7.3 token (Authorization
// header), hex of the same bytes (gRPC metadata), bech32 decoding of invoice-sized strings.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "l402/encoding.hpp"

namespace {

// V2 binary of the section 7.3 token, 207 bytes.
const std::string kToken =
    l402::hex::decode(
        "0201046c7361740242000072dbb7336c76780023f83da4c355f2eeea85733b13d3477697917790c1229084fe"
        "d74b3ef24820f440601eff5bfb42bef4d615c4948cec8aca3cb15bd23f101300021473657276696365733d6d"
        "79736572766963653a300002236d79736572766963655f6361706162696c69746965733d6164642c73756274"
        "726163740002206d79736572766963655f76616c69645f756e74696c3d34313032343434383030000006205d"
        "75adca880a78146844ce92ce7d659e77a7751fb68558086d8c02c29f3b8d89")
        .value();

// The invoice of section 7.1 (332 characters).
constexpr std::string_view kInvoice =
    "lntb20n1psza5dwpp58kda9d0m7zcp8z2683k2spa6at08mcte88jlv8ukde5uqjpt07gsdzjfp85gnpqd9h8vmmfvdj"
    "jqurp09kk2mn5ypn8ymmdyppksctfdecx76twwssyxmmjv5sxcmny8gcnqvps8ycqzpgsp5m7xru8dlhrhmwjp8gyns"
    "j2l9mwan2jk52ah5xucrn9kc3p0pj5ns9qy9qsq7jjxypyyc7hvvs8srh6c3lvcp5l5wka94htnfxak99hd5qrx69sy"
    "a9sj4zm3w5lncw0tksf944q73tduhlhs5apd63m9dte9dhva5dgqaceunx";

// A valid 400-character bech32 string with an invoice-like prefix: "lnbc" + '1' + 389 data
// characters + 6 checksum characters.
std::string bech32_of_length(std::size_t length) {
  const std::string hrp = "lnbc";
  std::vector<std::uint8_t> data5(length - hrp.size() - 1 - 6);
  for (std::size_t i = 0; i < data5.size(); ++i) {
    data5[i] = static_cast<std::uint8_t>((i * 7 + 3) % 32);
  }
  return l402::bech32::encode(hrp, data5, l402::bech32::Variant::kBech32);
}

void set_bytes(benchmark::State& state, std::size_t bytes) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(bytes));
}

void BM_Base64EncodeStd(benchmark::State& state) {
  for (auto _ : state) {
    std::string text = l402::base64::encode_std(kToken);
    benchmark::DoNotOptimize(text);
  }
  set_bytes(state, kToken.size());
}
BENCHMARK(BM_Base64EncodeStd);

void BM_Base64Decode(benchmark::State& state) {
  const std::string text = l402::base64::encode_std(kToken);
  for (auto _ : state) {
    auto bytes = l402::base64::decode(text);
    if (!bytes.ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(bytes);
  }
  set_bytes(state, text.size());
}
BENCHMARK(BM_Base64Decode);

void BM_HexEncode(benchmark::State& state) {
  for (auto _ : state) {
    std::string text = l402::hex::encode(kToken);
    benchmark::DoNotOptimize(text);
  }
  set_bytes(state, kToken.size());
}
BENCHMARK(BM_HexEncode);

void BM_HexDecode(benchmark::State& state) {
  const std::string text = l402::hex::encode(kToken);
  for (auto _ : state) {
    auto bytes = l402::hex::decode(text);
    if (!bytes.ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(bytes);
  }
  set_bytes(state, text.size());
}
BENCHMARK(BM_HexDecode);

void bech32_decode(benchmark::State& state, const std::string& text) {
  for (auto _ : state) {
    auto decoded = l402::bech32::decode(text, 2048);
    if (!decoded.ok()) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(decoded);
  }
  set_bytes(state, text.size());
}

void BM_Bech32Decode_400(benchmark::State& state) { bech32_decode(state, bech32_of_length(400)); }
BENCHMARK(BM_Bech32Decode_400);

void BM_Bech32Decode_Invoice332(benchmark::State& state) {
  bech32_decode(state, std::string(kInvoice));
}
BENCHMARK(BM_Bech32Decode_Invoice332);

// What a BOLT 11 decoder does next: regroup the 5-bit data into bytes.
void BM_Bech32ConvertBits_5to8(benchmark::State& state) {
  const auto decoded = l402::bech32::decode(bech32_of_length(400), 2048).value();
  for (auto _ : state) {
    auto bytes = l402::bech32::convert_bits(decoded.data, 5, 8, true);
    benchmark::DoNotOptimize(bytes);
  }
  set_bytes(state, decoded.data.size());
}
BENCHMARK(BM_Bech32ConvertBits_5to8);

}  // namespace

BENCHMARK_MAIN();
