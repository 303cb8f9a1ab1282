#include <gtest/gtest.h>

#include <string>

#include "l402/bolt11.hpp"
#include "l402/encoding.hpp"

namespace l402 {
namespace {

// The spec's "description_hash_20m" vector: h = sha256 of this text.
constexpr const char* kInvoice =
    "lnbc20m1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsy"
    "qcyq5rqwzqfqqqsyqcyq5rqwzqfqypqhp58yjmdan79s6qqdhdzgynm4zwqd5d7xmw5fk98klysy043l2ahrqs9qrsgq7e"
    "a9"
    "76txfraylvgzuxs8kgcw23ezlrszfnh8r6qtfpr6cxga50aj6txm9rxrydzd06dfeawfk6swupvz4erwnyutnjq7x39ymw"
    "6j3"
    "8gp7ynn44";
constexpr const char* kDescription =
    "One piece of chocolate cake, one icecream cone, one pickle, one slice of swiss cheese, one "
    "slice "
    "of salami, one lollypop, one piece of cherry pie, one sausage, one cupcake, and one slice of "
    "watermelon";

TEST(Bolt11DescriptionHash, AcceptsTheDescriptionItHashes) {
  auto invoice = decode_invoice(kInvoice);
  ASSERT_TRUE(invoice.ok()) << invoice.error().message();
  EXPECT_TRUE(check_description_hash(*invoice, kDescription).ok());
}

TEST(Bolt11DescriptionHash, RefusesAnotherDescription) {
  auto invoice = decode_invoice(kInvoice);
  ASSERT_TRUE(invoice.ok());
  auto checked = check_description_hash(*invoice, "one pickle");
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().code(), ErrorCode::kPermissionDenied);
}

TEST(Bolt11DescriptionHash, RefusesAnInvoiceWithoutAHash) {
  Invoice invoice;
  invoice.description = "coffee";
  auto checked = check_description_hash(invoice, "coffee");
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace l402
