// V2 and V1 JSON (l402-protocol.md 5.6, 5.7): go-macaroon's canonical output, the variants
// other libraries write, and hostile input.
#include <gtest/gtest.h>

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "l402/encoding.hpp"
#include "l402/macaroon.hpp"
#include "l402/macaroon_format.hpp"
#include "test_util.hpp"

namespace l402 {
namespace {

using nlohmann::json;
using test::build_macaroon;
using test::HasError;
using test::to_hex;

std::string form_of(const json& vector, std::string_view form, bool exact) {
  for (const auto& s : vector.at("serializations")) {
    if (s.at("form") == form && s.at("exact").get<bool>() == exact) return s.at("value");
  }
  throw std::out_of_range("no such serialization");
}

const json& tv4() { return test::macaroon_vector("TV4"); }

// The canonical GOMAC V2 JSON of TV4 as a mutable JSON value.
json tv4_v2() { return json::parse(form_of(tv4(), "v2_json", true)); }

TEST(MacaroonJson, WritesTheGoMacaroonCanonicalV2FormOfTV4) {
  ASSERT_OK_AND_ASSIGN(const Macaroon macaroon, build_macaroon(tv4()));
  EXPECT_EQ(to_json_v2(macaroon),
            "{\"c\":[{\"i\":\"account = 3735928559\"},{\"i\":\"this was how we remind auth of "
            "key/pred\",\"v64\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA027FAuBYhtHwJ58FX6UlVNFtFsGxQHS7"
            "uD_w_dedwv4Jjw7UorCREw5rXbRqIKhr\",\"l\":\"http://auth.mybank/\"}],\"l\":\"http://"
            "mybank/\",\"i\":\"we used our other secret key\",\"s64\":\"0n2y_"
            "R8idg5MPa6BN-LY_B32wHQcGK7UuXJWv3jR9Vw\"}");
  EXPECT_EQ(to_json_v2(macaroon), form_of(tv4(), "v2_json", true));
}

TEST(MacaroonJson, WritesTheL402TokenIdentifierAsI64) {
  const json& vector = test::l402_token_vector();
  ASSERT_OK_AND_ASSIGN(const Macaroon macaroon, build_macaroon(vector));
  EXPECT_EQ(to_json_v2(macaroon), form_of(vector, "v2_json", true));
  const json out = json::parse(to_json_v2(macaroon));
  EXPECT_FALSE(out.contains("i"));
  EXPECT_EQ(out.at("i64"), base64::encode_url(macaroon.identifier()));
}

TEST(MacaroonJson, ParsesTheCanonicalV2Form) {
  ASSERT_OK_AND_ASSIGN(const Macaroon expected, build_macaroon(tv4()));
  ASSERT_OK_AND_ASSIGN(const Macaroon parsed, parse_json(form_of(tv4(), "v2_json", true)));
  EXPECT_EQ(parsed, expected);
}

TEST(MacaroonJson, AcceptsStdBase64WithPaddingEverywhere) {
  ASSERT_OK_AND_ASSIGN(const Macaroon expected, build_macaroon(tv4()));
  ASSERT_OK_AND_ASSIGN(const Macaroon parsed, parse_json(form_of(tv4(), "v2_json", false)));
  EXPECT_EQ(parsed, expected);
}

TEST(MacaroonJson, AcceptsTheLibmacaroonsV1JsonWithEscapedSlashes) {
  const std::string text = form_of(tv4(), "v1_json", false);
  ASSERT_NE(text.find("\\/"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(const Macaroon expected, build_macaroon(tv4()));
  ASSERT_OK_AND_ASSIGN(const Macaroon parsed, parse_json(text));
  EXPECT_EQ(parsed, expected);
}

TEST(MacaroonJson, WritesV1JsonEquivalentToLibmacaroons) {
  ASSERT_OK_AND_ASSIGN(const Macaroon macaroon, build_macaroon(tv4()));
  ASSERT_OK_AND_ASSIGN(const std::string v1, to_json_v1(macaroon));
  EXPECT_EQ(json::parse(v1), json::parse(form_of(tv4(), "v1_json", false)));
  ASSERT_OK_AND_ASSIGN(const Macaroon parsed, parse_json(v1));
  EXPECT_EQ(parsed, macaroon);
}

TEST(MacaroonJson, AcceptsLibmacaroonsV2JWithANumericVersion) {
  const json& tv3 = test::macaroon_vector("TV3");
  const std::string text = form_of(tv3, "v2_json", false);
  ASSERT_NE(text.find("\"v\":2"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(const Macaroon expected, build_macaroon(tv3, 0));
  ASSERT_OK_AND_ASSIGN(const Macaroon parsed, parse_json(text));
  EXPECT_EQ(parsed, expected);
}

TEST(MacaroonJson, RejectsBothPlainAndBase64FormsOfAField) {
  json both_i = tv4_v2();
  both_i["i64"] = base64::encode_url("we used our other secret key");
  EXPECT_TRUE(HasError(parse_json(both_i.dump()), ErrorCode::kInvalidArgument));

  json both_s = tv4_v2();
  both_s["s"] = "sig";
  EXPECT_TRUE(HasError(parse_json(both_s.dump()), ErrorCode::kInvalidArgument));

  json both_caveat_i = tv4_v2();
  both_caveat_i["c"][0]["i64"] = base64::encode_url("account = 3735928559");
  EXPECT_TRUE(HasError(parse_json(both_caveat_i.dump()), ErrorCode::kInvalidArgument));

  json both_caveat_v = tv4_v2();
  both_caveat_v["c"][1]["v"] = "plain vid";
  EXPECT_TRUE(HasError(parse_json(both_caveat_v.dump()), ErrorCode::kInvalidArgument));
}

TEST(MacaroonJson, RejectsASignatureThatIsNot32Bytes) {
  for (const std::size_t size : {0U, 31U, 33U, 64U}) {
    SCOPED_TRACE(size);
    json v2 = tv4_v2();
    v2["s64"] = base64::encode_url(std::string(size, 's'));
    EXPECT_TRUE(HasError(parse_json(v2.dump()), ErrorCode::kInvalidArgument));
  }
  json v1 = json::parse(form_of(tv4(), "v1_json", false));
  const std::string good = v1.at("signature");
  for (const std::string& bad :
       {good.substr(2), good + "00", good.substr(1), std::string("zz") + good.substr(2)}) {
    SCOPED_TRACE(bad);
    v1["signature"] = bad;
    EXPECT_TRUE(HasError(parse_json(v1.dump()), ErrorCode::kInvalidArgument));
  }
  json missing = tv4_v2();
  missing.erase("s64");
  EXPECT_TRUE(HasError(parse_json(missing.dump()), ErrorCode::kInvalidArgument));
}

TEST(MacaroonJson, AcceptsAJsonStringHoldingBase64Binary) {
  const json& vector = test::l402_token_vector();
  ASSERT_OK_AND_ASSIGN(const Macaroon expected, build_macaroon(vector));
  const std::string binary = to_binary_v2(expected);
  for (const std::string& b64 : {base64::encode_std(binary), base64::encode_url(binary)}) {
    SCOPED_TRACE(b64);
    ASSERT_OK_AND_ASSIGN(const Macaroon parsed, parse_json(json(b64).dump()));
    EXPECT_EQ(parsed, expected);
  }
  EXPECT_FALSE(parse_json("\"not base64 at all!\"").ok());
  EXPECT_FALSE(parse_json("\"" + base64::encode_std("\x02 not a macaroon") + "\"").ok());
}

TEST(MacaroonJson, RejectsGarbageWithoutCrashing) {
  const std::vector<std::string> inputs = {
      "",
      " ",
      "{",
      "}",
      "[",
      "]",
      "nul",
      "null",
      "true",
      "42",
      "-1e999",
      "[]",
      "[1,2]",
      "{}",
      "{\"",
      "{\"i\":}",
      "{\"i\":\"x\",}",
      "{\"i\":\"x\" \"s64\":\"y\"}",
      "\xff\xfe",
      std::string("{\0}", 3),
      "{\"c\":5,\"i\":\"x\",\"s64\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
      "{\"c\":[5],\"i\":\"x\",\"s64\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
      "{\"c\":[],\"i\":5,\"s64\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
      "{\"c\":[],\"i\":\"x\",\"l\":[],\"s64\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
      "{\"c\":[],\"i\":\"x\",\"s64\":12}",
      "{\"c\":[],\"i64\":\"***\",\"s64\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
      "{\"c\":{},\"i\":\"x\",\"s64\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
      "{\"caveats\":5,\"identifier\":\"x\",\"signature\":\"00\"}",
  };
  for (const std::string& input : inputs) {
    SCOPED_TRACE(to_hex(input));
    EXPECT_FALSE(parse_json(input).ok());
  }
}

TEST(MacaroonJson, RejectsDeeplyNestedInputWithoutCrashing) {
  const std::size_t depth = 200000;
  EXPECT_FALSE(parse_json(std::string(depth, '[') + std::string(depth, ']')).ok());
  EXPECT_FALSE(parse_json(std::string(depth, '[')).ok());
  std::string objects;
  for (std::size_t i = 0; i < depth / 10; ++i) objects += "{\"a\":";
  objects += "1";
  for (std::size_t i = 0; i < depth / 10; ++i) objects += "}";
  EXPECT_FALSE(parse_json(objects).ok());
  const std::string nested_caveats = "{\"c\":" + std::string(depth, '[') + std::string(depth, ']') +
                                     ",\"i\":\"x\",\"s64\":\"" + std::string(43, 'A') + "\"}";
  EXPECT_FALSE(parse_json(nested_caveats).ok());
}

TEST(MacaroonJson, IgnoresUnknownExtraKeys) {
  ASSERT_OK_AND_ASSIGN(const Macaroon expected, build_macaroon(tv4()));
  json v2 = tv4_v2();
  v2["x"] = 1;
  v2["extra"] = {{"nested", {1, 2, 3}}};
  v2["c"][0]["note"] = "hello";
  ASSERT_OK_AND_ASSIGN(const Macaroon parsed, parse_json(v2.dump()));
  EXPECT_EQ(parsed, expected);

  json v1 = json::parse(form_of(tv4(), "v1_json", false));
  v1["version"] = 1;
  v1["caveats"][1]["comment"] = "third party";
  ASSERT_OK_AND_ASSIGN(const Macaroon parsed_v1, parse_json(v1.dump()));
  EXPECT_EQ(parsed_v1, expected);
}

TEST(MacaroonJson, AcceptsEveryBase64VariantInX64Fields) {
  ASSERT_OK_AND_ASSIGN(const Macaroon expected, build_macaroon(test::l402_token_vector()));
  const std::string id = expected.identifier();
  const std::string sig(as_view(expected.signature()));
  json v2 = json::parse(to_json_v2(expected));
  std::string std_padded = base64::encode_std(id);
  std::string std_unpadded = std_padded;
  while (!std_unpadded.empty() && std_unpadded.back() == '=') std_unpadded.pop_back();
  for (const std::string& encoded : {std_padded, std_unpadded, base64::encode_url(id)}) {
    SCOPED_TRACE(encoded);
    v2["i64"] = encoded;
    v2["s64"] = base64::encode_std(sig);
    ASSERT_OK_AND_ASSIGN(const Macaroon parsed, parse_json(v2.dump()));
    EXPECT_EQ(parsed, expected);
  }
}

TEST(MacaroonJson, WritesNonUtf8AndEscapeHeavyFieldsAsBase64) {
  ASSERT_OK_AND_ASSIGN(Macaroon macaroon, Macaroon::mint("key", "plain id", ""));
  const std::string binary("\xff\x01\x80", 3);
  const std::string controls(30, '\x01');
  ASSERT_OK(macaroon.add_first_party_caveat(binary));
  ASSERT_OK(macaroon.add_first_party_caveat(controls));
  ASSERT_OK(macaroon.add_first_party_caveat("a = b"));
  const json out = json::parse(to_json_v2(macaroon));
  EXPECT_EQ(out.at("i"), "plain id");
  EXPECT_FALSE(out.contains("l")) << "an empty location is omitted";
  EXPECT_EQ(out.at("c")[0].at("i64"), base64::encode_url(binary));
  EXPECT_FALSE(out.at("c")[0].contains("i"));
  EXPECT_EQ(out.at("c")[1].at("i64"), base64::encode_url(controls));
  EXPECT_EQ(out.at("c")[2].at("i"), "a = b");
  EXPECT_FALSE(out.at("c")[2].contains("v64"));
  EXPECT_FALSE(out.at("c")[2].contains("l"));
  ASSERT_OK_AND_ASSIGN(const Macaroon parsed, parse_json(to_json_v2(macaroon)));
  EXPECT_EQ(parsed, macaroon);
}

TEST(MacaroonJson, LimitsApply) {
  const json& vector = test::l402_token_vector();
  const std::string text = form_of(vector, "v2_json", true);
  MacaroonLimits limits;
  limits.max_caveats = 2;
  EXPECT_TRUE(HasError(parse_json(text, limits), ErrorCode::kLimitExceeded));
  limits = MacaroonLimits{};
  limits.max_field_size = 65;
  EXPECT_TRUE(HasError(parse_json(text, limits), ErrorCode::kLimitExceeded));
  limits = MacaroonLimits{};
  limits.max_serialized_size = text.size() - 1;
  EXPECT_TRUE(HasError(parse_json(text, limits), ErrorCode::kLimitExceeded));
  limits.max_serialized_size = text.size();
  limits.max_caveats = 3;
  limits.max_field_size = 66;
  EXPECT_OK(parse_json(text, limits));
}

}  // namespace
}  // namespace l402
