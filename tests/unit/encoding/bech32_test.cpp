#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "l402/encoding.hpp"

namespace l402 {
namespace {

using bech32::Variant;

// BIP 173's own limit; our decoder takes the cap as an argument instead.
constexpr std::size_t kBip173MaxLength = 90;
constexpr std::string_view kCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view hrp_of(std::string_view text) { return text.substr(0, text.rfind('1')); }

struct ValidString {
  std::string_view text;
  Variant variant;
};

// BIP 173 "Test vectors": valid Bech32 strings, and BIP 350: valid Bech32m strings.
constexpr ValidString kValidStrings[] = {
    {"A12UEL5L", Variant::kBech32},
    {"a12uel5l", Variant::kBech32},
    {"an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
     Variant::kBech32},
    {"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", Variant::kBech32},
    {"11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
     Variant::kBech32},
    {"split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w", Variant::kBech32},
    {"?1ezyfcl", Variant::kBech32},
    {"A1LQFN3A", Variant::kBech32m},
    {"a1lqfn3a", Variant::kBech32m},
    {"an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
     Variant::kBech32m},
    {"abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx", Variant::kBech32m},
    {"11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
     Variant::kBech32m},
    {"split1checkupstagehandshakeupstreamerranterredcaperredlc445v", Variant::kBech32m},
    {"?1v759aa", Variant::kBech32m},
};

struct InvalidString {
  std::string_view text;
  std::string_view bip_reason;
  std::string_view message;  // what our decoder's error message must contain
};

// BIP 173 and BIP 350 "invalid strings", except the over-long ones (see below).
constexpr InvalidString kInvalidStrings[] = {
    // BIP 173
    {"\x20"
     "1nwldj5",
     "HRP character out of range", "invalid character at offset 0"},
    {"\x7f"
     "1axkwrx",
     "HRP character out of range", "invalid character at offset 0"},
    {"\x80"
     "1eym55h",
     "HRP character out of range", "invalid character at offset 0"},
    {"pzry9x0s0muk", "No separator character", "no separator"},
    {"1pzry9x0s0muk", "Empty HRP", "empty human-readable part"},
    {"x1b4n0q5v", "Invalid data character", "invalid data character at offset 2"},
    {"li1dgmt3", "Too short checksum", "checksum too short"},
    {"de1lg7wt\xff", "Invalid character in checksum", "invalid character at offset 8"},
    {"A1G7SGD8", "checksum calculated with uppercase form of HRP", "checksum mismatch"},
    {"10a06t8", "empty HRP", "empty human-readable part"},
    {"1qzzfhee", "empty HRP", "empty human-readable part"},
    // BIP 350
    {"\x20"
     "1xj0phk",
     "HRP character out of range", "invalid character at offset 0"},
    {"\x7f"
     "1g6xzxy",
     "HRP character out of range", "invalid character at offset 0"},
    {"\x80"
     "1vctc34",
     "HRP character out of range", "invalid character at offset 0"},
    {"qyrz8wqd2c9m", "No separator character", "no separator"},
    {"1qyrz8wqd2c9m", "Empty HRP", "empty human-readable part"},
    {"y1b0jsk6g", "Invalid data character", "invalid data character at offset 2"},
    {"lt1igcx5c0", "Invalid data character", "invalid data character at offset 3"},
    {"in1muywd", "Too short checksum", "checksum too short"},
    {"mm1crxm3i", "Invalid character in checksum", "invalid data character at offset 8"},
    {"au1s5cgom", "Invalid character in checksum", "invalid data character at offset 7"},
    {"M1VUXWEZ", "checksum calculated with uppercase form of HRP", "checksum mismatch"},
    {"16plkw9", "empty HRP", "empty human-readable part"},
    {"1p2gdwpf", "empty HRP", "empty human-readable part"},
};

// The BIPs list these as invalid only for "overall max length exceeded" (91 characters).
constexpr ValidString kOverLongStrings[] = {
    {"an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
     Variant::kBech32},
    {"an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",
     Variant::kBech32m},
};

// ---- Segwit addresses: the BIPs' address vectors, checked with a minimal decoder built on
// bech32::decode and bech32::convert_bits, as BIP 173 "Decoding" and BIP 350 describe it.

enum class Rules { kBip173, kBip350 };

enum class SegwitFailure {
  kNone,
  kBech32,         // bech32::decode failed
  kHrp,            // not the expected human-readable part
  kEmptyData,      // no witness version
  kVersion,        // witness version above 16
  kPadding,        // convert_bits 5 -> 8 refused the padding
  kProgramLength,  // program outside 2..40 bytes
  kV0Length,       // version 0 with a program of neither 20 nor 32 bytes
  kVariant,        // bech32 where bech32m is required or the reverse
};

struct Segwit {
  SegwitFailure failure = SegwitFailure::kNone;
  std::string script_pubkey_hex;
};

std::string to_hex(std::span<const std::uint8_t> bytes) {
  constexpr std::string_view kDigits = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0x0f];
  }
  return out;
}

Segwit decode_segwit(std::string_view hrp, std::string_view address, Rules rules) {
  const Result<bech32::Decoded> decoded = bech32::decode(address, kBip173MaxLength);
  if (!decoded.ok()) return {SegwitFailure::kBech32, {}};
  if (decoded->hrp != hrp) return {SegwitFailure::kHrp, {}};
  if (decoded->data.empty()) return {SegwitFailure::kEmptyData, {}};
  const std::uint8_t version = decoded->data[0];
  if (version > 16) return {SegwitFailure::kVersion, {}};
  const Result<std::vector<std::uint8_t>> program =
      bech32::convert_bits(std::span(decoded->data).subspan(1), 5, 8, /*pad=*/false);
  if (!program.ok()) return {SegwitFailure::kPadding, {}};
  if (program->size() < 2 || program->size() > 40) return {SegwitFailure::kProgramLength, {}};
  if (version == 0 && program->size() != 20 && program->size() != 32) {
    return {SegwitFailure::kV0Length, {}};
  }
  const Variant required =
      (rules == Rules::kBip173 || version == 0) ? Variant::kBech32 : Variant::kBech32m;
  if (decoded->variant != required) return {SegwitFailure::kVariant, {}};

  std::vector<std::uint8_t> script;
  script.push_back(version == 0 ? 0x00 : static_cast<std::uint8_t>(0x50 + version));
  script.push_back(static_cast<std::uint8_t>(program->size()));
  script.insert(script.end(), program->begin(), program->end());
  return {SegwitFailure::kNone, to_hex(script)};
}

std::string_view expected_hrp(std::string_view address) {
  return to_lower(address.substr(0, 2)) == "tb" ? "tb" : "bc";
}

struct ValidAddress {
  std::string_view address;
  std::string_view script_pubkey;
};

// BIP 173 "Valid Bech32 addresses" (under BIP 173 rules every version used Bech32).
constexpr ValidAddress kBip173ValidAddresses[] = {
    {"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "0014751e76e8199196d454941c45d1b3a323f1433bd6"},
    {"tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
     "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262"},
    {"bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx",
     "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6"},
    {"BC1SW50QA3JX3S", "6002751e"},
    {"bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj", "5210751e76e8199196d454941c45d1b3a323"},
    {"tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
     "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"},
};

// BIP 350 "Valid segwit addresses".
constexpr ValidAddress kBip350ValidAddresses[] = {
    {"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "0014751e76e8199196d454941c45d1b3a323f1433bd6"},
    {"tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
     "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262"},
    {"bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
     "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6"},
    {"BC1SW50QGDZ25J", "6002751e"},
    {"bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "5210751e76e8199196d454941c45d1b3a323"},
    {"tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy",
     "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"},
    {"tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
     "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"},
    {"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
     "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"},
};

struct InvalidAddress {
  std::string_view address;
  SegwitFailure failure;
  std::string_view bip_reason;
};

// BIP 173 "Invalid Bech32 addresses".
constexpr InvalidAddress kBip173InvalidAddresses[] = {
    {"tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty", SegwitFailure::kHrp,
     "Invalid human-readable part"},
    {"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", SegwitFailure::kBech32, "Invalid checksum"},
    {"BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2", SegwitFailure::kVersion,
     "Invalid witness version"},
    {"bc1rw5uspcuh", SegwitFailure::kProgramLength, "Invalid program length"},
    {"bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90",
     SegwitFailure::kProgramLength, "Invalid program length"},
    {"BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", SegwitFailure::kV0Length,
     "Invalid program length for witness version 0 (per BIP141)"},
    {"tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7", SegwitFailure::kBech32,
     "Mixed case"},
    {"bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du", SegwitFailure::kPadding,
     "zero padding of more than 4 bits"},
    {"tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv", SegwitFailure::kPadding,
     "Non-zero padding in 8-to-5 conversion"},
    {"bc1gmk9yu", SegwitFailure::kEmptyData, "Empty data section"},
};

// BIP 350 "Invalid segwit addresses".
constexpr InvalidAddress kBip350InvalidAddresses[] = {
    {"tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut", SegwitFailure::kHrp,
     "Invalid human-readable part"},
    {"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", SegwitFailure::kVariant,
     "Invalid checksum (Bech32 instead of Bech32m)"},
    {"tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf", SegwitFailure::kVariant,
     "Invalid checksum (Bech32 instead of Bech32m)"},
    {"BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL", SegwitFailure::kVariant,
     "Invalid checksum (Bech32 instead of Bech32m)"},
    {"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", SegwitFailure::kVariant,
     "Invalid checksum (Bech32m instead of Bech32)"},
    {"tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47", SegwitFailure::kVariant,
     "Invalid checksum (Bech32m instead of Bech32)"},
    {"bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4", SegwitFailure::kBech32,
     "Invalid character in checksum"},
    {"BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R", SegwitFailure::kVersion,
     "Invalid witness version"},
    {"bc1pw5dgrnzv", SegwitFailure::kProgramLength, "Invalid program length (1 byte)"},
    {"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
     SegwitFailure::kProgramLength, "Invalid program length (41 bytes)"},
    {"BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", SegwitFailure::kV0Length,
     "Invalid program length for witness version 0 (per BIP141)"},
    {"tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq", SegwitFailure::kBech32,
     "Mixed case"},
    {"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf", SegwitFailure::kPadding,
     "zero padding of more than 4 bits"},
    {"tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j", SegwitFailure::kPadding,
     "Non-zero padding in 8-to-5 conversion"},
    {"bc1gmk9yu", SegwitFailure::kEmptyData, "Empty data section"},
};

std::vector<std::uint8_t> random_bytes(std::mt19937& rng, std::size_t length, int bound) {
  std::uniform_int_distribution<int> value(0, bound - 1);
  std::vector<std::uint8_t> out(length);
  for (auto& b : out) b = static_cast<std::uint8_t>(value(rng));
  return out;
}

TEST(Bech32Decode, AcceptsBipValidStrings) {
  for (const ValidString& v : kValidStrings) {
    const Result<bech32::Decoded> decoded = bech32::decode(v.text, kBip173MaxLength);
    ASSERT_TRUE(decoded.ok()) << v.text << ": " << decoded.error().message();
    EXPECT_EQ(decoded->variant, v.variant) << v.text;
    EXPECT_EQ(decoded->hrp, to_lower(hrp_of(v.text))) << v.text;
    const std::size_t data_chars = v.text.size() - hrp_of(v.text).size() - 1;
    EXPECT_EQ(decoded->data.size(), data_chars - 6) << v.text;
  }
}

TEST(Bech32Decode, AcceptsBipValidStringsOfExactlyTheBipMaximumLength) {
  std::size_t at_maximum = 0;
  for (const ValidString& v : kValidStrings) at_maximum += v.text.size() == kBip173MaxLength;
  EXPECT_EQ(at_maximum, 4u);
}

TEST(Bech32Decode, ReturnsTheDataGroups) {
  const Result<bech32::Decoded> decoded =
      bech32::decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", kBip173MaxLength);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->hrp, "abcdef");
  // The data part spells the charset in order, so group i has value i.
  ASSERT_EQ(decoded->data.size(), 32u);
  for (std::size_t i = 0; i < 32; ++i) EXPECT_EQ(decoded->data[i], i);

  const Result<bech32::Decoded> empty = bech32::decode("a12uel5l", kBip173MaxLength);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->hrp, "a");
  EXPECT_TRUE(empty->data.empty());
}

TEST(Bech32Decode, RejectsBipInvalidStringsForTheirStatedReason) {
  for (const InvalidString& v : kInvalidStrings) {
    const Result<bech32::Decoded> decoded = bech32::decode(v.text, kBip173MaxLength);
    ASSERT_FALSE(decoded.ok()) << v.bip_reason << ": " << v.text;
    EXPECT_EQ(decoded.error().code(), ErrorCode::kInvalidArgument) << v.text;
    EXPECT_NE(decoded.error().message().find(v.message), std::string::npos)
        << v.bip_reason << ": got '" << decoded.error().message() << "'";
  }
}

TEST(Bech32Decode, DecodesOverLongBipStringsUnderALargerCap) {
  for (const ValidString& v : kOverLongStrings) {
    ASSERT_EQ(v.text.size(), 91u);
    const Result<bech32::Decoded> decoded = bech32::decode(v.text, 1000);
    ASSERT_TRUE(decoded.ok()) << v.text << ": " << decoded.error().message();
    EXPECT_EQ(decoded->variant, v.variant);
    EXPECT_EQ(decoded->hrp, hrp_of(v.text));
    EXPECT_EQ(decoded->hrp.size(), 84u);
  }
}

TEST(Bech32Decode, RejectsOverLongBipStringsUnderTheBipCap) {
  for (const ValidString& v : kOverLongStrings) {
    const Result<bech32::Decoded> decoded = bech32::decode(v.text, kBip173MaxLength);
    ASSERT_FALSE(decoded.ok()) << v.text;
    EXPECT_EQ(decoded.error().code(), ErrorCode::kLimitExceeded);
  }
}

TEST(Bech32Decode, AppliesTheCapInclusively) {
  for (const ValidString& v : kValidStrings) {
    EXPECT_TRUE(bech32::decode(v.text, v.text.size()).ok()) << v.text;
    const Result<bech32::Decoded> over = bech32::decode(v.text, v.text.size() - 1);
    ASSERT_FALSE(over.ok()) << v.text;
    EXPECT_EQ(over.error().code(), ErrorCode::kLimitExceeded) << v.text;
  }
}

TEST(Bech32Decode, RejectsMixedCase) {
  for (std::string_view text : {"A12uEL5L", "a12UEL5L", "A12uel5l", "a1LQFN3A", "A1lqfn3a",
                                "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxW"}) {
    const Result<bech32::Decoded> decoded = bech32::decode(text, kBip173MaxLength);
    ASSERT_FALSE(decoded.ok()) << text;
    EXPECT_EQ(decoded.error().code(), ErrorCode::kInvalidArgument) << text;
    EXPECT_NE(decoded.error().message().find("mixed"), std::string::npos) << text;
  }
}

TEST(Bech32Decode, AcceptsAllUpperCase) {
  for (const ValidString& v : kValidStrings) {
    std::string upper(v.text);
    for (char& c : upper) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    const Result<bech32::Decoded> from_upper = bech32::decode(upper, kBip173MaxLength);
    const Result<bech32::Decoded> from_lower = bech32::decode(to_lower(v.text), kBip173MaxLength);
    ASSERT_TRUE(from_upper.ok()) << upper;
    ASSERT_TRUE(from_lower.ok()) << v.text;
    EXPECT_EQ(from_upper->hrp, from_lower->hrp);
    EXPECT_EQ(from_upper->data, from_lower->data);
    EXPECT_EQ(from_upper->variant, from_lower->variant);
  }
}

TEST(Bech32Decode, DetectsEverySingleCharacterSubstitution) {
  for (const ValidString& v : kValidStrings) {
    const std::string text = to_lower(v.text);
    const std::size_t separator = text.rfind('1');
    for (std::size_t i = separator + 1; i < text.size(); ++i) {
      for (char replacement : kCharset) {
        if (replacement == text[i]) continue;
        std::string corrupted = text;
        corrupted[i] = replacement;
        const Result<bech32::Decoded> decoded = bech32::decode(corrupted, kBip173MaxLength);
        ASSERT_FALSE(decoded.ok()) << corrupted;
        EXPECT_EQ(decoded.error().code(), ErrorCode::kInvalidArgument);
      }
    }
    for (std::size_t i = 0; i < separator; ++i) {
      std::string corrupted = text;
      corrupted[i] = corrupted[i] == 'x' ? 'y' : 'x';
      EXPECT_FALSE(bech32::decode(corrupted, kBip173MaxLength).ok()) << corrupted;
    }
  }
}

TEST(Bech32Encode, ReproducesBipValidStrings) {
  for (const ValidString& v : kValidStrings) {
    const Result<bech32::Decoded> decoded = bech32::decode(v.text, kBip173MaxLength);
    ASSERT_TRUE(decoded.ok()) << v.text;
    EXPECT_EQ(bech32::encode(decoded->hrp, decoded->data, decoded->variant), to_lower(v.text));
  }
}

TEST(Bech32Encode, ChecksumDependsOnTheVariant) {
  const std::vector<std::uint8_t> empty;
  EXPECT_EQ(bech32::encode("a", empty, Variant::kBech32), "a12uel5l");
  EXPECT_EQ(bech32::encode("a", empty, Variant::kBech32m), "a1lqfn3a");
}

TEST(Bech32, RoundTripsRandomData) {
  std::mt19937 rng(0xb32);
  for (std::size_t length = 0; length <= 200; ++length) {
    const std::vector<std::uint8_t> data = random_bytes(rng, length, 32);
    for (Variant variant : {Variant::kBech32, Variant::kBech32m}) {
      const std::string text = bech32::encode("lnbc", data, variant);
      ASSERT_EQ(text.size(), 4 + 1 + length + 6);
      const Result<bech32::Decoded> decoded = bech32::decode(text, text.size());
      ASSERT_TRUE(decoded.ok()) << text;
      EXPECT_EQ(decoded->hrp, "lnbc");
      EXPECT_EQ(decoded->data, data);
      EXPECT_EQ(decoded->variant, variant);
    }
  }
}

TEST(Bech32Segwit, DecodesBip173ValidAddressesUnderBip173Rules) {
  for (const ValidAddress& v : kBip173ValidAddresses) {
    const Segwit result = decode_segwit(expected_hrp(v.address), v.address, Rules::kBip173);
    EXPECT_EQ(result.failure, SegwitFailure::kNone) << v.address;
    EXPECT_EQ(result.script_pubkey_hex, v.script_pubkey) << v.address;
  }
}

TEST(Bech32Segwit, DecodesBip350ValidAddresses) {
  for (const ValidAddress& v : kBip350ValidAddresses) {
    const Segwit result = decode_segwit(expected_hrp(v.address), v.address, Rules::kBip350);
    EXPECT_EQ(result.failure, SegwitFailure::kNone) << v.address;
    EXPECT_EQ(result.script_pubkey_hex, v.script_pubkey) << v.address;
  }
}

TEST(Bech32Segwit, RejectsBip173VersionOneAndUpAddressesUnderBip350Rules) {
  // BIP 350 replaced the checksum of witness versions 1 to 16.
  for (const ValidAddress& v : kBip173ValidAddresses) {
    const Segwit result = decode_segwit(expected_hrp(v.address), v.address, Rules::kBip350);
    const bool version_zero = to_lower(v.address)[3] == 'q';
    EXPECT_EQ(result.failure, version_zero ? SegwitFailure::kNone : SegwitFailure::kVariant)
        << v.address;
  }
}

TEST(Bech32Segwit, RejectsBip173InvalidAddressesForTheirStatedReason) {
  for (const InvalidAddress& v : kBip173InvalidAddresses) {
    EXPECT_EQ(decode_segwit(expected_hrp(v.address), v.address, Rules::kBip173).failure, v.failure)
        << v.bip_reason << ": " << v.address;
  }
}

TEST(Bech32Segwit, RejectsBip350InvalidAddressesForTheirStatedReason) {
  for (const InvalidAddress& v : kBip350InvalidAddresses) {
    EXPECT_EQ(decode_segwit(expected_hrp(v.address), v.address, Rules::kBip350).failure, v.failure)
        << v.bip_reason << ": " << v.address;
  }
}

TEST(Bech32ConvertBits, RoundTripsEightToFiveToEight) {
  std::mt19937 rng(0x85);
  for (std::size_t length = 0; length <= 200; ++length) {
    const std::vector<std::uint8_t> bytes = random_bytes(rng, length, 256);
    const Result<std::vector<std::uint8_t>> five = bech32::convert_bits(bytes, 8, 5, true);
    ASSERT_TRUE(five.ok()) << length;
    EXPECT_EQ(five->size(), (length * 8 + 4) / 5) << length;
    for (std::uint8_t group : *five) ASSERT_LT(group, 32u);
    const Result<std::vector<std::uint8_t>> eight = bech32::convert_bits(*five, 5, 8, false);
    ASSERT_TRUE(eight.ok()) << length << ": " << eight.error().message();
    EXPECT_EQ(*eight, bytes) << length;
  }
}

TEST(Bech32ConvertBits, RegroupsKnownBits) {
  // 0xff 0x00 = 11111 11100 00000 0(0000)
  const std::vector<std::uint8_t> bytes = {0xff, 0x00};
  const Result<std::vector<std::uint8_t>> five = bech32::convert_bits(bytes, 8, 5, true);
  ASSERT_TRUE(five.ok());
  EXPECT_EQ(*five, (std::vector<std::uint8_t>{31, 28, 0, 0}));
  // 0x01 = 00000 001(00)
  const std::vector<std::uint8_t> one = {0x01};
  const Result<std::vector<std::uint8_t>> padded = bech32::convert_bits(one, 8, 5, true);
  ASSERT_TRUE(padded.ok());
  EXPECT_EQ(*padded, (std::vector<std::uint8_t>{0, 4}));
}

TEST(Bech32ConvertBits, AcceptsEmptyInput) {
  const std::vector<std::uint8_t> none;
  for (bool pad : {false, true}) {
    const Result<std::vector<std::uint8_t>> out = bech32::convert_bits(none, 5, 8, pad);
    ASSERT_TRUE(out.ok());
    EXPECT_TRUE(out->empty());
  }
}

TEST(Bech32ConvertBits, RejectsFiveOrMorePaddingBits) {
  // n groups carry 5n bits, i.e. 5n mod 8 bits beyond whole bytes. With 1, 3 or 6 groups that is
  // 5, 7 or 6 bits: a whole 5-bit group that carries no data, which BIP 173 forbids.
  for (std::size_t groups = 0; groups <= 16; ++groups) {
    const std::vector<std::uint8_t> zeros(groups, 0);
    const Result<std::vector<std::uint8_t>> out = bech32::convert_bits(zeros, 5, 8, false);
    const bool too_much_padding = (groups * 5) % 8 >= 5;
    ASSERT_EQ(out.ok(), !too_much_padding) << groups << " groups";
    if (out.ok()) {
      EXPECT_EQ(out->size(), groups * 5 / 8);
    } else {
      EXPECT_EQ(out.error().code(), ErrorCode::kInvalidArgument);
    }
  }
}

TEST(Bech32ConvertBits, RejectsNonZeroPaddingBits) {
  // 0xff as 5-bit groups with padding is {31, 28}; any low bit set in the last group is an error.
  const std::vector<std::uint8_t> canonical = {31, 28};
  const Result<std::vector<std::uint8_t>> ok = bech32::convert_bits(canonical, 5, 8, false);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, (std::vector<std::uint8_t>{0xff}));
  for (std::uint8_t last : {std::uint8_t{29}, std::uint8_t{30}, std::uint8_t{31}}) {
    const std::vector<std::uint8_t> groups = {31, last};
    const Result<std::vector<std::uint8_t>> out = bech32::convert_bits(groups, 5, 8, false);
    ASSERT_FALSE(out.ok()) << static_cast<int>(last);
    EXPECT_EQ(out.error().code(), ErrorCode::kInvalidArgument);
  }
}

TEST(Bech32ConvertBits, RejectsOutOfRangeValues) {
  const std::vector<std::uint8_t> groups = {1, 32, 3};
  const Result<std::vector<std::uint8_t>> out = bech32::convert_bits(groups, 5, 8, true);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code(), ErrorCode::kInvalidArgument);
}

TEST(Bech32ConvertBits, EightToFiveWithoutPaddingNeedsAFitOrZeroBits) {
  // 5 bytes = 40 bits = exactly 8 groups.
  const std::vector<std::uint8_t> five_bytes = {0xde, 0xad, 0xbe, 0xef, 0x01};
  const Result<std::vector<std::uint8_t>> exact = bech32::convert_bits(five_bytes, 8, 5, false);
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->size(), 8u);
  // 1 byte leaves 3 bits over: accepted only when they are zero.
  const std::vector<std::uint8_t> low_zero = {0xf8};
  EXPECT_TRUE(bech32::convert_bits(low_zero, 8, 5, false).ok());
  const std::vector<std::uint8_t> low_set = {0xf9};
  EXPECT_FALSE(bech32::convert_bits(low_set, 8, 5, false).ok());
}

}  // namespace
}  // namespace l402
