// The Authority's hot paths: verifying a credential from the raw Authorization value to a
// Grant (warm keyring, the three caveats a gateway mints), and minting a challenge once the
// invoice exists. Measured against the SHA-256 compressions the same work cannot avoid.
// See docs/PERFORMANCE.md.

#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "l402/authority.hpp"
#include "l402/crypto.hpp"
#include "l402/keyring.hpp"
#include "l402/token_header.hpp"
#include "sha256_floor.hpp"

namespace {

using l402::Authority;

constexpr std::uint64_t kNow = 1'800'000'000;
constexpr std::string_view kService = "myservice";

// Minting is measured with mint_for_invoice; nothing here asks for an invoice.
class NoInvoices final : public l402::InvoiceSource {
 public:
  l402::Result<l402::IssuedInvoice> create_invoice(const l402::InvoiceRequest&) override {
    return l402::Error(l402::ErrorCode::kUnavailable, "benchmark: no invoices");
  }
};

l402::Offer offer() {
  l402::ServiceOffer service;
  service.name = std::string(kService);
  service.capabilities = std::vector<std::string>{"add", "subtract"};
  service.valid_for_seconds = 2'000'000'000;  // valid_until has ten digits, as in section 7.3
  l402::Offer out;
  out.services.push_back(service);
  return out;
}

// One Authority with a warm keyring, and a paid credential for it.
struct Fixture {
  l402::InMemoryKeyring keyring;
  l402::InMemoryRevocationList revocations;
  NoInvoices invoices;
  Authority authority{keyring, revocations, invoices, l402::system_random()};
  std::string preimage = std::string(32, '\x2a');
  l402::IssuedInvoice invoice;
  std::string authorization;

  Fixture() {
    (void)keyring.rotate(l402::system_random()).value();
    invoice.bolt11 = "lnbcrt1bench";  // mint_for_invoice only copies it
    invoice.payment_hash = l402::sha256(preimage);
    const l402::MintedChallenge challenge =
        authority.mint_for_invoice(offer(), invoice, kNow).value();
    l402::Credential credential{challenge.macaroon, {}, {}, l402::CredentialForm::kAuthorization};
    std::copy(preimage.begin(), preimage.end(), credential.preimage.begin());
    authorization = l402::format_authorization(credential);
  }
};

Fixture& fixture() {
  static Fixture instance;
  return instance;
}

const l402::Target kTarget{kService, "add", {}};

// --- Floor -----------------------------------------------------------------------------------

using l402::bench::hmac_compressions;
using l402::bench::hmac_compressions_precomputed;

// root key: HMAC(master, 46-byte label || token ID), pads precomputed           2
// macaroon key: HMAC("macaroons-key-generator", root key), pads precomputed      2
// sig0 over the 66-byte identifier                                               5
// services=myservice:0 (20 B), myservice_capabilities=add,subtract (35 B),
// myservice_valid_until=<10 digits> (32 B)                                    3 x 4
// sha256(preimage), 32 bytes                                                     1
constexpr std::size_t kVerifyCompressions =
    hmac_compressions_precomputed(46) + hmac_compressions_precomputed(32) + hmac_compressions(66) +
    hmac_compressions(20) + hmac_compressions(35) + hmac_compressions(32) + 1;
static_assert(kVerifyCompressions == 22);

void BM_Floor_Sha256Transform(benchmark::State& state) { l402::bench::sha256_floor(state); }
BENCHMARK(BM_Floor_Sha256Transform)->Arg(kVerifyCompressions);

// --- Verify ----------------------------------------------------------------------------------

// From the raw header value to a Grant: parse, base64, macaroon, identifier, key lookup,
// preimage hash, chain, revocation, caveats.
void BM_VerifyAuthorization(benchmark::State& state) {
  Fixture& f = fixture();
  const l402::HeaderField fields[] = {{"Authorization", f.authorization}};
  {
    const l402::Verdict verdict = f.authority.verify_request(fields, kTarget, kNow);
    if (!verdict.granted()) {
      state.SkipWithError(verdict.denial().reason.c_str());
      return;
    }
    if (verdict.grant().caveats.size() != 3) {
      state.SkipWithError("the token should carry three caveats");
      return;
    }
  }
  for (auto _ : state) {
    l402::Verdict verdict = f.authority.verify_request(fields, kTarget, kNow);
    benchmark::DoNotOptimize(verdict);
  }
  state.counters["compressions"] = static_cast<double>(kVerifyCompressions);
  state.counters["header_bytes"] = static_cast<double>(f.authorization.size());
}
BENCHMARK(BM_VerifyAuthorization);

// The parsing part alone.
void BM_ParseAuthorization(benchmark::State& state) {
  Fixture& f = fixture();
  const l402::HeaderField fields[] = {{"Authorization", f.authorization}};
  for (auto _ : state) {
    auto credential = l402::parse_credential(fields);
    if (!credential.ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(credential);
  }
}
BENCHMARK(BM_ParseAuthorization);

// The checks alone, on a parsed credential.
void BM_VerifyParsedCredential(benchmark::State& state) {
  Fixture& f = fixture();
  const l402::HeaderField fields[] = {{"Authorization", f.authorization}};
  const l402::Credential credential = l402::parse_credential(fields).value();
  for (auto _ : state) {
    l402::Verdict verdict = f.authority.verify(credential, kTarget, kNow);
    if (!verdict.granted()) state.SkipWithError("denied");
    benchmark::DoNotOptimize(verdict);
  }
}
BENCHMARK(BM_VerifyParsedCredential);

// --- Mint ------------------------------------------------------------------------------------

// A challenge for an invoice that exists already: token ID (system CSPRNG), root key,
// macaroon with three caveats, V2 binary. Arg 1 also formats the two WWW-Authenticate lines.
void BM_MintForInvoice(benchmark::State& state) {
  Fixture& f = fixture();
  const l402::Offer the_offer = offer();
  const bool with_headers = state.range(0) == 1;
  for (auto _ : state) {
    auto challenge = f.authority.mint_for_invoice(the_offer, f.invoice, kNow);
    if (!challenge.ok()) state.SkipWithError("mint failed");
    if (with_headers) {
      auto lines = challenge->header_values();
      benchmark::DoNotOptimize(lines);
    }
    benchmark::DoNotOptimize(challenge);
  }
}
BENCHMARK(BM_MintForInvoice)->Arg(0)->Arg(1);

// The CSPRNG draw inside minting, for reference.
void BM_SystemRandom28Bytes(benchmark::State& state) {
  std::array<std::uint8_t, 28> bytes{};
  for (auto _ : state) {
    if (!l402::system_random().fill(bytes).ok()) state.SkipWithError("random failed");
    benchmark::DoNotOptimize(bytes);
  }
}
BENCHMARK(BM_SystemRandom28Bytes);

}  // namespace

BENCHMARK_MAIN();
