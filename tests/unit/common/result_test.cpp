#include "l402/result.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace l402 {
namespace {

constexpr ErrorCode kAllCodes[] = {
    ErrorCode::kInvalidArgument,    ErrorCode::kLimitExceeded,   ErrorCode::kNotFound,
    ErrorCode::kAlreadyExists,      ErrorCode::kUnauthenticated, ErrorCode::kPermissionDenied,
    ErrorCode::kFailedPrecondition, ErrorCode::kUnavailable,     ErrorCode::kDeadlineExceeded,
    ErrorCode::kInternal,
};

Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return Error(ErrorCode::kInvalidArgument, "not a digit");
  return c - '0';
}

Result<void> require_even(int n) {
  if (n % 2 != 0) return Error(ErrorCode::kFailedPrecondition, "odd");
  return ok_result();
}

// Both macros are exercised through small functions because they expand to `return`.
Result<int> twice_digit(char c) {
  L402_ASSIGN_OR_RETURN(const int digit, parse_digit(c));
  return 2 * digit;
}

Result<int> sum_of_digits(char a, char b) {
  L402_ASSIGN_OR_RETURN(const int x, parse_digit(a));
  L402_ASSIGN_OR_RETURN(const int y, parse_digit(b));
  return x + y;
}

Result<std::string> even_digit_name(char c) {
  L402_ASSIGN_OR_RETURN(const int digit, parse_digit(c));
  L402_RETURN_IF_ERROR(require_even(digit));
  return std::string("even ") + c;
}

Result<void> all_even(const std::vector<int>& values, int* checked) {
  for (int value : values) {
    L402_RETURN_IF_ERROR(require_even(value));
    ++*checked;
  }
  return ok_result();
}

Result<void> digit_is_valid(char c) {
  L402_RETURN_IF_ERROR(parse_digit(c));
  return ok_result();
}

Result<std::unique_ptr<int>> boxed(int value) { return std::make_unique<int>(value); }

Result<int> unbox(int value) {
  L402_ASSIGN_OR_RETURN(std::unique_ptr<int> pointer, boxed(value));
  return *pointer;
}

TEST(ErrorCodeName, NamesEveryCode) {
  EXPECT_EQ(error_code_name(ErrorCode::kInvalidArgument), "invalid_argument");
  EXPECT_EQ(error_code_name(ErrorCode::kLimitExceeded), "limit_exceeded");
  EXPECT_EQ(error_code_name(ErrorCode::kNotFound), "not_found");
  EXPECT_EQ(error_code_name(ErrorCode::kAlreadyExists), "already_exists");
  EXPECT_EQ(error_code_name(ErrorCode::kUnauthenticated), "unauthenticated");
  EXPECT_EQ(error_code_name(ErrorCode::kPermissionDenied), "permission_denied");
  EXPECT_EQ(error_code_name(ErrorCode::kFailedPrecondition), "failed_precondition");
  EXPECT_EQ(error_code_name(ErrorCode::kUnavailable), "unavailable");
  EXPECT_EQ(error_code_name(ErrorCode::kDeadlineExceeded), "deadline_exceeded");
  EXPECT_EQ(error_code_name(ErrorCode::kInternal), "internal");
}

TEST(ErrorCodeName, GivesEveryCodeADistinctName) {
  std::set<std::string_view> names;
  for (ErrorCode code : kAllCodes) {
    const std::string_view name = error_code_name(code);
    EXPECT_NE(name, "unknown") << static_cast<int>(code);
    EXPECT_TRUE(names.insert(name).second) << name;
  }
  EXPECT_EQ(names.size(), std::size(kAllCodes));
}

TEST(Error, KeepsCodeAndMessage) {
  const Error error(ErrorCode::kNotFound, "root key 7 missing");
  EXPECT_EQ(error.code(), ErrorCode::kNotFound);
  EXPECT_EQ(error.message(), "root key 7 missing");
}

TEST(Error, WithContextPrefixesTheMessageAndKeepsTheCode) {
  const Error error(ErrorCode::kUnauthenticated, "signature mismatch");
  const Error outer = error.with_context("macaroon");
  EXPECT_EQ(outer.code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(outer.message(), "macaroon: signature mismatch");
  // The original is untouched: with_context returns a copy.
  EXPECT_EQ(error.message(), "signature mismatch");
}

TEST(Error, WithContextNests) {
  const Error error = Error(ErrorCode::kInvalidArgument, "truncated")
                          .with_context("caveat 3")
                          .with_context("macaroon");
  EXPECT_EQ(error.message(), "macaroon: caveat 3: truncated");
  EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
}

TEST(Result, HoldsAValue) {
  Result<int> result = 42;
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(static_cast<bool>(result));
  EXPECT_EQ(result.value(), 42);
  EXPECT_EQ(*result, 42);
  result.value() = 7;
  EXPECT_EQ(*result, 7);
}

TEST(Result, HoldsAnError) {
  const Result<int> result = Error(ErrorCode::kLimitExceeded, "too big");
  ASSERT_FALSE(result.ok());
  EXPECT_FALSE(static_cast<bool>(result));
  EXPECT_EQ(result.error().code(), ErrorCode::kLimitExceeded);
  EXPECT_EQ(result.error().message(), "too big");
}

TEST(Result, ConvertsFromAConstructibleType) {
  const Result<std::string> result = "text";
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, "text");
  EXPECT_EQ(result->size(), 4u);
}

TEST(Result, SupportsMoveOnlyValues) {
  Result<std::unique_ptr<int>> result = std::make_unique<int>(5);
  ASSERT_TRUE(result.ok());
  std::unique_ptr<int> owned = std::move(result).value();
  ASSERT_NE(owned, nullptr);
  EXPECT_EQ(*owned, 5);
}

TEST(Result, MovesTheErrorOutOfAnRvalue) {
  Result<std::string> result = Error(ErrorCode::kNotFound, "gone");
  const Error error = std::move(result).error();
  EXPECT_EQ(error.code(), ErrorCode::kNotFound);
  EXPECT_EQ(error.message(), "gone");
}

TEST(Result, ArrowReachesTheValue) {
  Result<std::vector<int>> result = std::vector<int>{1, 2, 3};
  result->push_back(4);
  EXPECT_EQ(result->size(), 4u);
}

TEST(ResultVoid, DefaultsToSuccess) {
  const Result<void> result;
  EXPECT_TRUE(result.ok());
  EXPECT_TRUE(static_cast<bool>(result));
  result.value();  // must not abort
  EXPECT_TRUE(ok_result().ok());
}

TEST(ResultVoid, HoldsAnError) {
  Result<void> result = Error(ErrorCode::kUnavailable, "node down");
  ASSERT_FALSE(result.ok());
  EXPECT_FALSE(static_cast<bool>(result));
  EXPECT_EQ(result.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(result.error().message(), "node down");
  const Error moved = std::move(result).error();
  EXPECT_EQ(moved.message(), "node down");
}

TEST(ResultDeathTest, ValueOfAnErrorAborts) {
  const Result<int> result = Error(ErrorCode::kInternal, "broken invariant");
  EXPECT_DEATH((void)result.value(),
               "value\\(\\) of a failed Result \\(internal: broken invariant\\)");
}

TEST(ResultDeathTest, ValueOfAVoidErrorAborts) {
  const Result<void> result = Error(ErrorCode::kNotFound, "missing");
  EXPECT_DEATH(result.value(), "not_found: missing");
}

TEST(ResultDeathTest, ErrorOfASuccessAborts) {
  const Result<int> result = 1;
  EXPECT_DEATH((void)result.error(), "");
  const Result<void> success;
  EXPECT_DEATH((void)success.error(), "");
}

TEST(AssignOrReturn, AssignsTheValueOnSuccess) {
  const Result<int> result = twice_digit('4');
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, 8);
}

TEST(AssignOrReturn, ReturnsTheErrorUnchanged) {
  const Result<int> result = twice_digit('x');
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(result.error().message(), "not a digit");
}

TEST(AssignOrReturn, WorksTwiceInOneFunction) {
  ASSERT_TRUE(sum_of_digits('3', '4').ok());
  EXPECT_EQ(*sum_of_digits('3', '4'), 7);
  EXPECT_FALSE(sum_of_digits('3', '-').ok());
  EXPECT_FALSE(sum_of_digits('-', '4').ok());
}

TEST(AssignOrReturn, MovesMoveOnlyValues) {
  const Result<int> result = unbox(9);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, 9);
}

TEST(ReturnIfError, ContinuesOnSuccessAndStopsAtTheFirstError) {
  int checked = 0;
  EXPECT_TRUE(all_even({2, 4, 6}, &checked).ok());
  EXPECT_EQ(checked, 3);

  checked = 0;
  const Result<void> result = all_even({2, 3, 4}, &checked);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(checked, 1);
}

TEST(ReturnIfError, PropagatesIntoAResultOfAnotherType) {
  const Result<std::string> even = even_digit_name('4');
  ASSERT_TRUE(even.ok());
  EXPECT_EQ(*even, "even 4");

  const Result<std::string> odd = even_digit_name('5');
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(odd.error().message(), "odd");
}

TEST(ReturnIfError, AcceptsAResultWithAValue) {
  EXPECT_TRUE(digit_is_valid('0').ok());
  const Result<void> result = digit_is_valid('a');
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message(), "not a digit");
}

}  // namespace
}  // namespace l402
