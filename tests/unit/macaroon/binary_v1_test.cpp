// V1 (legacy) packets: the libmacaroons and pymacaroons texts of l402-protocol.md section 6,
// and the limits of the format (UTF-8 only, packets of at most 0xffff bytes, lower-case hex).
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include "l402/encoding.hpp"
#include "l402/macaroon.hpp"
#include "l402/macaroon_format.hpp"
#include "test_util.hpp"

namespace l402 {
namespace {

using test::build_macaroon;
using test::bytes_field;
using test::from_hex;
using test::HasError;
using test::to_hex;

// One V1 packet, written here independently of the library.
std::string packet(std::string_view name, std::string_view data) {
  const std::size_t length = 4 + name.size() + 1 + data.size() + 1;
  char prefix[8];
  std::snprintf(prefix, sizeof prefix, "%04zx", length);
  return std::string(prefix, 4) + std::string(name) + " " + std::string(data) + "\n";
}

std::string serialization(const nlohmann::json& vector, std::string_view form, bool exact) {
  for (const auto& s : vector.at("serializations")) {
    if (s.at("form") == form && s.at("exact").get<bool>() == exact) return s.at("value");
  }
  throw std::out_of_range("no such serialization");
}

std::string tv1_packets() {
  const nlohmann::json& tv1 = test::macaroon_vector("TV1");
  return packet("location", "http://mybank/") + packet("identifier", "we used our secret key") +
         packet("signature", from_hex(tv1.at("signature_after_mint_hex").get<std::string>()));
}

TEST(MacaroonBinaryV1, DecodesTheLibmacaroonsReadmeText) {
  const nlohmann::json& tv1 = test::macaroon_vector("TV1");
  ASSERT_OK_AND_ASSIGN(const std::string packets,
                       base64::decode(serialization(tv1, "v1_text", true)));
  EXPECT_EQ(to_hex(packets), to_hex(tv1_packets()));
  EXPECT_EQ(packets.substr(0, 28), "001clocation http://mybank/\n");
  ASSERT_OK_AND_ASSIGN(const Macaroon parsed, parse_binary(packets));
  ASSERT_OK_AND_ASSIGN(const Macaroon minted, build_macaroon(tv1, 0));
  EXPECT_EQ(parsed, minted);
  EXPECT_OK(verify_macaroon(parsed, bytes_field(tv1, "root_key"), {}, nullptr));
}

TEST(MacaroonBinaryV1, WritesTheLibmacaroonsReadmePackets) {
  ASSERT_OK_AND_ASSIGN(const Macaroon minted, build_macaroon(test::macaroon_vector("TV1"), 0));
  ASSERT_OK_AND_ASSIGN(const std::string packets, to_binary_v1(minted));
  EXPECT_EQ(to_hex(packets), to_hex(tv1_packets()));
}

TEST(MacaroonBinaryV1, DecodesThePymacaroonsTextWithAndWithoutPadding) {
  const nlohmann::json& tv2 = test::macaroon_vector("TV2");
  ASSERT_OK_AND_ASSIGN(const Macaroon expected2, build_macaroon(tv2));
  ASSERT_OK_AND_ASSIGN(const std::string packets2,
                       base64::decode(serialization(tv2, "v1_text", true)));
  ASSERT_OK_AND_ASSIGN(const Macaroon parsed2, parse_binary(packets2));
  EXPECT_EQ(parsed2, expected2);
  EXPECT_EQ(to_hex(parsed2.signature()), tv2.at("signature_hex"));

  const nlohmann::json& padded = test::macaroon_vector("TV2 padding variant");
  ASSERT_OK_AND_ASSIGN(const Macaroon expected, build_macaroon(padded));
  const std::string text = serialization(padded, "v1_text", true);
  ASSERT_EQ(text.size() % 4, 2U);
  for (const std::string& variant : {text, text + "=="}) {
    SCOPED_TRACE(variant);
    ASSERT_OK_AND_ASSIGN(const std::string packets, base64::decode(variant));
    ASSERT_OK_AND_ASSIGN(const Macaroon parsed, parse_binary(packets));
    EXPECT_EQ(parsed, expected);
    ASSERT_OK_AND_ASSIGN(const std::vector<Macaroon> from_text, parse_text(variant));
    ASSERT_EQ(from_text.size(), 1U);
    EXPECT_EQ(from_text[0], expected);
  }
}

TEST(MacaroonBinaryV1, RoundTripsAThirdPartyCaveatAsCidVidCl) {
  ASSERT_OK_AND_ASSIGN(const Macaroon tv4, build_macaroon(test::macaroon_vector("TV4")));
  ASSERT_OK_AND_ASSIGN(const std::string packets, to_binary_v1(tv4));
  const Caveat& third = tv4.caveats().at(1);
  const std::string expected =
      packet("location", "http://mybank/") + packet("identifier", "we used our other secret key") +
      packet("cid", "account = 3735928559") +
      packet("cid", "this was how we remind auth of key/pred") +
      packet("vid", third.verification_id) + packet("cl", "http://auth.mybank/") +
      packet("signature", std::string(as_view(tv4.signature())));
  EXPECT_EQ(to_hex(packets), to_hex(expected));
  ASSERT_OK_AND_ASSIGN(const Macaroon parsed, parse_binary(packets));
  EXPECT_EQ(parsed, tv4);
}

TEST(MacaroonBinaryV1, WritesAnEmptyLocationPacket) {
  ASSERT_OK_AND_ASSIGN(const Macaroon macaroon, Macaroon::mint("key", "id", ""));
  ASSERT_OK_AND_ASSIGN(const std::string packets, to_binary_v1(macaroon));
  EXPECT_EQ(packets.substr(0, 14), "000elocation \n");
  ASSERT_OK_AND_ASSIGN(const Macaroon parsed, parse_binary(packets));
  EXPECT_EQ(parsed, macaroon);
}

TEST(MacaroonBinaryV1, AcceptsMultiByteUtf8) {
  ASSERT_OK_AND_ASSIGN(Macaroon macaroon,
                       Macaroon::mint("key", "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87 \xf0\x9f\x94\x91",
                                      "https://\xc3\xa9xample/"));
  ASSERT_OK(macaroon.add_first_party_caveat("user = \xe2\x9c\x93"));
  ASSERT_OK_AND_ASSIGN(const std::string packets, to_binary_v1(macaroon));
  ASSERT_OK_AND_ASSIGN(const Macaroon parsed, parse_binary(packets));
  EXPECT_EQ(parsed, macaroon);
  EXPECT_OK(to_json_v1(macaroon));
}

TEST(MacaroonBinaryV1, RefusesANonUtf8Identifier) {
  for (const std::string& id :
       {std::string("\xff\xfe"), std::string("ok\x80"), std::string("\xc0\x80"),
        std::string("\xed\xa0\x80"), std::string("trunc\xe2\x9c")}) {
    SCOPED_TRACE(to_hex(id));
    ASSERT_OK_AND_ASSIGN(const Macaroon macaroon, Macaroon::mint("key", id, "loc"));
    EXPECT_TRUE(HasError(to_binary_v1(macaroon), ErrorCode::kInvalidArgument));
    EXPECT_TRUE(HasError(to_json_v1(macaroon), ErrorCode::kInvalidArgument));
  }
  // Every L402 token: its identifier is binary.
  ASSERT_OK_AND_ASSIGN(const Macaroon token, build_macaroon(test::l402_token_vector()));
  EXPECT_TRUE(HasError(to_binary_v1(token), ErrorCode::kInvalidArgument));
}

TEST(MacaroonBinaryV1, RefusesANonUtf8CaveatIdOrLocation) {
  ASSERT_OK_AND_ASSIGN(Macaroon caveat, Macaroon::mint("key", "id", "loc"));
  ASSERT_OK(caveat.add_first_party_caveat("bad \xff"));
  EXPECT_TRUE(HasError(to_binary_v1(caveat), ErrorCode::kInvalidArgument));
  EXPECT_TRUE(HasError(to_json_v1(caveat), ErrorCode::kInvalidArgument));

  ASSERT_OK_AND_ASSIGN(const Macaroon location, Macaroon::mint("key", "id", "loc\xfe"));
  EXPECT_TRUE(HasError(to_binary_v1(location), ErrorCode::kInvalidArgument));
}

TEST(MacaroonBinaryV1, RefusesAPacketLongerThan0xffff) {
  MacaroonLimits limits;
  limits.max_field_size = 1 << 20;
  limits.max_serialized_size = 1 << 20;
  // "cid" packet: 4 + 3 + 1 + n + 1 bytes, so n = 65526 is the largest that fits.
  ASSERT_OK_AND_ASSIGN(Macaroon fits, Macaroon::mint("key", "id", "loc", limits));
  ASSERT_OK(fits.add_first_party_caveat(std::string(65526, 'c'), limits));
  ASSERT_OK_AND_ASSIGN(const std::string packets, to_binary_v1(fits));
  EXPECT_NE(packets.find("ffffcid ccc"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(const Macaroon parsed, parse_binary(packets, limits));
  EXPECT_EQ(parsed, fits);

  ASSERT_OK_AND_ASSIGN(Macaroon too_long, Macaroon::mint("key", "id", "loc", limits));
  ASSERT_OK(too_long.add_first_party_caveat(std::string(65527, 'c'), limits));
  EXPECT_TRUE(HasError(to_binary_v1(too_long), ErrorCode::kInvalidArgument));

  // "identifier" packet: 4 + 10 + 1 + n + 1, so n = 65519 fits and 65520 does not.
  ASSERT_OK_AND_ASSIGN(const Macaroon id_fits,
                       Macaroon::mint("key", std::string(65519, 'i'), "loc", limits));
  EXPECT_OK(to_binary_v1(id_fits));
  ASSERT_OK_AND_ASSIGN(const Macaroon id_too_long,
                       Macaroon::mint("key", std::string(65520, 'i'), "loc", limits));
  EXPECT_TRUE(HasError(to_binary_v1(id_too_long), ErrorCode::kInvalidArgument));
}

TEST(MacaroonBinaryV1, RejectsAnUppercaseHexPacketLength) {
  std::string packets = tv1_packets();
  ASSERT_OK(parse_binary(packets));
  ASSERT_EQ(packets.substr(0, 4), "001c");
  std::string upper_first = packets;
  upper_first[3] = 'C';
  EXPECT_FALSE(parse_binary(upper_first).ok());
  // The signature packet's length "002f" as "002F".
  const std::size_t sig = packets.find("002fsignature");
  ASSERT_NE(sig, std::string::npos);
  std::string upper_sig = packets;
  upper_sig[sig + 3] = 'F';
  EXPECT_FALSE(parse_binary(upper_sig).ok());
}

TEST(MacaroonBinaryV1, RejectsMalformedPackets) {
  const std::string good = tv1_packets();
  const nlohmann::json& tv1 = test::macaroon_vector("TV1");
  const std::string sig = from_hex(tv1.at("signature_after_mint_hex").get<std::string>());
  const std::string location = packet("location", "http://mybank/");
  const std::string identifier = packet("identifier", "we used our secret key");
  const std::string signature = packet("signature", sig);

  std::vector<std::pair<std::string, std::string>> cases = {
      {"length too large", "001dlocation http://mybank/\n" + identifier + signature},
      {"length too small", "001blocation http://mybank/\n" + identifier + signature},
      {"no newline", location.substr(0, location.size() - 1) + "X" + identifier + signature},
      {"no space after name", "001clocation_http://mybank/\n" + identifier + signature},
      {"identifier before location", identifier + location + signature},
      {"missing identifier", location + signature},
      {"missing signature", location + identifier},
      {"short signature", location + identifier + packet("signature", sig.substr(1))},
      {"long signature", location + identifier + packet("signature", sig + "x")},
      {"unknown packet", location + identifier + packet("colour", "blue") + signature},
      {"vid without cid", location + identifier + packet("vid", "x") + signature},
      {"non-hex length", "00zclocation http://mybank/\n" + identifier + signature},
      {"length below the minimum", "0002" + identifier + signature},
      {"truncated", good.substr(0, good.size() - 5)},
  };
  for (const auto& [name, bytes] : cases) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(parse_binary(bytes).ok());
  }
}

TEST(MacaroonBinaryV1, RejectsTrailingBytesButAPrefixParseReportsWhatItConsumed) {
  const std::string packets = tv1_packets();
  EXPECT_FALSE(parse_binary(packets + "0004").ok());
  ASSERT_OK_AND_ASSIGN(const ParsedMacaroon prefix, parse_binary_prefix(packets + "\x02\x01"));
  EXPECT_EQ(prefix.consumed, packets.size());
}

TEST(MacaroonBinaryV1, LimitsApply) {
  const std::string packets = tv1_packets();
  MacaroonLimits limits;
  limits.max_field_size = 21;  // the identifier has 22 bytes
  EXPECT_TRUE(HasError(parse_binary(packets, limits), ErrorCode::kLimitExceeded));
  limits = MacaroonLimits{};
  limits.max_serialized_size = packets.size() - 1;
  EXPECT_TRUE(HasError(parse_binary(packets, limits), ErrorCode::kLimitExceeded));

  ASSERT_OK_AND_ASSIGN(const Macaroon tv1, build_macaroon(test::macaroon_vector("TV1")));
  ASSERT_OK_AND_ASSIGN(const std::string three_caveats, to_binary_v1(tv1));
  limits = MacaroonLimits{};
  limits.max_caveats = 2;
  EXPECT_TRUE(HasError(parse_binary(three_caveats, limits), ErrorCode::kLimitExceeded));
  limits.max_caveats = 3;
  EXPECT_OK(parse_binary(three_caveats, limits));
}

}  // namespace
}  // namespace l402
