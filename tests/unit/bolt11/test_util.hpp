// Shared helpers for the BOLT 11 tests: the JSONL vector file, hex and bech32 written here
// (so that a broken library codec cannot make a test pass), and assertions on Result values.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "l402/bolt11.hpp"
#include "l402/crypto.hpp"
#include "l402/result.hpp"
#include "l402/secret.hpp"
#include "result_matchers.hpp"
#include "test_bytes.hpp"

namespace l402::b11test {

using nlohmann::json;

// The key of every valid spec vector, and its public key.
inline constexpr std::string_view kPrivKeyHex =
    "e126f68f7eafcc8b74f54d269fe206be715000f94dac067d1c04a8ca3b2db734";
inline constexpr std::string_view kPubKeyHex =
    "03e7156ae33b0a208d0744199163177e909e80176e55d97a2f221ede0f934dd9ad";
inline constexpr std::uint64_t kVectorTimestamp = 1496314658;

inline constexpr std::string_view kCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

// ---------------------------------------------------------------------------------------------
// Hex

using test::from_hex;
using test::to_hex;

template <std::size_t N>
std::string to_hex(const std::array<std::uint8_t, N>& bytes) {
  return to_hex(std::string_view(reinterpret_cast<const char*>(bytes.data()), N));
}

template <std::size_t N>
std::array<std::uint8_t, N> array_from_hex(std::string_view text) {
  const std::string bytes = from_hex(text);
  if (bytes.size() != N) throw std::invalid_argument("hex literal has the wrong length");
  std::array<std::uint8_t, N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = static_cast<std::uint8_t>(bytes[i]);
  return out;
}

inline Hash256 hash_from_hex(std::string_view text) { return array_from_hex<32>(text); }
inline PublicKey pubkey_from_hex(std::string_view text) { return array_from_hex<33>(text); }

inline Hash256 filled_hash(std::uint8_t byte) {
  Hash256 out{};
  out.fill(byte);
  return out;
}

inline SecretBytes vector_private_key() { return SecretBytes(from_hex(kPrivKeyHex)); }

// ---------------------------------------------------------------------------------------------
// Strings

inline std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

inline std::string to_upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Bech32, written from BIP 173 for the tests

inline std::uint32_t polymod(const std::vector<std::uint8_t>& values) {
  static constexpr std::uint32_t kGen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd,
                                            0x2a1462b3};
  std::uint32_t chk = 1;
  for (const std::uint8_t v : values) {
    const std::uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (int i = 0; i < 5; ++i) {
      if ((top >> i) & 1U) chk ^= kGen[i];
    }
  }
  return chk;
}

inline std::vector<std::uint8_t> hrp_expand(std::string_view hrp) {
  std::vector<std::uint8_t> out;
  for (const char c : hrp)
    out.push_back(static_cast<std::uint8_t>(static_cast<unsigned char>(c) >> 5));
  out.push_back(0);
  for (const char c : hrp)
    out.push_back(static_cast<std::uint8_t>(static_cast<unsigned char>(c) & 31));
  return out;
}

// hrp + "1" + data + checksum (bech32, or bech32m with its constant).
inline std::string bech32_encode(std::string_view hrp, const std::vector<std::uint8_t>& words,
                                 bool bech32m = false) {
  std::vector<std::uint8_t> values = hrp_expand(hrp);
  values.insert(values.end(), words.begin(), words.end());
  values.insert(values.end(), 6, 0);
  const std::uint32_t pm = polymod(values) ^ (bech32m ? 0x2bc830a3U : 1U);
  std::string out(hrp);
  out += '1';
  for (const std::uint8_t w : words) out += kCharset.at(w);
  for (int i = 0; i < 6; ++i) out += kCharset.at((pm >> (5 * (5 - i))) & 31);
  return out;
}

// An invoice split into its (lower-case) hrp and its data words without the checksum. No
// checks: test data only.
struct SplitInvoice {
  std::string hrp;
  std::vector<std::uint8_t> words;
};

inline SplitInvoice split_invoice(std::string_view invoice) {
  const std::string lower = to_lower(invoice);
  const std::size_t sep = lower.rfind('1');
  if (sep == std::string::npos) throw std::invalid_argument("test invoice has no separator");
  SplitInvoice out;
  out.hrp = lower.substr(0, sep);
  const std::string data = lower.substr(sep + 1, lower.size() - sep - 1 - 6);
  for (const char c : data) {
    const std::size_t value = kCharset.find(c);
    if (value == std::string_view::npos) throw std::invalid_argument("bad char in test invoice");
    out.words.push_back(static_cast<std::uint8_t>(value));
  }
  return out;
}

// 5-bit words to bytes, big-endian bitstream, zero bits appended to a byte boundary.
inline std::string pack_words(const std::vector<std::uint8_t>& words, std::size_t begin,
                              std::size_t end) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = begin; i < end; ++i) {
    acc = (acc << 5) | words[i];
    bits += 5;
    while (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if (bits > 0) out += static_cast<char>((acc << (8 - bits)) & 0xff);
  return out;
}

// Bytes to 5-bit words, zero padded.
inline std::vector<std::uint8_t> unpack_bytes(std::string_view bytes) {
  std::vector<std::uint8_t> out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : bytes) {
    acc = (acc << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 31));
    }
  }
  if (bits > 0) out.push_back(static_cast<std::uint8_t>((acc << (5 - bits)) & 31));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Vectors

inline const std::vector<json>& vectors() {
  static const std::vector<json> all = [] {
    std::ifstream in(std::string(L402_TEST_DATA_DIR) + "/bolt11_vectors.jsonl");
    if (!in) throw std::runtime_error("cannot open tests/data/bolt11_vectors.jsonl");
    std::vector<json> out;
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) out.push_back(json::parse(line));
    }
    return out;
  }();
  return all;
}

inline const json& vector_named(std::string_view name) {
  for (const json& v : vectors()) {
    if (v.at("name").get<std::string>() == name) return v;
  }
  throw std::invalid_argument("no vector named " + std::string(name));
}

inline std::string invoice_named(std::string_view name) {
  return vector_named(name).at("invoice").get<std::string>();
}

// ---------------------------------------------------------------------------------------------
// Assertions

using test::describe;
using test::HasError;
using test::HasErrorMentioningAnyOf;
using test::IsOk;

// Fails in either of two codes (for rules whose class the header leaves open).
template <typename R>
::testing::AssertionResult FailsWithOneOf(const R& result, ErrorCode a, ErrorCode b) {
  if (result.ok()) return ::testing::AssertionFailure() << "the call succeeded";
  if (result.error().code() == a || result.error().code() == b) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "unexpected error " << describe(result.error());
}

// ---------------------------------------------------------------------------------------------
// Building invoices

// The minimal valid field set: p, d, s and features {8, 14}.
inline std::vector<TaggedField> basic_fields(std::string_view description = "test") {
  static constexpr std::uint32_t kBits[] = {8, 14};
  return {bolt11_field::payment_hash(filled_hash(0x42)), bolt11_field::description(description),
          bolt11_field::payment_secret(filled_hash(0x11)), bolt11_field::features(kBits)};
}

inline UnsignedInvoice basic_invoice() {
  UnsignedInvoice invoice;
  invoice.network = Network::kBitcoin;
  invoice.amount = Msat(250'000'000);
  invoice.timestamp = kVectorTimestamp;
  invoice.fields = basic_fields();
  return invoice;
}

// Signs with the vector key; a failure to encode is a test bug (reported, then thrown).
inline std::string sign(const UnsignedInvoice& invoice) {
  Result<std::string> text = encode_invoice(invoice, vector_private_key());
  if (!text.ok()) {
    ADD_FAILURE() << "encode_invoice failed: " << describe(text.error());
    throw std::runtime_error("encode_invoice failed");
  }
  return *text;
}

// The same invoice with another hrp, its checksum recomputed (the signature no longer covers
// the hrp, so without an `n` field recovery yields some other key).
inline std::string with_hrp(std::string_view invoice, std::string_view hrp) {
  const SplitInvoice split = split_invoice(invoice);
  return bech32_encode(hrp, split.words);
}

}  // namespace l402::b11test
