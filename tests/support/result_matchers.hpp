// GoogleTest predicates for Result<T>: EXPECT_TRUE(IsOk(f())), EXPECT_TRUE(HasError(f(), code)).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "l402/result.hpp"

namespace l402::test {

inline std::string describe(const Error& error) {
  return std::string(error_code_name(error.code())) + ": " + error.message();
}

// EXPECT_TRUE(IsOk(f())) prints the error when f() failed.
template <typename R>
::testing::AssertionResult IsOk(const R& result) {
  if (result.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "unexpected error " << describe(result.error());
}

// EXPECT_TRUE(HasError(f(), ErrorCode::kX)): f() failed, with code kX.
template <typename R>
::testing::AssertionResult HasError(const R& result, ErrorCode code) {
  if (result.ok()) {
    return ::testing::AssertionFailure()
           << "expected error " << error_code_name(code) << " but the call succeeded";
  }
  if (result.error().code() != code) {
    return ::testing::AssertionFailure()
           << "expected error " << error_code_name(code) << " but got " << describe(result.error());
  }
  return ::testing::AssertionSuccess();
}

// As HasError, and the message contains `word` exactly.
template <typename R>
::testing::AssertionResult HasErrorMentioning(const R& result, ErrorCode code,
                                              std::string_view word) {
  ::testing::AssertionResult base = HasError(result, code);
  if (!base) return base;
  if (result.error().message().find(word) == std::string::npos) {
    return ::testing::AssertionFailure() << "error message \"" << result.error().message()
                                         << "\" does not mention \"" << word << "\"";
  }
  return ::testing::AssertionSuccess();
}

inline std::string lower_case(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// As HasError, and the message contains at least one of `words`, ignoring case (for rules
// whose wording may reasonably vary).
template <typename R>
::testing::AssertionResult HasErrorMentioningAnyOf(const R& result, ErrorCode code,
                                                   const std::vector<std::string_view>& words) {
  ::testing::AssertionResult base = HasError(result, code);
  if (!base) return base;
  const std::string message = lower_case(result.error().message());
  for (const std::string_view word : words) {
    if (message.find(lower_case(word)) != std::string::npos) return ::testing::AssertionSuccess();
  }
  ::testing::AssertionResult failure = ::testing::AssertionFailure();
  failure << "error message \"" << result.error().message() << "\" mentions none of";
  for (const std::string_view word : words) failure << " \"" << word << "\"";
  return failure;
}

}  // namespace l402::test

#define L402_TEST_CONCAT_INNER_(a, b) a##b
#define L402_TEST_CONCAT_(a, b) L402_TEST_CONCAT_INNER_(a, b)

// ASSERT_OK_AND_ASSIGN(auto m, f()); fails the test (and returns) when f() is an error.
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL_(L402_TEST_CONCAT_(l402_test_result_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL_(tmp, lhs, expr)         \
  auto tmp = (expr);                                       \
  ASSERT_TRUE(::l402::test::IsOk(tmp)) << "in: " << #expr; \
  lhs = std::move(tmp).value()

#define ASSERT_OK(expr) ASSERT_TRUE(::l402::test::IsOk((expr))) << "in: " << #expr
#define EXPECT_OK(expr) EXPECT_TRUE(::l402::test::IsOk((expr))) << "in: " << #expr
