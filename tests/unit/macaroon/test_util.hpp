// Shared helpers for the macaroon tests: hex without the library under test, the JSON vector
// file, building a macaroon from a vector, and assertions on Result values.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "l402/crypto.hpp"
#include "l402/encoding.hpp"
#include "l402/macaroon.hpp"
#include "l402/macaroon_format.hpp"
#include "l402/result.hpp"
#include "result_matchers.hpp"
#include "test_bytes.hpp"

namespace l402 {

// Readable gtest output for macaroons (found by ADL).
inline void PrintTo(const Caveat& caveat, std::ostream* os);
inline void PrintTo(const Macaroon& macaroon, std::ostream* os);

}  // namespace l402

namespace l402::test {

using test::from_hex;
using test::to_hex;

inline std::string to_hex(const Hash256& digest) { return to_hex(as_view(digest)); }

inline Hash256 hash_from_hex(std::string_view text) {
  const std::string bytes = from_hex(text);
  if (bytes.size() != 32) throw std::invalid_argument("hash literal is not 32 bytes");
  Hash256 out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(bytes[i]);
  return out;
}

// ---- The vector file ----------------------------------------------------------------------

inline const nlohmann::json& vectors() {
  static const nlohmann::json data = [] {
    const std::string path = std::string(L402_TEST_DATA_DIR) + "/macaroon_vectors.json";
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return nlohmann::json::parse(buffer.str());
  }();
  return data;
}

inline const nlohmann::json& find_named(const char* list, std::string_view name) {
  for (const auto& entry : vectors().at(list)) {
    if (entry.at("name").get<std::string>() == name) return entry;
  }
  throw std::out_of_range("no vector named " + std::string(name) + " in " + list);
}

inline const nlohmann::json& macaroon_vector(std::string_view name) {
  return find_named("macaroons", name);
}
inline const nlohmann::json& discharge_vector(std::string_view name) {
  return find_named("discharges", name);
}

// A byte field given as "<prefix>_text" (ASCII) or "<prefix>_hex".
inline std::string bytes_field(const nlohmann::json& object, const std::string& prefix) {
  if (object.contains(prefix + "_text")) return object.at(prefix + "_text").get<std::string>();
  return from_hex(object.at(prefix + "_hex").get<std::string>());
}

inline std::string text(const nlohmann::json& object, const char* key) {
  return object.at(key).get<std::string>();
}

// Decodes test data base64 (any variant) with the library codec; throws on bad data.
inline std::string base64_bytes(std::string_view text) {
  Result<std::string> decoded = base64::decode(text);
  if (!decoded.ok()) throw std::invalid_argument("bad base64 in test data");
  return std::move(decoded).value();
}

// Adds the vector's caveats [0, count) to `macaroon`.
inline Result<void> add_vector_caveats(Macaroon& macaroon, const nlohmann::json& caveats,
                                       std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    const nlohmann::json& caveat = caveats.at(i);
    if (caveat.value("third_party", false)) {
      L402_RETURN_IF_ERROR(macaroon.add_third_party_caveat_with_nonce(
          bytes_field(caveat, "caveat_key"), bytes_field(caveat, "caveat_id"),
          text(caveat, "location"), from_hex(text(caveat, "nonce_hex"))));
    } else {
      L402_RETURN_IF_ERROR(macaroon.add_first_party_caveat(bytes_field(caveat, "condition")));
    }
  }
  return ok_result();
}

// Mints the macaroon of a vector and adds its first `count` caveats (all by default).
inline Result<Macaroon> build_macaroon(const nlohmann::json& vector,
                                       std::optional<std::size_t> count = std::nullopt) {
  L402_ASSIGN_OR_RETURN(Macaroon macaroon, Macaroon::mint(bytes_field(vector, "root_key"),
                                                          bytes_field(vector, "identifier"),
                                                          text(vector, "location")));
  const nlohmann::json& caveats = vector.at("caveats");
  L402_RETURN_IF_ERROR(add_vector_caveats(macaroon, caveats, count.value_or(caveats.size())));
  return macaroon;
}

// Mints a discharge vector (with its caveat key), unbound.
inline Result<Macaroon> build_discharge(const nlohmann::json& vector) {
  L402_ASSIGN_OR_RETURN(Macaroon discharge, Macaroon::mint(bytes_field(vector, "caveat_key"),
                                                           bytes_field(vector, "identifier"),
                                                           text(vector, "location")));
  const nlohmann::json& caveats = vector.at("caveats");
  L402_RETURN_IF_ERROR(add_vector_caveats(discharge, caveats, caveats.size()));
  return discharge;
}

// The V2 binary of a vector's final macaroon, from its v2_hex serialisation.
inline std::string vector_v2_binary(const nlohmann::json& vector) {
  const std::size_t all = vector.at("caveats").size();
  for (const auto& s : vector.at("serializations")) {
    if (s.at("form") == "v2_hex" && s.at("after_caveats").get<std::size_t>() == all) {
      return from_hex(s.at("value").get<std::string>());
    }
  }
  throw std::out_of_range("vector has no v2_hex of its final macaroon");
}

// The 7.3 synthetic L402 token: 207 bytes, root key 00..1f.
inline const nlohmann::json& l402_token_vector() {
  return macaroon_vector("7.3 synthetic L402 token");
}

// Printable ASCII as a quoted string, anything else as hex.
inline std::string printable(std::string_view bytes) {
  for (const char c : bytes) {
    if (c < 0x20 || c > 0x7e) return "0x" + to_hex(bytes);
  }
  return "\"" + std::string(bytes) + "\"";
}

}  // namespace l402::test

namespace l402 {

inline void PrintTo(const Caveat& caveat, std::ostream* os) {
  *os << "{id=" << test::printable(caveat.id);
  if (!caveat.verification_id.empty()) *os << " vid=" << test::to_hex(caveat.verification_id);
  if (!caveat.location.empty()) *os << " location=" << test::printable(caveat.location);
  *os << "}";
}

inline void PrintTo(const Macaroon& macaroon, std::ostream* os) {
  *os << "Macaroon{location=" << test::printable(macaroon.location())
      << " id=" << test::printable(macaroon.identifier()) << " caveats=[";
  for (const Caveat& caveat : macaroon.caveats()) {
    PrintTo(caveat, os);
    *os << " ";
  }
  *os << "] sig=" << test::to_hex(macaroon.signature()) << "}";
}

}  // namespace l402
