// Tampering with valid BOLT 11 vectors: every truncation, every single-character substitution
// and every mixed-case variant must fail; the upper-case form decodes like the lower-case one.
#include <gtest/gtest.h>

#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "l402/bolt11.hpp"
#include "test_util.hpp"

namespace l402 {
namespace {

using b11test::HasError;
using b11test::IsOk;
using b11test::json;

// Short and long vectors, with and without an amount, route hints, a fallback, upper case.
const std::vector<std::string>& tampered_vectors() {
  static const std::vector<std::string> names = {
      "donation_any_amount", "coffee_2500u_expiry60", "pico_amount_expiry_week_cltv10_route_hint",
      "mainnet_fallback_p2pkh_with_route_hints", "features_8_14_99_uppercase"};
  return names;
}

void expect_same_invoice(const Invoice& a, const Invoice& b) {
  EXPECT_EQ(a.network, b.network);
  EXPECT_EQ(a.amount, b.amount);
  EXPECT_EQ(a.timestamp, b.timestamp);
  EXPECT_EQ(a.fields, b.fields);
  EXPECT_EQ(a.payment_hash, b.payment_hash);
  EXPECT_EQ(a.payment_secret, b.payment_secret);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.description_hash, b.description_hash);
  EXPECT_EQ(a.payee_field, b.payee_field);
  EXPECT_EQ(a.expiry, b.expiry);
  EXPECT_EQ(a.min_final_cltv_expiry, b.min_final_cltv_expiry);
  EXPECT_EQ(a.fallbacks, b.fallbacks);
  EXPECT_EQ(a.route_hints, b.route_hints);
  EXPECT_EQ(a.features, b.features);
  EXPECT_EQ(a.metadata, b.metadata);
  EXPECT_EQ(a.skipped.size(), b.skipped.size());
  EXPECT_EQ(a.payee, b.payee);
  EXPECT_EQ(a.signature, b.signature);
  EXPECT_EQ(a.recovery_id, b.recovery_id);
  EXPECT_EQ(a.signing_hash, b.signing_hash);
}

TEST(Bolt11Tamper, TheTamperedVectorsDecodeUntouched) {
  for (const std::string& name : tampered_vectors()) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(IsOk(decode_invoice(b11test::invoice_named(name))));
  }
}

TEST(Bolt11Tamper, EveryTruncationFails) {
  for (const std::string& name : tampered_vectors()) {
    SCOPED_TRACE(name);
    const std::string text = b11test::invoice_named(name);
    int failures_of_other_codes = 0;
    for (std::size_t keep = 0; keep < text.size(); ++keep) {
      const Result<Invoice> head = decode_invoice(std::string_view(text).substr(0, keep));
      ASSERT_FALSE(head.ok()) << "prefix of " << keep << " characters decoded";
      const Result<Invoice> tail =
          decode_invoice(std::string_view(text).substr(text.size() - keep));
      ASSERT_FALSE(tail.ok()) << "suffix of " << keep << " characters decoded";
      if (head.error().code() != ErrorCode::kInvalidArgument) ++failures_of_other_codes;
      if (tail.error().code() != ErrorCode::kInvalidArgument) ++failures_of_other_codes;
    }
    EXPECT_EQ(failures_of_other_codes, 0);
  }
}

TEST(Bolt11Tamper, EverySingleCharacterSubstitutionFails) {
  for (const std::string& name : tampered_vectors()) {
    SCOPED_TRACE(name);
    const std::string text = b11test::invoice_named(name);
    const bool upper = text == b11test::to_upper(text);
    int tried = 0;
    for (std::size_t pos = 0; pos < text.size(); ++pos) {
      for (const char lower : b11test::kCharset) {
        const char replacement =
            upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(lower))) : lower;
        if (replacement == text[pos]) continue;
        std::string changed = text;
        changed[pos] = replacement;
        const Result<Invoice> inv = decode_invoice(changed);
        ASSERT_TRUE(HasError(inv, ErrorCode::kInvalidArgument))
            << "position " << pos << " replaced by '" << replacement << "'";
        ++tried;
      }
    }
    EXPECT_GE(tried, static_cast<int>(text.size()) * 30);
  }
}

TEST(Bolt11Tamper, FlippingTheCaseOfOneLetterFails) {
  for (const std::string& name : tampered_vectors()) {
    SCOPED_TRACE(name);
    const std::string text = b11test::invoice_named(name);
    int tried = 0;
    for (std::size_t pos = 0; pos < text.size(); ++pos) {
      const auto c = static_cast<unsigned char>(text[pos]);
      if (std::isalpha(c) == 0) continue;
      std::string changed = text;
      changed[pos] = static_cast<char>(std::islower(c) != 0 ? std::toupper(c) : std::tolower(c));
      ASSERT_TRUE(HasError(decode_invoice(changed), ErrorCode::kInvalidArgument))
          << "case flipped at position " << pos;
      ++tried;
    }
    EXPECT_GT(tried, 100);
  }
}

TEST(Bolt11Tamper, TheUpperCaseFormDecodesEqualToTheLowerCaseForm) {
  for (const json& v : b11test::vectors()) {
    if (v.at("kind") != "valid") continue;
    const std::string name = v.at("name").get<std::string>();
    SCOPED_TRACE(name);
    const std::string text = v.at("invoice").get<std::string>();
    const Result<Invoice> lower = decode_invoice(b11test::to_lower(text));
    const Result<Invoice> upper = decode_invoice(b11test::to_upper(text));
    ASSERT_TRUE(IsOk(lower));
    ASSERT_TRUE(IsOk(upper));
    expect_same_invoice(*lower, *upper);
  }
}

TEST(Bolt11Tamper, TheUpperCaseSpecVectorEqualsItsLowerCaseTwin) {
  const Result<Invoice> lower = decode_invoice(b11test::invoice_named("features_8_14_99"));
  const Result<Invoice> upper =
      decode_invoice(b11test::invoice_named("features_8_14_99_uppercase"));
  ASSERT_TRUE(IsOk(lower));
  ASSERT_TRUE(IsOk(upper));
  expect_same_invoice(*lower, *upper);
  EXPECT_EQ(b11test::to_upper(b11test::invoice_named("features_8_14_99")),
            b11test::invoice_named("features_8_14_99_uppercase"));
}

}  // namespace
}  // namespace l402
