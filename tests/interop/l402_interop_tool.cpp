// Test-only driver for the L402 token interop tests (see README.md in this folder).
//
//   l402_interop_tool generate --count N --seed S --out FILE
//       Mints N challenges with l402::Authority (an InMemoryKeyring with two master keys, the
//       older one verify-only; TestInvoiceSource's real signed BOLT 11 invoices; random
//       offers) and writes one JSON-lines record per challenge: the WWW-Authenticate values,
//       macaroon, invoice, preimage, derived root key, caveats, the Authorization value we
//       would send, a request target and the Grant it must give.
//   l402_interop_tool verify --in FILE --tokens TOKENS
//       Reads the credentials an oracle built from those challenges (JSON lines {name,
//       authorization: [Authorization values], pending_authorization: value or null,
//       macaroon_hex: the gRPC form or null}) and checks that Authority::verify_request grants
//       each exactly what the record says (the Authorization values together, the macaroon
//       under Macaroon and under Grpc-Metadata-Macaroon), and denies the pending value (no
//       preimage), a value with one preimage bit flipped and a request for a service the
//       token does not name.
//
// Byte strings in records are lower-case hex. Exit status: 0 when everything agrees, 1 when
// anything disagrees (the first 20 are printed), 2 on bad usage or an unreadable file.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "l402/amount.hpp"
#include "l402/authority.hpp"
#include "l402/bolt11.hpp"
#include "l402/crypto.hpp"
#include "l402/encoding.hpp"
#include "l402/keyring.hpp"
#include "l402/macaroon_format.hpp"
#include "l402/secret.hpp"
#include "l402/token.hpp"
#include "l402/token_header.hpp"
#include "test_bytes.hpp"
#include "test_invoice_source.hpp"

namespace {

using Json = nlohmann::json;
using l402::test::from_hex;
using l402::test::to_hex;

std::string hex_of(const l402::Hash256& bytes) { return to_hex(l402::as_view(bytes)); }

std::string describe_error(const l402::Error& e) {
  return std::string(l402::error_code_name(e.code())) + ": " + e.message();
}

// A deterministic RandomSource, so that a seed reproduces every token and invoice.
class SeededRandom final : public l402::RandomSource {
 public:
  explicit SeededRandom(std::uint64_t seed) : engine_(seed) {}
  l402::Result<void> fill(std::span<std::uint8_t> out) override {
    for (std::uint8_t& byte : out) byte = static_cast<std::uint8_t>(engine_() >> 56);
    return l402::ok_result();
  }
  std::uint64_t next(std::uint64_t bound) { return engine_() % bound; }
  bool one_in(std::uint64_t n) { return next(n) == 0; }

 private:
  std::mt19937_64 engine_;
};

// ---------------------------------------------------------------- generate

// Service names as deployments write them: plain words, and the `<service><path>` names of
// Aperture's dynamic pricing (l402-protocol.md 4.2). Never ',', ':', '=' (the services
// grammar), '<' or '>' (lsat-js splits a caveat at the first of '<', '>', '='), or spaces
// (lsat-js trims them).
std::string random_name(SeededRandom& random, std::string_view alphabet, std::size_t max_len) {
  constexpr std::string_view kFirst = "abcdefghijklmnopqrstuvwxyz";
  std::string name(1, kFirst[random.next(kFirst.size())]);
  const std::size_t length = random.next(max_len);
  for (std::size_t i = 0; i < length; ++i) name += alphabet[random.next(alphabet.size())];
  return name;
}

std::string random_service_name(SeededRandom& random) {
  if (random.one_in(5)) {
    return random_name(random, "abcdefghijklmnopqrstuvwxyz0123456789", 8) + "/pkg." +
           random_name(random, "abcdefghijklmnopqrstuvwxyz", 6) + "Service/" +
           random_name(random, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", 10);
  }
  return random_name(random, "abcdefghijklmnopqrstuvwxyz0123456789-_.", 14);
}

l402::Offer random_offer(SeededRandom& random) {
  l402::Offer offer;
  const std::size_t count = 1 + random.next(3);
  while (offer.services.size() < count) {
    l402::ServiceOffer service;
    service.name = random_service_name(random);
    if (std::any_of(offer.services.begin(), offer.services.end(),
                    [&](const l402::ServiceOffer& s) { return s.name == service.name; })) {
      continue;
    }
    service.tier = static_cast<std::uint8_t>(random.one_in(2) ? 0 : random.next(256));
    if (!random.one_in(3)) {
      std::vector<std::string> capabilities;
      const std::size_t n = random.next(5);  // 0: "<name>_capabilities=" grants none
      while (capabilities.size() < n) {
        std::string capability = random_name(random, "abcdefghijklmnopqrstuvwxyz_", 10);
        if (std::find(capabilities.begin(), capabilities.end(), capability) == capabilities.end()) {
          capabilities.push_back(std::move(capability));
        }
      }
      service.capabilities = std::move(capabilities);
    }
    if (random.one_in(3)) {
      service.constraints.emplace_back(service.name + "_max_requests",
                                       std::to_string(1 + random.next(100000)));
    }
    if (random.one_in(4)) {
      service.constraints.emplace_back(service.name + "_monthly_volume_sats",
                                       std::to_string(random.next(300000000)));
    }
    if (!random.one_in(3)) service.valid_for_seconds = 60 + random.next(400 * 86400);
    offer.services.push_back(std::move(service));
  }
  const char* memos[] = {"L402", "", "api access", "L402 token for 1 request"};
  offer.invoice_memo = memos[random.next(4)];
  offer.invoice_expiry_seconds = 60 + random.next(86400);
  return offer;
}

struct MasterKeyRecord {
  l402::KeyId id;
  std::string key;
};

int generate_records(std::uint64_t count, std::uint64_t seed, const std::string& path) {
  SeededRandom random(seed);
  // Two master keys: the first mints the first half, then turns verify-only while the second
  // mints the rest.
  std::vector<MasterKeyRecord> masters;
  for (int i = 0; i < 2; ++i) {
    std::string key(l402::kMasterKeySize, '\0');
    for (char& c : key) c = static_cast<char>(random.next(256));
    masters.push_back(
        {static_cast<l402::KeyId>(0x10000000u + seed % 0x1000 * 16 + static_cast<unsigned>(i)),
         key});
  }
  l402::InMemoryKeyring keyring;
  if (auto added =
          keyring.add({masters[0].id, l402::KeyState::kActive, l402::SecretBytes(masters[0].key)});
      !added.ok()) {
    std::cerr << "keyring: " << describe_error(added.error()) << '\n';
    return 1;
  }
  l402::InMemoryRevocationList revocations;
  // One invoice source per network lsat-js reads without being told the network (its bolt11
  // does not know signet; see README.md).
  using Source = l402::test::TestInvoiceSource;
  std::vector<std::unique_ptr<Source>> sources;
  for (const l402::Network network :
       {l402::Network::kBitcoin, l402::Network::kTestnet, l402::Network::kRegtest}) {
    sources.push_back(std::make_unique<Source>(
        random, Source::Options{.network = network, .timestamp = 1700000000 + seed}));
  }

  std::ofstream out(path);
  if (!out) {
    std::cerr << "cannot write " << path << '\n';
    return 2;
  }
  for (std::uint64_t i = 0; i < count; ++i) {
    if (i == count / 2) {
      (void)keyring.set_state(masters[0].id, l402::KeyState::kVerifyOnly);
      if (auto added = keyring.add(
              {masters[1].id, l402::KeyState::kActive, l402::SecretBytes(masters[1].key)});
          !added.ok()) {
        std::cerr << "keyring: " << describe_error(added.error()) << '\n';
        return 1;
      }
    }
    const MasterKeyRecord& master = masters[i < count / 2 ? 0 : 1];
    Source& invoices = *sources[i % sources.size()];
    const l402::Authority authority(keyring, revocations, invoices, random);
    const l402::Offer offer = random_offer(random);
    const std::uint64_t now = 1700000000 + i * 37;
    const auto price = l402::Msat(1000 * (1 + random.next(1000000)));
    auto minted = authority.mint(offer, price, now);
    if (!minted.ok()) {
      std::cerr << "record " << i << ": mint: " << describe_error(minted.error()) << '\n';
      return 1;
    }
    const std::optional<l402::Hash256> preimage = invoices.preimage_of(minted->payment_hash);
    if (!preimage) {
      std::cerr << "record " << i << ": the invoice source forgot its preimage\n";
      return 1;
    }
    const l402::Hash256 root_key =
        l402::derive_root_key(l402::HmacSha256Key(master.key), minted->token_id);
    l402::Hash256 wrong_key = root_key;
    wrong_key[random.next(32)] ^= static_cast<std::uint8_t>(1 + random.next(255));

    // The request: one of the offered services, and one of its capabilities (none when it
    // lists none, any name when it does not restrict them).
    const l402::ServiceOffer& target = offer.services[random.next(offer.services.size())];
    std::string capability;
    if (target.capabilities && !target.capabilities->empty()) {
      capability = (*target.capabilities)[random.next(target.capabilities->size())];
    } else if (!target.capabilities && random.one_in(2)) {
      capability = "anything";
    }
    Json limits = Json::array();
    for (const auto& [condition, value] : target.constraints) limits.push_back(condition);
    Json caveats = Json::array();
    for (const l402::Caveat& caveat : minted->macaroon.caveats()) caveats.push_back(caveat.id);
    Json expect_capabilities = Json(nullptr);
    if (target.capabilities) expect_capabilities = *target.capabilities;

    l402::Credential credential{.macaroon = minted->macaroon,
                                .discharges = {},
                                .preimage = *preimage,
                                .form = l402::CredentialForm::kAuthorization};
    Json record{
        {"name", "l402-" + std::to_string(seed) + "-" + std::to_string(i)},
        {"key_id", master.id},
        {"master_key", to_hex(master.key)},
        {"header_values", minted->header_values(l402::ChallengeStyle::kAperture)},
        {"macaroon_b64", l402::base64::encode_std(minted->macaroon_binary)},
        {"invoice", minted->invoice},
        {"payment_hash", hex_of(minted->payment_hash)},
        {"token_id", hex_of(minted->token_id)},
        {"identifier", to_hex(minted->macaroon.identifier())},
        {"location", minted->macaroon.location()},
        {"signature", hex_of(minted->macaroon.signature())},
        {"preimage", hex_of(*preimage)},
        {"root_key", hex_of(root_key)},
        {"wrong_root_key", hex_of(wrong_key)},
        {"caveats", std::move(caveats)},
        {"authorization", l402::format_authorization(credential)},
        {"target",
         {{"service", target.name}, {"capability", capability}, {"limit_conditions", limits}}},
        {"now", now},
        {"expect",
         {{"service", target.name},
          {"tier", target.tier},
          {"capabilities", std::move(expect_capabilities)},
          {"valid_until",
           target.valid_for_seconds > 0 ? Json(now + target.valid_for_seconds) : Json(nullptr)}}}};
    out << record.dump() << '\n';
  }
  return out ? 0 : 2;
}

// ---------------------------------------------------------------- verify

class Checker {
 public:
  void fail(const std::string& name, const std::string& what) {
    if (++failures_ <= 20) std::cerr << name << ": " << what << '\n';
  }
  int failures() const { return failures_; }

 private:
  int failures_ = 0;
};

struct Request {
  std::vector<std::string> limit_conditions;
  std::string service;
  std::string capability;
  std::uint64_t now = 0;

  l402::Target target() const {
    return {.service = service, .capability = capability, .limit_conditions = limit_conditions};
  }
};

l402::Verdict verify_fields(const l402::Authority& authority, const std::string& name,
                            const std::vector<std::string>& values, const Request& request) {
  std::vector<l402::HeaderField> fields;
  for (const std::string& value : values) fields.push_back({name, value});
  return authority.verify_request(fields, request.target(), request.now);
}

l402::Verdict verify_authorization(const l402::Authority& authority, const std::string& value,
                                   const Request& request) {
  return verify_fields(authority, "Authorization", {value}, request);
}

// The value with the last hex digit of its preimage changed.
std::string flip_last_digit(std::string value) {
  if (!value.empty()) value.back() = value.back() == '0' ? '1' : '0';
  return value;
}

void expect_denial(Checker& checker, const std::string& name, const std::string& what,
                   const l402::Verdict& verdict, l402::DenialCode code) {
  if (verdict.granted()) {
    checker.fail(name, what + ": granted, want " + std::string(denial_code_name(code)));
  } else if (verdict.denial().code != code) {
    checker.fail(name, what + ": denied " + std::string(denial_code_name(verdict.denial().code)) +
                           " (" + verdict.denial().reason + "), want " +
                           std::string(denial_code_name(code)));
  }
}

void check_grant(Checker& checker, const Json& record, const std::string& what,
                 const l402::Verdict& verdict, const Json& caveats) {
  const std::string name = record.at("name");
  if (!verdict.granted()) {
    checker.fail(name, what + ": denied " + std::string(denial_code_name(verdict.denial().code)) +
                           ": " + verdict.denial().reason);
    return;
  }
  const l402::Grant& grant = verdict.grant();
  const Json& expect = record.at("expect");
  if (hex_of(grant.token_id) != record.at("token_id")) checker.fail(name, what + ": token_id");
  if (hex_of(grant.payment_hash) != record.at("payment_hash")) {
    checker.fail(name, what + ": payment_hash");
  }
  if (grant.key_id != record.at("key_id").get<l402::KeyId>()) checker.fail(name, what + ": key_id");
  if (grant.service != expect.at("service")) checker.fail(name, what + ": service");
  if (grant.tier != expect.at("tier").get<int>()) checker.fail(name, what + ": tier");
  const Json capabilities = grant.capabilities ? Json(*grant.capabilities) : Json(nullptr);
  if (capabilities != expect.at("capabilities")) {
    checker.fail(name, what + ": capabilities " + capabilities.dump() + ", want " +
                           expect.at("capabilities").dump());
  }
  const Json valid_until = grant.valid_until ? Json(*grant.valid_until) : Json(nullptr);
  if (valid_until != expect.at("valid_until")) checker.fail(name, what + ": valid_until");
  if (Json(grant.caveats) != caveats) checker.fail(name, what + ": caveats");
}

std::vector<Json> read_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<Json> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(Json::parse(line));
  }
  return out;
}

int verify_tokens(const std::string& records_path, const std::string& tokens_path) {
  const std::vector<Json> records = read_lines(records_path);
  std::map<std::string, Json> tokens;
  for (Json& token : read_lines(tokens_path)) {
    const std::string name = token.at("name");
    tokens.emplace(name, std::move(token));
  }
  // Every master key the records name, all verify-only: verifying needs no active key.
  l402::InMemoryKeyring keyring;
  std::map<l402::KeyId, std::string> masters;
  for (const Json& record : records) {
    masters.emplace(record.at("key_id").get<l402::KeyId>(),
                    from_hex(record.at("master_key").get<std::string>()));
  }
  for (const auto& [id, key] : masters) {
    if (auto added = keyring.add({id, l402::KeyState::kVerifyOnly, l402::SecretBytes(key)});
        !added.ok()) {
      std::cerr << "keyring: " << describe_error(added.error()) << '\n';
      return 1;
    }
  }
  l402::InMemoryRevocationList revocations;
  l402::test::FailingInvoiceSource no_invoices;  // verifying never creates an invoice
  SeededRandom unused_random(0);
  const l402::Authority authority(keyring, revocations, no_invoices, unused_random);

  Checker checker;
  std::size_t verified = 0;
  for (const Json& record : records) {
    const std::string name = record.at("name");
    const auto found = tokens.find(name);
    if (found == tokens.end()) {
      checker.fail(name, "the oracle wrote no token for this record");
      continue;
    }
    const Json& line = found->second;
    Request request;
    request.service = record.at("target").at("service");
    request.capability = record.at("target").at("capability");
    request.limit_conditions =
        record.at("target").at("limit_conditions").get<std::vector<std::string>>();
    request.now = record.at("now");
    Request elsewhere = request;
    elsewhere.service = "not-offered";
    elsewhere.capability.clear();
    const Json& caveats = record.at("caveats");

    check_grant(checker, record, "our Authorization value",
                verify_authorization(authority, record.at("authorization"), request), caveats);

    const auto values = line.at("authorization").get<std::vector<std::string>>();
    if (!values.empty()) {
      check_grant(checker, record, "the oracle's Authorization values",
                  verify_fields(authority, "Authorization", values, request), caveats);
      expect_denial(checker, name, "the oracle's Authorization with a flipped preimage bit",
                    verify_authorization(authority, flip_last_digit(values.front()), request),
                    l402::DenialCode::kWrongPreimage);
      expect_denial(checker, name, "the oracle's Authorization for a service it does not name",
                    verify_fields(authority, "Authorization", values, elsewhere),
                    l402::DenialCode::kWrongService);
    }
    if (line.at("pending_authorization").is_string()) {
      expect_denial(checker, name, "the oracle's pending Authorization (no preimage)",
                    verify_authorization(authority, line.at("pending_authorization"), request),
                    l402::DenialCode::kMalformed);
    }
    if (line.at("macaroon_hex").is_string()) {
      // The gRPC form: the preimage rides in a caveat, which the Grant lists too.
      Json with_preimage = caveats;
      with_preimage.push_back("preimage=" + record.at("preimage").get<std::string>());
      const std::vector<std::string> hex{line.at("macaroon_hex").get<std::string>()};
      for (const char* header : {"Macaroon", "Grpc-Metadata-Macaroon"}) {
        check_grant(checker, record, std::string("the oracle's ") + header + " value",
                    verify_fields(authority, header, hex, request), with_preimage);
      }
      expect_denial(checker, name, "the oracle's Macaroon value for a service it does not name",
                    verify_fields(authority, "Macaroon", hex, elsewhere),
                    l402::DenialCode::kWrongService);
    }
    ++verified;
  }
  if (tokens.size() != records.size()) {
    checker.fail("tokens", std::to_string(tokens.size()) + " tokens for " +
                               std::to_string(records.size()) + " records");
  }
  if (checker.failures() > 0) {
    std::cerr << checker.failures() << " disagreements in " << records.size() << " records\n";
    return 1;
  }
  std::cout << "libl402 verified the credentials of " << verified << " records\n";
  return 0;
}

// ---------------------------------------------------------------- main

int usage() {
  std::cerr << "usage: l402_interop_tool generate --count N --seed S --out FILE\n"
               "       l402_interop_tool verify --in FILE --tokens FILE\n";
  return 2;
}

int run(const std::vector<std::string>& args) {
  if (args.empty()) return usage();
  std::map<std::string, std::string> options;
  for (std::size_t i = 1; i + 1 < args.size(); i += 2) options[args[i]] = args[i + 1];
  if (args.size() % 2 != 1) return usage();
  if (args[0] == "generate" && options.count("--count") && options.count("--seed") &&
      options.count("--out")) {
    return generate_records(std::stoull(options["--count"]), std::stoull(options["--seed"]),
                            options["--out"]);
  }
  if (args[0] == "verify" && options.count("--in") && options.count("--tokens")) {
    return verify_tokens(options["--in"], options["--tokens"]);
  }
  return usage();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    std::cerr << "l402_interop_tool: " << e.what() << '\n';
    return 2;
  }
}
