// parse_text (the forms tokens travel in: base64 of any variant, hex, JSON) and binary stacks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "l402/encoding.hpp"
#include "l402/macaroon.hpp"
#include "l402/macaroon_format.hpp"
#include "test_util.hpp"

namespace l402 {
namespace {

using test::build_discharge;
using test::build_macaroon;
using test::bytes_field;
using test::HasError;
using test::HasErrorMentioning;

std::string strip_padding(std::string text) {
  while (!text.empty() && text.back() == '=') text.pop_back();
  return text;
}

std::string std_to_url(std::string text) {
  std::replace(text.begin(), text.end(), '+', '-');
  std::replace(text.begin(), text.end(), '/', '_');
  return text;
}

// TV4 with the TV5 discharge bound to it.
Result<std::vector<Macaroon>> tv4_stack() {
  L402_ASSIGN_OR_RETURN(const Macaroon root, build_macaroon(test::macaroon_vector("TV4")));
  L402_ASSIGN_OR_RETURN(const Macaroon discharge, build_discharge(test::discharge_vector("TV5")));
  return std::vector<Macaroon>{root, root.bind_for_request(discharge)};
}

void expect_single(const Result<std::vector<Macaroon>>& result, const Macaroon& expected) {
  ASSERT_TRUE(test::IsOk(result));
  ASSERT_EQ(result.value().size(), 1U);
  EXPECT_EQ(result.value()[0], expected);
}

TEST(MacaroonText, AcceptsEveryBase64VariantOfTheSameBytes) {
  const nlohmann::json& challenge = test::vectors().at("parse_only").at(0);
  const std::string std_padded = challenge.at("value");
  ASSERT_NE(std_padded.find('+'), std::string::npos);
  ASSERT_NE(std_padded.find('/'), std::string::npos);
  ASSERT_EQ(std_padded.back(), '=');
  ASSERT_OK_AND_ASSIGN(const std::string binary, base64::decode(std_padded));
  ASSERT_OK_AND_ASSIGN(const Macaroon expected, parse_binary(binary));
  for (const std::string& text : {std_padded, strip_padding(std_padded), std_to_url(std_padded),
                                  strip_padding(std_to_url(std_padded))}) {
    SCOPED_TRACE(text);
    expect_single(parse_text(text), expected);
  }
}

TEST(MacaroonText, AcceptsTheL402HeaderToken) {
  const nlohmann::json& vector = test::l402_token_vector();
  ASSERT_OK_AND_ASSIGN(const Macaroon expected, build_macaroon(vector));
  for (const auto& s : vector.at("serializations")) {
    SCOPED_TRACE(s.at("form").get<std::string>());
    expect_single(parse_text(s.at("value").get<std::string>()), expected);
  }
}

TEST(MacaroonText, AcceptsHexInEitherCase) {
  const nlohmann::json& vector =
      test::macaroon_vector("7.3 preimage caveat (gRPC / Macaroon header form)");
  ASSERT_OK_AND_ASSIGN(const Macaroon expected, build_macaroon(vector));
  const std::string hex = test::to_hex(test::vector_v2_binary(vector));
  expect_single(parse_text(hex), expected);
  expect_single(parse_text(test::to_upper(hex)), expected);
}

TEST(MacaroonText, AcceptsTheLibmacaroonsV1Text) {
  const nlohmann::json& tv1 = test::macaroon_vector("TV1");
  ASSERT_OK_AND_ASSIGN(const Macaroon expected, build_macaroon(tv1, 0));
  expect_single(parse_text(tv1.at("serializations").at(0).at("value").get<std::string>()),
                expected);
}

TEST(MacaroonText, AcceptsAJsonObject) {
  const nlohmann::json& tv4 = test::macaroon_vector("TV4");
  ASSERT_OK_AND_ASSIGN(const Macaroon expected, build_macaroon(tv4));
  expect_single(parse_text(to_json_v2(expected)), expected);
  ASSERT_OK_AND_ASSIGN(const std::string v1, to_json_v1(expected));
  expect_single(parse_text(v1), expected);
}

TEST(MacaroonText, AcceptsAJsonArrayOfARootAndItsDischarge) {
  ASSERT_OK_AND_ASSIGN(const std::vector<Macaroon> stack, tv4_stack());
  const std::string text = "[" + to_json_v2(stack[0]) + ", " + to_json_v2(stack[1]) + "]";
  ASSERT_OK_AND_ASSIGN(const std::vector<Macaroon> parsed, parse_text(text));
  EXPECT_EQ(parsed, stack);
  const std::span<const Macaroon> discharges(parsed.data() + 1, 1);
  EXPECT_OK(verify_macaroon(parsed[0], bytes_field(test::macaroon_vector("TV4"), "root_key"),
                            discharges, nullptr));
}

TEST(MacaroonText, AcceptsBase64AndHexOfABinaryStack) {
  ASSERT_OK_AND_ASSIGN(const std::vector<Macaroon> stack, tv4_stack());
  const std::string binary = to_binary_stack(stack);
  for (const std::string& text :
       {base64::encode_std(binary), base64::encode_url(binary), test::to_hex(binary)}) {
    SCOPED_TRACE(text);
    ASSERT_OK_AND_ASSIGN(const std::vector<Macaroon> parsed, parse_text(text));
    EXPECT_EQ(parsed, stack);
  }
}

TEST(MacaroonText, IgnoresSurroundingWhitespace) {
  const nlohmann::json& vector = test::l402_token_vector();
  ASSERT_OK_AND_ASSIGN(const Macaroon expected, build_macaroon(vector));
  const std::string b64 = base64::encode_std(to_binary_v2(expected));
  const std::string hex = test::to_hex(to_binary_v2(expected));
  const std::string json_v2 = to_json_v2(expected);
  for (const std::string& text : {b64, hex, json_v2}) {
    SCOPED_TRACE(text);
    expect_single(parse_text(" \t\r\n" + text + "\n\r\t  "), expected);
    expect_single(parse_text("\n" + text), expected);
    expect_single(parse_text(text + "\r\n"), expected);
  }
}

TEST(MacaroonText, RejectsEmptyAndWhitespaceOnlyInput) {
  EXPECT_TRUE(HasError(parse_text(""), ErrorCode::kInvalidArgument));
  EXPECT_TRUE(HasError(parse_text(" \t\r\n "), ErrorCode::kInvalidArgument));
}

TEST(MacaroonText, RejectsGarbage) {
  const nlohmann::json& vector = test::l402_token_vector();
  const std::string b64 = vector.at("serializations").at(1).at("value");
  for (const std::string& text : std::vector<std::string>{
           "hello world", "%%%", "Ag==", "0201", "02zz", "{", "[]", "[1]", "[{}]", "null", "\"\"",
           b64.substr(0, b64.size() - 4), b64 + "AAAA", "L402 " + b64, b64 + ":" + b64,
           b64.substr(0, 100) + " " + b64.substr(100), std::string("\0", 1)}) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(parse_text(text).ok());
  }
}

TEST(MacaroonText, RejectsOversizedInputWithLimitExceeded) {
  const nlohmann::json& vector = test::l402_token_vector();
  const std::string b64 = vector.at("serializations").at(1).at("value");
  const std::size_t max = MacaroonLimits{}.max_serialized_size;
  MacaroonLimits limits;
  limits.max_serialized_size = 100;
  EXPECT_TRUE(HasErrorMentioning(parse_text(b64, limits), ErrorCode::kLimitExceeded,
                                 "max_serialized_size"));
  // Text longer than any encoding of a max_serialized_size binary (hex doubles it) is refused
  // before it is decoded, whatever its content.
  for (const char fill : {'A', '0', '{', '['}) {
    SCOPED_TRACE(fill);
    EXPECT_TRUE(HasError(parse_text(std::string(2 * max + 2, fill)), ErrorCode::kLimitExceeded));
    EXPECT_TRUE(HasError(parse_text(std::string(2 * max + 3, fill)), ErrorCode::kLimitExceeded));
  }
  EXPECT_TRUE(
      HasError(parse_text("[" + std::string(2 * max, ' ') + "]"), ErrorCode::kLimitExceeded));
  // Short enough text whose binary is over the limit.
  MacaroonLimits big;
  big.max_field_size = 1 << 20;
  big.max_serialized_size = 1 << 20;
  ASSERT_OK_AND_ASSIGN(Macaroon large, Macaroon::mint("key", "id", "", big));
  ASSERT_OK(large.add_first_party_caveat(std::string(max, 'c'), big));
  const std::string binary = to_binary_v2(large);
  EXPECT_OK(parse_text(base64::encode_std(binary), big));
  EXPECT_TRUE(HasError(parse_text(base64::encode_std(binary)), ErrorCode::kLimitExceeded));
  EXPECT_TRUE(HasError(parse_text(base64::encode_url(binary)), ErrorCode::kLimitExceeded));
}

TEST(MacaroonStack, BinaryStackRoundTrips) {
  ASSERT_OK_AND_ASSIGN(const std::vector<Macaroon> stack, tv4_stack());
  const std::string binary = to_binary_stack(stack);
  EXPECT_EQ(binary, to_binary_v2(stack[0]) + to_binary_v2(stack[1]));
  ASSERT_OK_AND_ASSIGN(const std::vector<Macaroon> parsed, parse_binary_stack(binary));
  EXPECT_EQ(parsed, stack);

  const std::vector<Macaroon> single{stack[0]};
  ASSERT_OK_AND_ASSIGN(const std::vector<Macaroon> one,
                       parse_binary_stack(to_binary_stack(single)));
  EXPECT_EQ(one, single);
}

TEST(MacaroonStack, ParseBinaryStackRejectsEmptyInputAndTrailingGarbage) {
  ASSERT_OK_AND_ASSIGN(const std::vector<Macaroon> stack, tv4_stack());
  const std::string binary = to_binary_stack(stack);
  EXPECT_FALSE(parse_binary_stack("").ok());
  EXPECT_FALSE(parse_binary_stack(binary + "\x02").ok());
  EXPECT_FALSE(parse_binary_stack(binary + "x").ok());
  EXPECT_FALSE(parse_binary_stack(binary.substr(0, binary.size() - 1)).ok());
}

TEST(MacaroonStack, MaxStackSizeIsEnforced) {
  ASSERT_OK_AND_ASSIGN(std::vector<Macaroon> stack, tv4_stack());
  stack.push_back(stack[1]);
  const std::string binary = to_binary_stack(stack);
  MacaroonLimits limits;
  limits.max_stack_size = 2;
  EXPECT_TRUE(HasErrorMentioning(parse_binary_stack(binary, limits), ErrorCode::kLimitExceeded,
                                 "max_stack_size"));
  EXPECT_TRUE(HasError(parse_text(base64::encode_std(binary), limits), ErrorCode::kLimitExceeded));
  std::string json_array = "[";
  for (const Macaroon& m : stack) json_array += (json_array.size() > 1 ? "," : "") + to_json_v2(m);
  json_array += "]";
  EXPECT_TRUE(HasError(parse_text(json_array, limits), ErrorCode::kLimitExceeded));
  limits.max_stack_size = 3;
  EXPECT_OK(parse_binary_stack(binary, limits));
  EXPECT_OK(parse_text(json_array, limits));
}

TEST(MacaroonStack, MaxSerializedSizeAppliesToTheWholeStack) {
  ASSERT_OK_AND_ASSIGN(const std::vector<Macaroon> stack, tv4_stack());
  const std::string binary = to_binary_stack(stack);
  MacaroonLimits limits;
  limits.max_serialized_size = binary.size() - 1;
  EXPECT_TRUE(HasErrorMentioning(parse_binary_stack(binary, limits), ErrorCode::kLimitExceeded,
                                 "max_serialized_size"));
  limits.max_serialized_size = binary.size();
  EXPECT_OK(parse_binary_stack(binary, limits));
}

}  // namespace
}  // namespace l402
