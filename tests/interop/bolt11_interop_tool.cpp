// Test-only driver for the BOLT 11 interop tests (see README.md in this folder).
//
//   bolt11_interop_tool generate --count N --seed S --out FILE
//       Signs N random invoices with libl402 (random key, network, amount, timestamp, fields
//       in random order) and writes them as JSON-lines records with the fields they were made
//       from, what a reader must make of them and the payee, for an oracle to check. Each
//       invoice is first decoded here and compared with its record (libl402 against itself).
//   bolt11_interop_tool check --in FILE
//       Reads records an oracle signed (fields, key, invoice) and checks them against
//       libl402: decode and compare every field, the interpretation, the payee, the signature
//       and its hash; re-sign the same fields with the same key and compare byte for byte.
//
// The record format is described in README.md ("BOLT 11 records"). Exit status: 0 when every
// record agrees, 1 when any disagrees (the first 20 are printed), 2 on bad usage or an
// unreadable file.

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "l402/amount.hpp"
#include "l402/bolt11.hpp"
#include "l402/encoding.hpp"
#include "l402/result.hpp"
#include "l402/secret.hpp"
#include "test_bytes.hpp"

namespace {

using l402::test::append_utf8;

using Json = nlohmann::json;
using l402::Invoice;
using l402::Network;
using l402::RouteHop;
using l402::TaggedField;
namespace type = l402::bolt11_type;

// ---------------------------------------------------------------- helpers

std::string to_hex(std::string_view bytes) { return l402::hex::encode(bytes); }

template <std::size_t N>
std::string to_hex(const std::array<std::uint8_t, N>& bytes) {
  return to_hex(std::string_view(reinterpret_cast<const char*>(bytes.data()), N));
}

std::string from_hex(const std::string& text) {
  auto decoded = l402::hex::decode(text);
  if (!decoded.ok()) {
    throw std::runtime_error("bad hex in record: " + text);
  }
  return std::move(decoded).value();
}

template <std::size_t N>
std::array<std::uint8_t, N> array_from_hex(const std::string& text) {
  const auto bytes = from_hex(text);
  if (bytes.size() != N) {
    throw std::runtime_error("wrong length in record: " + text);
  }
  std::array<std::uint8_t, N> out{};
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

std::string scid_hex(std::uint64_t scid) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(scid));
  return buf;
}

std::uint64_t scid_from_hex(const std::string& text) {
  if (text.size() != 16) {
    throw std::runtime_error("bad short channel id in record: " + text);
  }
  return std::stoull(text, nullptr, 16);
}

std::string describe_error(const l402::Error& e) {
  return std::string(l402::error_code_name(e.code())) + ": " + e.message();
}

struct NetworkName {
  Network network;
  const char* name;
};
constexpr NetworkName kNetworks[] = {{Network::kBitcoin, "bitcoin"},
                                     {Network::kTestnet, "testnet"},
                                     {Network::kSignet, "signet"},
                                     {Network::kRegtest, "regtest"},
                                     {Network::kSimnet, "simnet"}};

const char* name_of(Network network) {
  for (const auto& n : kNetworks) {
    if (n.network == network) return n.name;
  }
  return "?";
}

Network network_from(const std::string& name) {
  for (const auto& n : kNetworks) {
    if (name == n.name) return n.network;
  }
  throw std::runtime_error("unknown network in record: " + name);
}

// Bytes as 5-bit words (BOLT 11: big-endian bit stream, zero-padded) for raw fields.
std::vector<std::uint8_t> words_of(std::string_view bytes) {
  std::vector<std::uint8_t> out;
  unsigned acc = 0;
  int bits = 0;
  for (const char ch : bytes) {
    acc = ((acc << 8) | static_cast<unsigned char>(ch)) & 0xfffu;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 31u));
    }
  }
  if (bits > 0) out.push_back(static_cast<std::uint8_t>((acc << (5 - bits)) & 31u));
  return out;
}

// ---------------------------------------------------------------- record fields

// One tagged field of a record, as the writer meant it. "raw" fields are written as words:
// unknown types, wrong-length p/s/h/n, fallbacks of unknown versions (readers skip them).
struct FieldSpec {
  std::string t;                    // p s d h n x c f r 9 m raw
  std::string bytes;                // p s h n: 32/33 bytes; d: UTF-8; m: metadata; f: program
  std::uint64_t value = 0;          // x c
  std::uint8_t version = 0;         // f
  std::vector<RouteHop> hops;       // r
  std::vector<std::uint32_t> bits;  // 9
  std::uint8_t type = 0;            // raw
  std::vector<std::uint8_t> words;  // raw
};

Json hop_to_json(const RouteHop& h) {
  return {{"pubkey", to_hex(h.pubkey)},
          {"scid", scid_hex(h.short_channel_id)},
          {"fee_base_msat", h.fee_base_msat},
          {"fee_proportional_millionths", h.fee_proportional_millionths},
          {"cltv_expiry_delta", h.cltv_expiry_delta}};
}

RouteHop hop_from_json(const Json& j) {
  RouteHop h;
  h.pubkey = array_from_hex<33>(j.at("pubkey").get<std::string>());
  h.short_channel_id = scid_from_hex(j.at("scid").get<std::string>());
  h.fee_base_msat = j.at("fee_base_msat").get<std::uint32_t>();
  h.fee_proportional_millionths = j.at("fee_proportional_millionths").get<std::uint32_t>();
  h.cltv_expiry_delta = j.at("cltv_expiry_delta").get<std::uint16_t>();
  return h;
}

Json field_to_json(const FieldSpec& f) {
  Json j = {{"t", f.t}};
  if (f.t == "x" || f.t == "c") {
    j["value"] = f.value;
  } else if (f.t == "f") {
    j["version"] = f.version;
    j["hex"] = to_hex(f.bytes);
  } else if (f.t == "r") {
    j["hops"] = Json::array();
    for (const auto& h : f.hops) j["hops"].push_back(hop_to_json(h));
  } else if (f.t == "9") {
    j["bits"] = f.bits;
  } else if (f.t == "raw") {
    j["type"] = f.type;
    j["words"] = f.words;
  } else {
    j["hex"] = to_hex(f.bytes);
  }
  return j;
}

FieldSpec field_from_json(const Json& j) {
  FieldSpec f;
  f.t = j.at("t").get<std::string>();
  static const std::set<std::string> kKinds = {"p", "s", "d", "h", "n", "x",
                                               "c", "f", "r", "9", "m", "raw"};
  if (!kKinds.contains(f.t)) throw std::runtime_error("unknown field kind " + f.t);
  if (f.t == "x" || f.t == "c") {
    f.value = j.at("value").get<std::uint64_t>();
  } else if (f.t == "f") {
    f.version = j.at("version").get<std::uint8_t>();
    f.bytes = from_hex(j.at("hex").get<std::string>());
  } else if (f.t == "r") {
    for (const auto& h : j.at("hops")) f.hops.push_back(hop_from_json(h));
  } else if (f.t == "9") {
    f.bits = j.at("bits").get<std::vector<std::uint32_t>>();
  } else if (f.t == "raw") {
    f.type = j.at("type").get<std::uint8_t>();
    f.words = j.at("words").get<std::vector<std::uint8_t>>();
  } else {
    f.bytes = from_hex(j.at("hex").get<std::string>());
  }
  return f;
}

FieldSpec bytes_field(std::string t, std::string bytes) {
  FieldSpec f;
  f.t = std::move(t);
  f.bytes = std::move(bytes);
  return f;
}

FieldSpec value_field(std::string t, std::uint64_t value) {
  FieldSpec f;
  f.t = std::move(t);
  f.value = value;
  return f;
}

FieldSpec kind_field(std::string t) {
  FieldSpec f;
  f.t = std::move(t);
  return f;
}

// The tagged field libl402's builders make for a record field.
TaggedField build(const FieldSpec& f) {
  namespace field = l402::bolt11_field;
  if (f.t == "p") return field::payment_hash(array_from_hex<32>(to_hex(f.bytes)));
  if (f.t == "s") return field::payment_secret(array_from_hex<32>(to_hex(f.bytes)));
  if (f.t == "h") return field::description_hash(array_from_hex<32>(to_hex(f.bytes)));
  if (f.t == "n") return field::payee(array_from_hex<33>(to_hex(f.bytes)));
  if (f.t == "d") return field::description(f.bytes);
  if (f.t == "m") return field::metadata(f.bytes);
  if (f.t == "x") return field::expiry(f.value);
  if (f.t == "c") return field::min_final_cltv_expiry(f.value);
  if (f.t == "f") return field::fallback(l402::Fallback{f.version, f.bytes});
  if (f.t == "r") return field::route_hint(f.hops);
  if (f.t == "9") return field::features(f.bits);
  return TaggedField{f.type, f.words};
}

// What a reader must make of the fields: first valid occurrence, spec defaults.
Json interpret(const std::vector<FieldSpec>& fields) {
  const auto first = [&](const char* t) -> const FieldSpec* {
    for (const auto& f : fields) {
      if (f.t == t) return &f;
    }
    return nullptr;
  };
  const auto hex_or_null = [&](const char* t) -> Json {
    const auto* f = first(t);
    return f ? Json(to_hex(f->bytes)) : Json(nullptr);
  };
  Json fallbacks = Json::array();
  Json routes = Json::array();
  for (const auto& f : fields) {
    if (f.t == "f") fallbacks.push_back({{"version", f.version}, {"hex", to_hex(f.bytes)}});
    if (f.t == "r") {
      Json hops = Json::array();
      for (const auto& h : f.hops) hops.push_back(hop_to_json(h));
      routes.push_back(std::move(hops));
    }
  }
  const auto* x = first("x");
  const auto* c = first("c");
  const auto* features = first("9");
  return {{"payment_hash", hex_or_null("p")},
          {"payment_secret", hex_or_null("s")},
          {"description", hex_or_null("d")},
          {"description_hash", hex_or_null("h")},
          {"payee_field", hex_or_null("n")},
          {"expiry", x ? x->value : 3600},
          {"min_final_cltv_expiry", c ? c->value : 18},
          {"fallbacks", std::move(fallbacks)},
          {"route_hints", std::move(routes)},
          {"features", features ? Json(features->bits) : Json::array()},
          {"metadata", hex_or_null("m")}};
}

// The same, as libl402 decoded it.
Json interpretation_of(const Invoice& inv) {
  Json fallbacks = Json::array();
  for (const auto& f : inv.fallbacks) {
    fallbacks.push_back({{"version", f.version}, {"hex", to_hex(f.program)}});
  }
  Json routes = Json::array();
  for (const auto& route : inv.route_hints) {
    Json hops = Json::array();
    for (const auto& h : route) hops.push_back(hop_to_json(h));
    routes.push_back(std::move(hops));
  }
  const auto opt_hex = [](const auto& v) -> Json { return v ? Json(to_hex(*v)) : Json(nullptr); };
  return {{"payment_hash", to_hex(inv.payment_hash)},
          {"payment_secret", to_hex(inv.payment_secret)},
          {"description", opt_hex(inv.description)},
          {"description_hash", opt_hex(inv.description_hash)},
          {"payee_field", opt_hex(inv.payee_field)},
          {"expiry", inv.expiry},
          {"min_final_cltv_expiry", inv.min_final_cltv_expiry},
          {"fallbacks", std::move(fallbacks)},
          {"route_hints", std::move(routes)},
          {"features", inv.features},
          {"metadata", opt_hex(inv.metadata)}};
}

std::string words_text(const TaggedField& f) {
  std::string out = std::to_string(f.type) + ":[";
  for (std::size_t i = 0; i < f.words.size(); ++i) {
    out += (i ? "," : "") + std::to_string(f.words[i]);
  }
  return out + "]";
}

// ---------------------------------------------------------------- records

struct Record {
  std::string name;
  std::string invoice;
  std::string privkey;  // 32 bytes
  std::string payee;    // hex
  Network network = Network::kBitcoin;
  std::optional<l402::Msat> amount;
  std::uint64_t timestamp = 0;
  std::vector<FieldSpec> fields;
  Json expected;
  std::string signature;  // hex r || s
  int recovery_id = 0;
  std::string signing_hash;  // hex
  std::string reject;        // non-empty: why a BOLT 11 reader should refuse the invoice
};

Json record_to_json(const Record& r, const std::string& oracle) {
  Json fields = Json::array();
  for (const auto& f : r.fields) fields.push_back(field_to_json(f));
  return {{"name", r.name},
          {"oracle", oracle},
          {"invoice", r.invoice},
          {"privkey", to_hex(r.privkey)},
          {"payee", r.payee},
          {"network", name_of(r.network)},
          {"amount_msat", r.amount ? Json(std::to_string(r.amount->value())) : Json(nullptr)},
          {"timestamp", r.timestamp},
          {"fields", std::move(fields)},
          {"expected", r.expected},
          {"signature", r.signature},
          {"recovery_id", r.recovery_id},
          {"signing_hash", r.signing_hash}};
}

Record record_from_json(const Json& j) {
  Record r;
  r.name = j.at("name").get<std::string>();
  r.invoice = j.at("invoice").get<std::string>();
  r.privkey = from_hex(j.at("privkey").get<std::string>());
  r.payee = j.at("payee").get<std::string>();
  r.network = network_from(j.at("network").get<std::string>());
  if (!j.at("amount_msat").is_null()) {
    r.amount = l402::Msat(std::stoull(j.at("amount_msat").get<std::string>()));
  }
  r.timestamp = j.at("timestamp").get<std::uint64_t>();
  for (const auto& f : j.at("fields")) r.fields.push_back(field_from_json(f));
  r.expected = j.at("expected");
  r.signature = j.at("signature").get<std::string>();
  r.recovery_id = j.at("recovery_id").get<int>();
  r.signing_hash = j.at("signing_hash").get<std::string>();
  if (j.contains("reject")) r.reject = j.at("reject").get<std::string>();
  return r;
}

l402::UnsignedInvoice unsigned_of(const Record& r) {
  l402::UnsignedInvoice u;
  u.network = r.network;
  u.amount = r.amount;
  u.timestamp = r.timestamp;
  for (const auto& f : r.fields) u.fields.push_back(build(f));
  return u;
}

// ---------------------------------------------------------------- comparing

struct Counts {
  std::size_t records = 0;
  std::size_t decoded = 0;
  std::size_t resigned = 0;
  std::size_t with_skipped = 0;
  std::size_t variants = 0;  // upper case, lightning: prefix, tampered
  std::size_t rejected = 0;  // invoices readers must refuse, refused
};

class Checker {
 public:
  // Decodes `r.invoice` with libl402 and compares everything with the record. `resign`:
  // sign the record's fields with its key and compare with the invoice byte for byte.
  void check(const Record& r, bool resign);

  std::size_t failures() const { return failures_; }
  const Counts& counts() const { return counts_; }

 private:
  void fail(const Record& r, const std::string& what) {
    if (++failures_ <= 20) {
      std::cerr << r.name << ": " << r.invoice << "\n  " << what << "\n";
    }
  }

  Counts counts_;
  std::size_t failures_ = 0;
};

void Checker::check(const Record& r, bool resign) {
  ++counts_.records;
  const std::size_t failures_before = failures_;
  auto decoded = l402::decode_invoice(r.invoice);
  if (!r.reject.empty()) {
    // An invoice BOLT 11 readers should refuse (the oracle wrote a field non-minimally).
    ++counts_.rejected;
    if (decoded.ok()) {
      fail(r, "libl402 accepts it, but it should not: " + r.reject);
    } else if (decoded.error().code() != l402::ErrorCode::kInvalidArgument) {
      fail(r, "libl402 rejects it with " + describe_error(decoded.error()) +
                  ", expected invalid_argument (" + r.reject + ")");
    }
    return;
  }
  if (!decoded.ok()) {
    fail(r, "libl402 rejects it: " + describe_error(decoded.error()));
    return;
  }
  const Invoice& inv = *decoded;
  if (inv.network != r.network) {
    fail(r, std::string("network ") + name_of(inv.network) + ", want " + name_of(r.network));
  }
  if (inv.amount != r.amount) {
    fail(r, "amount " + (inv.amount ? std::to_string(inv.amount->value()) : "none") +
                " msat, want " + (r.amount ? std::to_string(r.amount->value()) : "none"));
  }
  if (inv.timestamp != r.timestamp) {
    fail(r, "timestamp " + std::to_string(inv.timestamp) + ", want " + std::to_string(r.timestamp));
  }
  // Every field as written, in order.
  const auto want = unsigned_of(r);
  if (inv.fields != want.fields) {
    std::string got_text;
    std::string want_text;
    for (const auto& f : inv.fields) got_text += " " + words_text(f);
    for (const auto& f : want.fields) want_text += " " + words_text(f);
    fail(r, "fields differ:\n    libl402 " + got_text + "\n    record  " + want_text);
  }
  // The fields a reader skips are the record's raw fields, in order.
  std::vector<std::pair<int, std::size_t>> skipped;
  std::vector<std::pair<int, std::size_t>> raw;
  for (const auto& s : inv.skipped) skipped.emplace_back(s.type, s.data_length);
  for (const auto& f : r.fields) {
    if (f.t == "raw") raw.emplace_back(f.type, f.words.size());
  }
  if (!raw.empty()) ++counts_.with_skipped;
  if (skipped != raw) {
    std::string text;
    for (const auto& s : inv.skipped) {
      text += " " + std::to_string(s.type) + "/" + std::to_string(s.data_length) + " (" + s.reason +
              ")";
    }
    fail(r, "skipped fields differ: libl402 skipped" + text + "; the record has " +
                std::to_string(raw.size()) + " raw fields");
  }
  const Json meaning = interpretation_of(inv);
  if (meaning != r.expected) {
    fail(r, "interpreted fields differ:\n    libl402 " + meaning.dump() + "\n    record  " +
                r.expected.dump());
  }
  // Payee and signature.
  if (to_hex(inv.payee) != r.payee) {
    fail(r, "payee " + to_hex(inv.payee) + ", want " + r.payee);
  }
  const auto key = l402::derive_public_key(l402::SecretBytes(r.privkey));
  if (!key.ok() || to_hex(*key) != r.payee) {
    fail(r, "the record's payee is not its private key's public key");
  }
  if (to_hex(inv.signature) != r.signature || inv.recovery_id != r.recovery_id) {
    fail(r, "signature " + to_hex(inv.signature) + "/" + std::to_string(inv.recovery_id) +
                ", want " + r.signature + "/" + std::to_string(r.recovery_id));
  }
  if (to_hex(inv.signing_hash) != r.signing_hash) {
    fail(r, "signing hash " + to_hex(inv.signing_hash) + ", want " + r.signing_hash);
  }
  if (inv.expires_at() != r.timestamp + r.expected.at("expiry").get<std::uint64_t>()) {
    fail(r, "expires_at " + std::to_string(inv.expires_at()));
  }
  // The same invoice, signed here from the same fields with the same key.
  if (resign) {
    auto again = l402::encode_invoice(want, l402::SecretBytes(r.privkey));
    if (!again.ok()) {
      fail(r, "libl402 cannot sign the same fields: " + describe_error(again.error()));
    } else if (*again != r.invoice) {
      fail(r, "libl402 signs the same fields differently:\n    " + *again);
    } else {
      ++counts_.resigned;
    }
    auto round = l402::encode_invoice(inv.unsigned_invoice(), l402::SecretBytes(r.privkey));
    if (!round.ok() || *round != r.invoice) {
      fail(r, "re-signing what libl402 decoded gives another invoice");
    }
  }
  // Upper case and a lightning: prefix decode to the same; a changed character does not.
  std::string upper = r.invoice;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](char ch) {
    return static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  });
  for (const auto& variant : {upper, "lightning:" + r.invoice, "LIGHTNING:" + upper}) {
    ++counts_.variants;
    auto v = l402::decode_invoice(variant);
    if (!v.ok() || v->fields != inv.fields || v->payee != inv.payee) {
      fail(r, "libl402 reads " + variant.substr(0, 16) + "... differently");
    }
  }
  std::string tampered = r.invoice;
  const std::size_t at = r.invoice.rfind('1') + 1 + (r.name.size() % 40);
  tampered[at] = tampered[at] == 'q' ? 'p' : 'q';
  ++counts_.variants;
  if (l402::decode_invoice(tampered).ok()) {
    fail(r, "libl402 accepts the invoice with character " + std::to_string(at) + " changed");
  }
  if (failures_ == failures_before) ++counts_.decoded;
}

// ---------------------------------------------------------------- random invoices

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : engine_(seed) {}

  Record next(std::size_t index, std::uint64_t seed);

 private:
  std::uint64_t below(std::uint64_t n) { return engine_() % n; }
  bool chance(std::uint64_t num, std::uint64_t den) { return below(den) < num; }
  std::uint64_t bits(int n) { return n >= 64 ? engine_() : engine_() & ((1ULL << n) - 1); }
  template <typename T, std::size_t N>
  T pick(const T (&items)[N]) {
    return items[below(N)];
  }

  std::string bytes(std::size_t n) {
    std::string out(n, '\0');
    for (auto& c : out) c = static_cast<char>(engine_() & 0xff);
    return out;
  }

  std::string private_key() {
    for (;;) {
      auto k = bytes(32);
      if (l402::derive_public_key(l402::SecretBytes(k)).ok()) return k;
    }
  }

  l402::PublicKey public_key() {
    return l402::derive_public_key(l402::SecretBytes(private_key())).value();
  }

  // UTF-8 text of at most `max_bytes`: ASCII, JSON-hostile characters, 2-, 3- and 4-byte
  // sequences (no surrogates), usually short, sometimes up to the limit.
  std::string text(std::size_t max_bytes) {
    static constexpr char32_t kSpecials[] = {
        U'"',   U'\\',  U'\n',  U'\t',  0,      0x1f,   0x7f, U'<',   U'&',    0x2028,
        0x2029, 0xfeff, 0xfffd, 0xffff, 0x30ca, 0x676f, 0xe9, 0x20ac, 0x1f600, 0x10ffff};
    const std::size_t target = chance(1, 10) ? below(max_bytes + 1) : below(80);
    std::string out;
    for (;;) {
      std::string c;
      switch (below(10) < 6 ? 0 : below(5)) {
        case 0:
          append_utf8(c, static_cast<char32_t>(0x20 + below(0x5f)));
          break;
        case 1:
          append_utf8(c, pick(kSpecials));
          break;
        case 2:
          append_utf8(c, static_cast<char32_t>(0x80 + below(0x780)));
          break;
        case 3: {
          auto cp = static_cast<char32_t>(0x800 + below(0x10000 - 0x800));
          if (cp >= 0xd800 && cp < 0xe000) cp -= 0x1000;
          append_utf8(c, cp);
          break;
        }
        default:
          append_utf8(c, static_cast<char32_t>(0x10000 + below(0x100000)));
          break;
      }
      if (out.size() + c.size() > target) return out;
      out += c;
    }
  }

  std::optional<l402::Msat> amount() {
    if (chance(1, 6)) return std::nullopt;
    // Edges: 1 msat ("10p"), around the multipliers, 21 million BTC, and around 2^64
    // pico-bitcoin (msat values that fit in 64 bits but whose "p" form does not).
    static constexpr std::uint64_t kEdges[] = {1,
                                               9,
                                               10,
                                               99,
                                               100,
                                               101,
                                               99'999,
                                               100'000,
                                               100'000'000,
                                               100'000'000'000,
                                               2'100'000'000'000'000'000,
                                               2'099'999'999'999'999'999,
                                               1'844'674'407'370'955'161,
                                               1'844'674'407'370'955'162,
                                               1'844'674'407'370'955'200,
                                               1'999'999'999'999'999'999};
    if (chance(1, 40)) return l402::Msat(pick(kEdges));
    // A random number of a random unit, so that every multiplier and many digit counts
    // occur; at most 21 million BTC (npm bolt11 refuses more).
    constexpr std::uint64_t kMax = 2'100'000'000'000'000'000ULL;
    static constexpr std::uint64_t kUnits[] = {100'000'000'000ULL, 100'000'000ULL, 100'000ULL,
                                               100ULL, 1ULL};
    const std::uint64_t unit = pick(kUnits);
    std::uint64_t v = bits(1 + static_cast<int>(below(62)));
    if (v == 0) v = 1;
    v %= kMax / unit + 1;
    std::uint64_t msat = v * unit;
    if (unit == 1 && chance(1, 2) && msat < kMax / 10) msat = msat * 10 + 1 + below(9);
    if (msat == 0) msat = unit;
    return l402::Msat(msat);
  }

  std::vector<std::uint32_t> features() {
    std::set<std::uint32_t> set = {8, 14};
    static constexpr std::uint32_t kKnownOdd[] = {9, 15, 17, 25, 37, 49, 99};
    static constexpr std::uint32_t kKnownEven[] = {16, 24, 48};
    const auto n = below(5);
    for (std::uint64_t i = 0; i < n; ++i) {
      set.insert(chance(1, 2) ? pick(kKnownOdd) : static_cast<std::uint32_t>(2 * below(128) + 1));
    }
    if (chance(1, 10)) set.insert(pick(kKnownEven));
    for (std::uint32_t even : {8u, 14u, 16u, 24u, 48u}) set.erase(even + 1);
    return {set.begin(), set.end()};
  }

  FieldSpec fallback() {
    FieldSpec f = kind_field("f");
    switch (below(6)) {
      case 0:
        f.version = 17;
        f.bytes = bytes(20);
        break;
      case 1:
        f.version = 18;
        f.bytes = bytes(20);
        break;
      case 2:
        f.version = 0;
        f.bytes = bytes(chance(1, 2) ? 20 : 32);
        break;
      case 3:
        f.version = 1;
        f.bytes = bytes(32);
        break;
      default:
        f.version = static_cast<std::uint8_t>(2 + below(15));
        f.bytes = bytes(2 + below(39));
        break;
    }
    return f;
  }

  FieldSpec route() {
    FieldSpec f = kind_field("r");
    const auto n = 1 + below(3);
    for (std::uint64_t i = 0; i < n; ++i) {
      RouteHop h;
      h.pubkey = public_key();
      h.short_channel_id =
          chance(1, 10) ? engine_() : (bits(24) << 40) | (bits(24) << 16) | bits(16);
      const auto u32 = [&] {
        return static_cast<std::uint32_t>(chance(1, 2) ? below(5000) : bits(32));
      };
      h.fee_base_msat = u32();
      h.fee_proportional_millionths = u32();
      h.cltv_expiry_delta = static_cast<std::uint16_t>(chance(1, 2) ? below(200) : bits(16));
      f.hops.push_back(h);
    }
    return f;
  }

  std::vector<std::uint8_t> random_words(std::size_t n) {
    std::vector<std::uint8_t> w(n);
    for (auto& x : w) x = static_cast<std::uint8_t>(below(32));
    return w;
  }

  // A field readers skip: an unknown type, a wrong-length p/s/h (or n, but only after a
  // valid n: npm bolt11 compares the first n with the signer), a fallback of unknown version.
  FieldSpec ignorable(bool after_valid_n) {
    FieldSpec f = kind_field("raw");
    static constexpr std::uint8_t kUnknown[] = {0,  2,  4,  7,  8,  10, 11, 12, 14, 15, 17,
                                                18, 20, 21, 22, 25, 26, 28, 29, 30, 31};
    static constexpr std::uint8_t kFixed[] = {type::kPaymentHash, type::kPaymentSecret,
                                              type::kDescriptionHash};
    static constexpr std::size_t kWrongLengths[] = {0, 1, 51, 53, 104};
    switch (below(after_valid_n ? 4 : 3)) {
      case 0:
        f.type = pick(kUnknown);
        f.words = random_words(below(chance(1, 8) ? 1024 : 60));
        break;
      case 1:
        f.type = pick(kFixed);
        f.words = random_words(pick(kWrongLengths));
        break;
      case 2:
        f.type = type::kFallback;
        f.words = words_of(bytes(below(41)));
        f.words.insert(f.words.begin(), static_cast<std::uint8_t>(19 + below(13)));
        break;
      default:
        f.type = type::kPayee;
        f.words = random_words(chance(1, 2) ? 52 : 54);
        break;
    }
    return f;
  }

  std::mt19937_64 engine_;
};

Record Generator::next(std::size_t index, std::uint64_t seed) {
  Record r;
  r.name = "l402-" + std::to_string(seed) + "-" + std::to_string(index);
  r.privkey = private_key();
  const auto payee = l402::derive_public_key(l402::SecretBytes(r.privkey)).value();
  r.payee = to_hex(payee);
  static constexpr Network kCommon[] = {Network::kBitcoin, Network::kTestnet, Network::kSignet,
                                        Network::kRegtest};
  r.network = chance(1, 20) ? Network::kSimnet : pick(kCommon);
  r.amount = amount();
  r.timestamp = chance(1, 2) ? 1'500'000'000 + below(500'000'000) : bits(35);

  std::vector<FieldSpec> fields;
  fields.push_back(bytes_field("p", bytes(32)));
  fields.push_back(bytes_field("s", bytes(32)));
  if (chance(1, 4)) {
    fields.push_back(bytes_field("h", bytes(32)));
  } else {
    fields.push_back(bytes_field("d", text(639)));
  }
  fields.push_back(kind_field("9"));
  fields.back().bits = features();
  // x and c of at least 1: npm bolt11 writes 0 as one zero word (see README.md).
  const auto small_or_large = [&](std::uint64_t max) {
    return chance(3, 4) ? 1 + below(max) : 1 + bits(40);
  };
  if (chance(2, 3)) fields.push_back(value_field("x", small_or_large(604800)));
  if (chance(2, 3)) fields.push_back(value_field("c", small_or_large(1000)));
  if (chance(1, 4)) {
    fields.push_back(
        bytes_field("n", std::string(reinterpret_cast<const char*>(payee.data()), payee.size())));
  }
  const auto n_fallbacks = chance(1, 4) ? 1 + below(2) : 0;
  for (std::uint64_t i = 0; i < n_fallbacks; ++i) fields.push_back(fallback());
  const auto n_routes = below(4);
  for (std::uint64_t i = 0; i < n_routes; ++i) fields.push_back(route());
  if (chance(1, 5)) fields.push_back(bytes_field("m", bytes(below(chance(1, 5) ? 639 : 64))));
  std::shuffle(fields.begin(), fields.end(), engine_);
  r.expected = interpret(fields);
  if (chance(1, 10)) {
    const auto n = 1 + below(3);
    for (std::uint64_t i = 0; i < n; ++i) {
      std::size_t first_n = fields.size();
      for (std::size_t k = 0; k < fields.size(); ++k) {
        if (fields[k].t == "n") {
          first_n = k;
          break;
        }
      }
      auto extra = ignorable(first_n < fields.size());
      const std::size_t from = extra.type == type::kPayee ? first_n + 1 : 0;
      const auto at = from + below(fields.size() - from + 1);
      fields.insert(fields.begin() + static_cast<std::ptrdiff_t>(at), std::move(extra));
    }
  }
  r.fields = std::move(fields);
  return r;
}

int generate(std::size_t count, std::uint64_t seed, const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    std::cerr << "cannot write " << path << "\n";
    return 2;
  }
  Generator gen(seed);
  Checker self;
  std::size_t unsignable = 0;
  for (std::size_t i = 0; i < count; ++i) {
    Record r = gen.next(i, seed);
    auto invoice = l402::encode_invoice(unsigned_of(r), l402::SecretBytes(r.privkey));
    if (!invoice.ok()) {
      if (++unsignable <= 20) {
        std::cerr << r.name << ": libl402 cannot sign it: " << describe_error(invoice.error())
                  << "\n  " << record_to_json(r, "l402").dump() << "\n";
      }
      continue;
    }
    r.invoice = *invoice;
    // Signature and hash as decoded here; the oracle derives both itself.
    if (auto decoded = l402::decode_invoice(r.invoice); decoded.ok()) {
      r.signature = to_hex(decoded->signature);
      r.recovery_id = decoded->recovery_id;
      r.signing_hash = to_hex(decoded->signing_hash);
    }
    self.check(r, false);
    out << record_to_json(r, "l402").dump() << "\n";
  }
  out.close();
  std::cout << "libl402 signed " << count - unsignable << " of " << count
            << " random invoices into " << path << "; decoding them here: " << self.counts().decoded
            << " agree with their records (" << self.counts().with_skipped
            << " with fields to skip), " << self.failures() << " failures\n";
  return unsignable == 0 && self.failures() == 0 && out ? 0 : 1;
}

int check(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "cannot read " << path << "\n";
    return 2;
  }
  Checker checker;
  std::string line;
  std::string oracle;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    try {
      const Json j = Json::parse(line);
      if (oracle.empty()) oracle = j.at("oracle").get<std::string>();
      checker.check(record_from_json(j), true);
    } catch (const std::exception& e) {
      std::cerr << "bad record " << line.substr(0, 200) << ": " << e.what() << "\n";
      return 2;
    }
  }
  const auto& n = checker.counts();
  if (n.records == 0) {
    std::cerr << "no records in " << path << "\n";
    return 2;
  }
  std::cout << "libl402 checked " << n.records << " invoices signed by " << oracle << " ("
            << n.with_skipped << " with fields to skip): " << n.decoded
            << " decoded and agree with their records, " << n.resigned
            << " re-signed byte for byte, " << n.variants << " case/prefix/tampered variants, "
            << n.rejected << " non-minimal ones refused as they should be; " << checker.failures()
            << " failures\n";
  return checker.failures() == 0 ? 0 : 1;
}

int usage() {
  std::cerr << "usage: bolt11_interop_tool generate --count N --seed S --out FILE\n"
               "       bolt11_interop_tool check --in FILE\n";
  return 2;
}

int run(const std::vector<std::string>& args) {
  if (args.empty()) return usage();
  std::size_t count = 0;
  std::uint64_t seed = 1;
  std::string out;
  std::string in;
  try {
    for (std::size_t i = 1; i < args.size(); ++i) {
      const auto& a = args[i];
      const bool has_value = i + 1 < args.size();
      if (a == "--count" && has_value) {
        count = static_cast<std::size_t>(std::stoull(args[++i]));
      } else if (a == "--seed" && has_value) {
        seed = std::stoull(args[++i]);
      } else if (a == "--out" && has_value) {
        out = args[++i];
      } else if (a == "--in" && has_value) {
        in = args[++i];
      } else {
        return usage();
      }
    }
  } catch (const std::exception&) {
    return usage();
  }
  const auto start = std::chrono::steady_clock::now();
  int status;
  if (args[0] == "generate" && count > 0 && !out.empty()) {
    status = generate(count, seed, out);
  } else if (args[0] == "check" && !in.empty()) {
    status = check(in);
  } else {
    return usage();
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  std::printf("bolt11_interop_tool %s done in %.2fs\n", args[0].c_str(), elapsed.count());
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    std::cerr << "bolt11_interop_tool: " << e.what() << "\n";
    return 2;
  }
}
