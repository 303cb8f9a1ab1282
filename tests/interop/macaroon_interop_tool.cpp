// Test-only driver for the macaroon interop tests (see README.md in this folder).
//
//   macaroon_interop_tool generate --count N --seed S --out FILE [--binary-locations]
//       Writes N random macaroons minted with libl402 as JSON-lines records (spec, V2
//       binary, V2 JSON, bound discharges, stack, verified conditions) for an oracle to check.
//   macaroon_interop_tool check --in FILE
//       Reads records an oracle minted and checks them against libl402: parse, re-serialise,
//       re-mint from the same inputs, verify (and fail to verify when tampered).
//
// Every byte string in a record is lower-case hex; the format is described in README.md.
// Exit status: 0 when every record agrees, 1 when any disagrees (the first 20 are printed),
// 2 on bad usage or an unreadable file.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "l402/encoding.hpp"
#include "l402/macaroon.hpp"
#include "l402/macaroon_format.hpp"
#include "l402/result.hpp"
#include "test_bytes.hpp"

namespace {

using l402::test::append_utf8;

using Json = nlohmann::json;
using l402::Caveat;
using l402::Macaroon;

// ---------------------------------------------------------------- specs

struct MacSpec;

struct CaveatSpec {
  std::string cid;
  // Third-party caveats only: location hint, 24-byte nonce, and the discharge (exactly one
  // element; its key is the caveat root key and its id equals cid).
  std::string location;
  std::string nonce;
  std::vector<MacSpec> discharge;

  bool third_party() const { return !discharge.empty(); }
};

struct MacSpec {
  std::string key;
  std::string id;
  std::string location;
  std::vector<CaveatSpec> caveats;
};

std::string to_hex(std::string_view bytes) { return l402::hex::encode(bytes); }

std::string from_hex(const Json& value) {
  auto decoded = l402::hex::decode(value.get<std::string>());
  if (!decoded.ok()) {
    throw std::runtime_error("bad hex in record: " + value.get<std::string>());
  }
  return std::move(decoded).value();
}

Json spec_to_json(const MacSpec& spec) {
  Json caveats = Json::array();
  for (const auto& c : spec.caveats) {
    Json jc = {{"cid", to_hex(c.cid)}};
    if (c.third_party()) {
      jc["loc"] = to_hex(c.location);
      jc["nonce"] = to_hex(c.nonce);
      jc["discharge"] = spec_to_json(c.discharge.front());
    }
    caveats.push_back(std::move(jc));
  }
  return {{"key", to_hex(spec.key)},
          {"id", to_hex(spec.id)},
          {"loc", to_hex(spec.location)},
          {"caveats", std::move(caveats)}};
}

MacSpec spec_from_json(const Json& j) {
  MacSpec spec{from_hex(j.at("key")), from_hex(j.at("id")), from_hex(j.at("loc")), {}};
  for (const auto& jc : j.at("caveats")) {
    CaveatSpec c;
    c.cid = from_hex(jc.at("cid"));
    if (jc.contains("discharge")) {
      c.location = from_hex(jc.at("loc"));
      c.nonce = from_hex(jc.at("nonce"));
      c.discharge.push_back(spec_from_json(jc.at("discharge")));
      if (c.discharge.front().id != c.cid) {
        throw std::runtime_error("a discharge's id differs from its caveat id");
      }
    }
    spec.caveats.push_back(std::move(c));
  }
  return spec;
}

// Mints `spec` with libl402; third-party caveats use the spec's nonces.
l402::Result<Macaroon> mint(const MacSpec& spec) {
  L402_ASSIGN_OR_RETURN(auto m, Macaroon::mint(spec.key, spec.id, spec.location));
  for (const auto& c : spec.caveats) {
    if (c.third_party()) {
      L402_RETURN_IF_ERROR(
          m.add_third_party_caveat_with_nonce(c.discharge.front().key, c.cid, c.location, c.nonce));
    } else {
      L402_RETURN_IF_ERROR(m.add_first_party_caveat(c.cid));
    }
  }
  return m;
}

// The discharges a spec needs, depth first, each before the discharges it needs itself.
void discharge_specs(const MacSpec& spec, std::vector<const MacSpec*>& out) {
  for (const auto& c : spec.caveats) {
    if (c.third_party()) {
      out.push_back(&c.discharge.front());
      discharge_specs(c.discharge.front(), out);
    }
  }
}

// ---------------------------------------------------------------- random specs

class Generator {
 public:
  Generator(std::uint64_t seed, bool binary_locations)
      : engine_(seed), binary_locations_(binary_locations) {}

  MacSpec root() {
    // A quarter of the macaroons may have binary first-party caveats (which pymacaroons and
    // npm macaroon cannot mint, and npm macaroon cannot check without help); the rest
    // only UTF-8 ones.
    binary_conditions_ = below(4) == 0;
    auto key = root_key();
    auto id = below(100) == 0 ? huge_identifier() : identifier();
    return spec(std::move(key), std::move(id), 0, 12);
  }

 private:
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(engine_() % n); }

  std::string bytes(std::size_t n) {
    std::string out(n, '\0');
    for (auto& c : out) {
      c = static_cast<char>(engine_() & 0xff);
    }
    return out;
  }

  // Printable ASCII mixed with characters that stress JSON escaping (Go escapes <, >, &,
  // U+2028/9 and control characters) and UTF-8 handling (2-, 3-, 4-byte sequences).
  std::string text(std::size_t n) {
    static constexpr char32_t kSpecials[] = {
        U'"',   U'\\',  U'/',   U'\'',  U'<',   U'>',   U'&',    U'\n',   U'\r',
        U'\t',  U'\b',  U'\f',  0,      1,      0x1f,   0x7f,    0x80,    0xe9,
        0x20ac, 0x2028, 0x2029, 0xfffd, 0xfeff, 0xffff, 0x1f600, 0x10ffff};
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
      if (below(10) < 7) {
        out += static_cast<char>(0x20 + below(0x5f));
      } else {
        append_utf8(out, kSpecials[below(std::size(kSpecials))]);
      }
    }
    return out;
  }

  // Text with one invalid UTF-8 sequence inserted: a lone continuation byte, 0xff, an
  // overlong NUL, an encoded surrogate, a code point above U+10FFFF or a truncated sequence.
  std::string nearly_utf8() {
    static constexpr std::string_view kInvalid[] = {
        "\x80", "\xff", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82"};
    auto t = text(1 + below(20));
    auto at = below(t.size() + 1);
    return t.substr(0, at) + std::string(kInvalid[below(std::size(kInvalid))]) + t.substr(at);
  }

  std::string identifier() {
    switch (below(6)) {
      case 0:  // L402: version 0, payment hash, token id
        return std::string(2, '\0') + bytes(64);
      case 1:
        return bytes(1 + below(80));
      case 2:
        return text(1 + below(40));
      case 3:
        return "id-" + std::to_string(engine_() >> 2);
      case 4:  // two-byte length varints
        return below(2) == 0 ? bytes(128 + below(200)) : text(128 + below(100));
      default:
        return nearly_utf8();
    }
  }

  // Up to the default field limit (16 KiB); exactly 16384 bytes needs a 3-byte varint.
  std::string huge_identifier() { return bytes(below(2) == 0 ? 16384 : 16000 + below(384)); }

  std::string location() {
    switch (below(binary_locations_ ? 6 : 5)) {
      case 0:
      case 1:
        return {};
      case 2:
        return "https://svc" + std::to_string(below(1000)) + ".example.org/";
      case 3:
        return text(1 + below(40));
      case 4:
        return text(128 + below(40));
      default:  // go-macaroon only: locations are Go strings, any bytes
        return nearly_utf8();
    }
  }

  std::string condition() {
    switch (below(7)) {
      case 0:
      case 1:
      case 2:
        return "k" + std::to_string(below(100)) + "=v" + std::to_string(engine_() >> 2);
      case 3:
        return text(1 + below(60));
      case 4:
        return binary_conditions_ ? bytes(1 + below(60)) : text(1 + below(8));
      case 5:
        return text(128 + below(80));
      default:
        return binary_conditions_ ? nearly_utf8() : std::string("cond");
    }
  }

  std::string root_key() { return below(3) > 0 ? bytes(32) : bytes(1 + below(64)); }

  MacSpec spec(std::string key, std::string id, int depth, std::size_t max_caveats) {
    MacSpec s{std::move(key), std::move(id), location(), {}};
    const auto n = below(max_caveats + 1);
    for (std::size_t i = 0; i < n; ++i) {
      CaveatSpec c;
      if (depth < 2 && below(8) == 0) {
        c.cid = identifier() + "#" + std::to_string(++third_party_count_);
        c.location = location();
        c.nonce = bytes(24);
        auto discharge_key = root_key();
        c.discharge.push_back(spec(std::move(discharge_key), c.cid, depth + 1, 3));
      } else {
        c.cid = condition();
      }
      s.caveats.push_back(std::move(c));
    }
    return s;
  }

  std::mt19937_64 engine_;
  bool binary_locations_;
  bool binary_conditions_ = false;
  std::uint64_t third_party_count_ = 0;
};

// ---------------------------------------------------------------- helpers

std::string describe(const Macaroon& m) { return l402::to_json_v2(m); }

std::string describe_error(const l402::Error& e) {
  return std::string(l402::error_code_name(e.code())) + ": " + e.message();
}

// A strict UTF-8 check (Go's rules), written here so that the library's own is not trusted.
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (b < 0x80) {
      ++i;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      len = 2;
      cp = b & 0x1fu;
    } else if (b >= 0xe0 && b <= 0xef) {
      len = 3;
      cp = b & 0x0fu;
    } else if (b >= 0xf0 && b <= 0xf4) {
      len = 4;
      cp = b & 0x07u;
    } else {
      return false;
    }
    if (i + len > s.size()) {
      return false;
    }
    for (std::size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xc0) != 0x80) {
        return false;
      }
      cp = (cp << 6) | (c & 0x3fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += len;
  }
  return true;
}

// V1 needs UTF-8 identifiers, caveat ids and locations (go-macaroon refuses others).
bool fits_v1(const Macaroon& m) {
  if (!valid_utf8(m.identifier()) || !valid_utf8(m.location())) {
    return false;
  }
  for (const auto& c : m.caveats()) {
    if (!valid_utf8(c.id) || !valid_utf8(c.location)) {
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------- generate

int generate(std::size_t count, std::uint64_t seed, const std::string& path,
             bool binary_locations) {
  std::ofstream out(path, std::ios::binary);
  if (!out) {
    std::cerr << "cannot write " << path << "\n";
    return 2;
  }
  Generator gen(seed, binary_locations);
  std::size_t third_party = 0;
  std::size_t total_caveats = 0;
  std::size_t v1_count = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const auto name = "l402-" + std::to_string(i);
    const MacSpec spec = gen.root();
    auto root = mint(spec);
    if (!root.ok()) {
      std::cerr << "BUG " << name << ": libl402 cannot mint " << spec_to_json(spec).dump() << ": "
                << describe_error(root.error()) << "\n";
      return 1;
    }
    Json rec = {{"name", name},
                {"oracle", "l402"},
                {"layout", "canonical"},
                {"spec", spec_to_json(spec)},
                {"sig", to_hex(l402::as_view(root->signature()))},
                {"v2", to_hex(l402::to_binary_v2(*root))},
                {"json", to_hex(l402::to_json_v2(*root))},
                {"v1", nullptr},
                {"json_v1", nullptr},
                {"discharges", Json::array()}};
    if (fits_v1(*root)) {
      auto v1 = l402::to_binary_v1(*root);
      auto json_v1 = l402::to_json_v1(*root);
      if (!v1.ok() || !json_v1.ok()) {
        std::cerr << "BUG " << name << ": libl402 cannot write V1 of " << describe(*root) << ": "
                  << describe_error(v1.ok() ? json_v1.error() : v1.error()) << "\n";
        return 1;
      }
      rec["v1"] = to_hex(*v1);
      rec["json_v1"] = to_hex(*json_v1);
      ++v1_count;
    }
    std::vector<const MacSpec*> dspecs;
    discharge_specs(spec, dspecs);
    std::vector<Macaroon> stack{*root};
    for (const MacSpec* ds : dspecs) {
      auto d = mint(*ds);
      if (!d.ok()) {
        std::cerr << "BUG " << name
                  << ": libl402 cannot mint a discharge: " << describe_error(d.error()) << "\n";
        return 1;
      }
      const Macaroon bound = root->bind_for_request(*d);
      rec["discharges"].push_back({{"sig", to_hex(l402::as_view(d->signature()))},
                                   {"bound_sig", to_hex(l402::as_view(bound.signature()))},
                                   {"bound_v2", to_hex(l402::to_binary_v2(bound))},
                                   {"bound_json", to_hex(l402::to_json_v2(bound))}});
      stack.push_back(bound);
    }
    rec["stack"] = to_hex(l402::to_binary_stack(stack));
    auto conditions = l402::verify_macaroon(*root, spec.key,
                                            std::span<const Macaroon>(stack).subspan(1), nullptr);
    if (!conditions.ok()) {
      std::cerr << "BUG " << name << ": libl402 rejects its own macaroon " << describe(*root)
                << ": " << describe_error(conditions.error()) << "\n";
      return 1;
    }
    Json conds = Json::array();
    for (const auto& c : *conditions) {
      conds.push_back(to_hex(c));
    }
    rec["conditions"] = std::move(conds);
    total_caveats += root->caveats().size();
    third_party += dspecs.size();
    out << rec.dump() << "\n";
  }
  out.close();
  if (!out) {
    std::cerr << "cannot write " << path << "\n";
    return 2;
  }
  std::cout << "libl402 minted " << count << " macaroons (seed " << seed << "; " << total_caveats
            << " caveats in the roots, " << third_party << " discharges; " << v1_count
            << " also as V1) into " << path << "\n";
  return 0;
}

// ---------------------------------------------------------------- check

// pymacaroons' V2 layout: it always writes the macaroon's location field and, for
// third-party caveats, the caveat's location field, even when they are empty.
std::string pymacaroons_layout(const Macaroon& m) {
  std::string out(1, '\x02');
  auto field = [&out](std::uint64_t type, std::string_view data) {
    l402::uvarint::append(out, type);
    l402::uvarint::append(out, data.size());
    out.append(data);
  };
  field(1, m.location());
  field(2, m.identifier());
  out += '\0';
  for (const auto& c : m.caveats()) {
    if (!c.is_first_party()) {
      field(1, c.location);
    }
    field(2, c.id);
    if (!c.is_first_party()) {
      field(4, c.verification_id);
    }
    out += '\0';
  }
  out += '\0';
  field(6, l402::as_view(m.signature()));
  return out;
}

class Checker {
 public:
  struct Counts {
    std::size_t records = 0;
    std::size_t binary_compared = 0;
    std::size_t v1_compared = 0;
    std::size_t json_parsed = 0;
    std::size_t json_bytes_compared = 0;
    std::size_t discharges = 0;
    std::size_t stacks = 0;
    std::size_t verified = 0;
    std::size_t negatives = 0;
  };

  void check(const Json& rec);
  std::size_t failures() const { return failures_; }
  const Counts& counts() const { return counts_; }

 private:
  void fail(const std::string& name, const std::string& what) {
    ++failures_;
    if (failures_ <= 20) {
      std::cerr << "FAIL " << name << ": " << what << "\n";
    }
  }
  // Compares the oracle's bytes of `m` with ours, allowing for its layout.
  void compare_binary(const std::string& name, const std::string& what, const std::string& layout,
                      const Macaroon& m, const std::string& oracle_bytes);

  std::size_t failures_ = 0;
  Counts counts_;
};

void Checker::compare_binary(const std::string& name, const std::string& what,
                             const std::string& layout, const Macaroon& m,
                             const std::string& oracle_bytes) {
  const std::string expected =
      layout == "pymacaroons" ? pymacaroons_layout(m) : l402::to_binary_v2(m);
  if (expected != oracle_bytes) {
    fail(name, what + " differs (" + layout + " layout):\n  oracle " + to_hex(oracle_bytes) +
                   "\n  ours   " + to_hex(expected));
  }
  ++counts_.binary_compared;
}

void Checker::check(const Json& rec) {
  ++counts_.records;
  const auto name = rec.at("name").get<std::string>();
  const auto oracle = rec.at("oracle").get<std::string>();
  const auto layout = rec.at("layout").get<std::string>();
  const bool go = oracle == "go-macaroon";
  const MacSpec spec = spec_from_json(rec.at("spec"));
  const auto opt_hex = [](const Json& parent, const char* key) -> std::optional<std::string> {
    if (!parent.contains(key) || parent.at(key).is_null()) {
      return std::nullopt;
    }
    return from_hex(parent.at(key));
  };

  auto minted = mint(spec);
  if (!minted.ok()) {
    fail(name, "libl402 cannot mint the spec: " + describe_error(minted.error()));
    return;
  }
  const Macaroon& want = *minted;
  if (to_hex(l402::as_view(want.signature())) != rec.at("sig").get<std::string>()) {
    fail(name, "signature: oracle " + rec.at("sig").get<std::string>() + ", libl402 " +
                   to_hex(l402::as_view(want.signature())));
  }

  // The oracle's serialisations parse to the macaroon we mint from the same inputs.
  const auto v2 = opt_hex(rec, "v2");
  const auto json = opt_hex(rec, "json");
  if (!v2 && !json) {
    fail(name, "record has neither v2 nor json");
    return;
  }
  if (v2) {
    auto parsed = l402::parse_binary(*v2);
    if (!parsed.ok()) {
      fail(name, "cannot parse the oracle's V2 binary " + to_hex(*v2) + ": " +
                     describe_error(parsed.error()));
    } else if (!(*parsed == want)) {
      fail(name,
           "the oracle's V2 binary parses to " + describe(*parsed) + ", we mint " + describe(want));
    }
    compare_binary(name, "V2 binary", layout, want, *v2);
  }
  if (json) {
    ++counts_.json_parsed;
    auto parsed = l402::parse_json(*json);
    // go-macaroon writes a location that is not UTF-8 with U+FFFD replacements (lossy).
    bool lossy = !valid_utf8(want.location());
    for (const auto& c : want.caveats()) {
      lossy = lossy || !valid_utf8(c.location);
    }
    if (!parsed.ok()) {
      fail(name,
           "cannot parse the oracle's V2 JSON " + *json + ": " + describe_error(parsed.error()));
    } else if (!lossy && !(*parsed == want)) {
      fail(name, "the oracle's V2 JSON " + *json + " parses to " + describe(*parsed) +
                     ", we mint " + describe(want));
    } else if (lossy && (parsed->identifier() != want.identifier() ||
                         parsed->signature() != want.signature() ||
                         parsed->caveats().size() != want.caveats().size())) {
      fail(name, "the oracle's V2 JSON " + *json + " parses to " + describe(*parsed));
    }
    if (go) {
      ++counts_.json_bytes_compared;
      if (l402::to_json_v2(want) != *json) {
        fail(name, "V2 JSON differs:\n  go-macaroon " + *json + "\n  libl402     " +
                       l402::to_json_v2(want));
      }
    }
  }

  // V1 (legacy), when the oracle wrote it: binary packets and V1 JSON.
  if (auto v1 = opt_hex(rec, "v1")) {
    ++counts_.v1_compared;
    auto parsed = l402::parse_binary(*v1);
    if (!parsed.ok()) {
      fail(name, "cannot parse the oracle's V1 binary " + to_hex(*v1) + ": " +
                     describe_error(parsed.error()));
    } else if (!(*parsed == want)) {
      fail(name,
           "the oracle's V1 binary parses to " + describe(*parsed) + ", we mint " + describe(want));
    }
    auto ours = l402::to_binary_v1(want);
    if (!ours.ok()) {
      fail(name, "libl402 cannot write V1: " + describe_error(ours.error()));
    } else if (*ours != *v1) {
      fail(name, "V1 binary differs:\n  oracle  " + to_hex(*v1) + "\n  libl402 " + to_hex(*ours));
    }
  }
  if (auto json_v1 = opt_hex(rec, "json_v1")) {
    ++counts_.json_parsed;
    auto parsed = l402::parse_json(*json_v1);
    if (!parsed.ok()) {
      fail(name,
           "cannot parse the oracle's V1 JSON " + *json_v1 + ": " + describe_error(parsed.error()));
    } else if (!(*parsed == want)) {
      fail(name, "the oracle's V1 JSON " + *json_v1 + " parses to " + describe(*parsed) +
                     ", we mint " + describe(want));
    }
    if (go) {
      ++counts_.json_bytes_compared;
      auto ours = l402::to_json_v1(want);
      if (!ours.ok() || *ours != *json_v1) {
        fail(name, "V1 JSON differs:\n  go-macaroon " + *json_v1 + "\n  libl402     " +
                       (ours.ok() ? *ours : describe_error(ours.error())));
      }
    }
  }

  // Discharges: ours, bound to our root, agree with the oracle's.
  std::vector<const MacSpec*> dspecs;
  discharge_specs(spec, dspecs);
  const auto& drecs = rec.at("discharges");
  if (drecs.size() != dspecs.size()) {
    fail(name, std::to_string(dspecs.size()) + " discharges expected, record has " +
                   std::to_string(drecs.size()));
    return;
  }
  std::vector<Macaroon> bound;
  for (std::size_t i = 0; i < dspecs.size(); ++i) {
    ++counts_.discharges;
    const auto& dr = drecs[i];
    const auto label = "discharge " + std::to_string(i);
    auto d = mint(*dspecs[i]);
    if (!d.ok()) {
      fail(name, label + ": libl402 cannot mint it: " + describe_error(d.error()));
      return;
    }
    if (to_hex(l402::as_view(d->signature())) != dr.at("sig").get<std::string>()) {
      fail(name, label + " unbound signature: oracle " + dr.at("sig").get<std::string>() +
                     ", libl402 " + to_hex(l402::as_view(d->signature())));
    }
    Macaroon b = want.bind_for_request(*d);
    if (to_hex(l402::as_view(b.signature())) != dr.at("bound_sig").get<std::string>()) {
      fail(name, label + " bound signature: oracle " + dr.at("bound_sig").get<std::string>() +
                     ", libl402 " + to_hex(l402::as_view(b.signature())));
    }
    if (auto bv2 = opt_hex(dr, "bound_v2")) {
      auto parsed = l402::parse_binary(*bv2);
      if (!parsed.ok()) {
        fail(name,
             label + ": cannot parse the oracle's bound V2: " + describe_error(parsed.error()));
      } else if (!(*parsed == b)) {
        fail(name, label + ": the oracle's bound V2 parses to " + describe(*parsed) + ", we bind " +
                       describe(b));
      }
      compare_binary(name, label + " bound V2", layout, b, *bv2);
    }
    if (auto bjson = opt_hex(dr, "bound_json")) {
      ++counts_.json_parsed;
      auto parsed = l402::parse_json(*bjson);
      bool lossy = !valid_utf8(b.location());
      for (const auto& c : b.caveats()) {
        lossy = lossy || !valid_utf8(c.location);
      }
      if (!parsed.ok()) {
        fail(name, label + ": cannot parse the oracle's bound V2 JSON " + *bjson + ": " +
                       describe_error(parsed.error()));
      } else if (!lossy && !(*parsed == b)) {
        fail(name, label + ": the oracle's bound V2 JSON " + *bjson + " parses to " +
                       describe(*parsed) + ", we bind " + describe(b));
      }
      if (go) {
        ++counts_.json_bytes_compared;
        if (l402::to_json_v2(b) != *bjson) {
          fail(name, label + " bound V2 JSON differs:\n  go-macaroon " + *bjson +
                         "\n  libl402     " + l402::to_json_v2(b));
        }
      }
    }
    bound.push_back(std::move(b));
  }

  // The stack: a root followed by its bound discharges, concatenated.
  std::vector<Macaroon> stack{want};
  stack.insert(stack.end(), bound.begin(), bound.end());
  if (auto oracle_stack = opt_hex(rec, "stack")) {
    ++counts_.stacks;
    auto parsed = l402::parse_binary_stack(*oracle_stack);
    if (!parsed.ok()) {
      fail(name, "cannot parse the oracle's stack: " + describe_error(parsed.error()));
    } else if (*parsed != stack) {
      fail(name, "the oracle's stack parses to something else");
    }
    std::string expected;
    if (layout == "pymacaroons") {
      for (const auto& m : stack) {
        expected += pymacaroons_layout(m);
      }
    } else {
      expected = l402::to_binary_stack(stack);
    }
    if (expected != *oracle_stack) {
      fail(name, "stack bytes differ");
    }
    // The text forms people pass around: std base64 (L402 headers) and hex (gRPC metadata).
    for (const auto& text : {l402::base64::encode_std(*oracle_stack), to_hex(*oracle_stack)}) {
      auto from_text = l402::parse_text(text);
      if (!from_text.ok()) {
        fail(name, "parse_text rejects the oracle's stack: " + describe_error(from_text.error()));
      } else if (*from_text != stack) {
        fail(name, "parse_text of the oracle's stack gives something else");
      }
    }
  }

  // Verification: the macaroon with the bound discharges verifies and yields the
  // conditions in the oracle's order; tampering fails.
  const std::span<const Macaroon> discharges(bound);
  auto conditions = l402::verify_macaroon(want, spec.key, discharges, nullptr);
  ++counts_.verified;
  if (!conditions.ok()) {
    fail(name, "libl402 rejects the oracle's macaroon: " + describe_error(conditions.error()));
  } else {
    Json got = Json::array();
    for (const auto& c : *conditions) {
      got.push_back(to_hex(c));
    }
    if (got != rec.at("conditions")) {
      fail(name, "verified conditions differ:\n  oracle  " + rec.at("conditions").dump() +
                     "\n  libl402 " + got.dump());
    }
  }
  const auto expect_rejected = [&](const std::string& what, const Macaroon& m, std::string_view key,
                                   std::span<const Macaroon> ds, l402::ErrorCode code) {
    ++counts_.negatives;
    auto r = l402::verify_macaroon(m, key, ds, nullptr);
    if (r.ok()) {
      fail(name, "libl402 accepts " + what);
    } else if (r.error().code() != code) {
      fail(name, "libl402 rejects " + what + " with " + describe_error(r.error()) + ", expected " +
                     std::string(l402::error_code_name(code)));
    }
  };
  expect_rejected("a wrong root key", want, spec.key + std::string(1, '\0'), discharges,
                  l402::ErrorCode::kUnauthenticated);
  auto sig = want.signature();
  sig[sig.size() - 1] ^= 1;
  const Macaroon tampered =
      Macaroon::from_parts(want.location(), want.identifier(), want.caveats(), sig);
  expect_rejected("a tampered signature", tampered, spec.key, discharges,
                  l402::ErrorCode::kUnauthenticated);
  if (!bound.empty()) {
    expect_rejected("a macaroon without its discharges", want, spec.key, {},
                    l402::ErrorCode::kNotFound);
  }
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
    if (line.empty()) {
      continue;
    }
    Json rec;
    try {
      rec = Json::parse(line);
      if (oracle.empty()) {
        oracle = rec.at("oracle").get<std::string>();
      }
      checker.check(rec);
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
  std::cout << "libl402 checked " << n.records << " macaroons minted by " << oracle << ": "
            << n.binary_compared << " V2 and " << n.v1_compared
            << " V1 binaries compared byte for byte, " << n.json_parsed << " JSON forms parsed ("
            << n.json_bytes_compared << " compared byte for byte), " << n.discharges
            << " discharges, " << n.stacks << " stacks, " << n.verified << " verified, "
            << n.negatives << " tampered variants rejected: " << checker.failures()
            << " failures\n";
  return checker.failures() == 0 ? 0 : 1;
}

int usage() {
  std::cerr << "usage: macaroon_interop_tool generate --count N --seed S --out FILE "
               "[--binary-locations]\n"
               "       macaroon_interop_tool check --in FILE\n";
  return 2;
}

int run(const std::vector<std::string>& args) {
  if (args.empty()) {
    return usage();
  }
  std::size_t count = 0;
  std::uint64_t seed = 1;
  std::string out;
  std::string in;
  bool binary_locations = false;
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
      } else if (a == "--binary-locations") {
        binary_locations = true;
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
    status = generate(count, seed, out, binary_locations);
  } else if (args[0] == "check" && !in.empty()) {
    status = check(in);
  } else {
    return usage();
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  std::printf("macaroon_interop_tool %s done in %.2fs\n", args[0].c_str(), elapsed.count());
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    std::cerr << "macaroon_interop_tool: " << e.what() << "\n";
    return 2;
  }
}
