// Errors as values: a closed set of error codes and an expected-like Result<T>.
//
// Every fallible function of libl402 returns Result<T>. Codes borrow the meaning of the gRPC
// canonical codes so that the gateway and the gRPC proxy map them one to one. A Result is
// either a value or an Error; reading the value of an error Result is a programming bug and
// aborts (it is never a way to handle bad input).
//
// Thread safety: Result and Error are plain values; distinct objects may be used from
// different threads, a shared one only for reading.
#pragma once

#include <cstdlib>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace l402 {

enum class ErrorCode {
  // The input is malformed: bad encoding, truncated data, wrong length, bad syntax.
  kInvalidArgument,
  // The input is well formed but larger than a configured limit (size, count, depth).
  kLimitExceeded,
  // A looked-up item does not exist.
  kNotFound,
  // The item to create exists already.
  kAlreadyExists,
  // A signature, MAC or preimage does not match: the caller could not prove who it is.
  kUnauthenticated,
  // The credential is genuine but a caveat or policy forbids the request.
  kPermissionDenied,
  // The system is not in a state that allows the call; retrying will not help until it is.
  kFailedPrecondition,
  // A dependency (node, database, upstream) cannot be reached; retrying may help.
  kUnavailable,
  // The operation ran out of time.
  kDeadlineExceeded,
  // A broken invariant inside libl402 or one of its libraries.
  kInternal,
};

// Stable lower-case name of a code, e.g. "invalid_argument".
std::string_view error_code_name(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  // A sentence fragment a person can act on, e.g. "macaroon: caveat 3 truncated".
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "<context>: <message>".
  Error with_context(std::string_view context) const;

 private:
  ErrorCode code_;
  std::string message_;
};

namespace detail {
[[noreturn]] void bad_result_access(const Error& error);
}  // namespace detail

template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::remove_cvref_t<T>, Error>, "Result<Error> is meaningless");

 public:
  using value_type = T;

  Result(const T& value) : state_(std::in_place_index<0>, value) {}  // NOLINT: implicit by design
  Result(T&& value) : state_(std::in_place_index<0>, std::move(value)) {}    // NOLINT
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT
  template <typename U>
  requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::remove_cvref_t<U>, T> &&
           !std::is_same_v<std::remove_cvref_t<U>, Error> &&
           !std::is_same_v<std::remove_cvref_t<U>, Result>) Result(U&& value)
      : state_(std::in_place_index<0>, T(std::forward<U>(value))) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Requires: ok().
  T& value() & {
    check();
    return std::get<0>(state_);
  }
  const T& value() const& {
    check();
    return std::get<0>(state_);
  }
  T&& value() && {
    check();
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // Requires: !ok().
  const Error& error() const& {
    if (ok()) std::abort();
    return std::get<1>(state_);
  }
  Error&& error() && {
    if (ok()) std::abort();
    return std::get<1>(std::move(state_));
  }

 private:
  void check() const {
    if (!ok()) detail::bad_result_access(std::get<1>(state_));
  }

  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit by design

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  // Aborts when the result is an error; for places where failure is a bug.
  void value() const {
    if (failed_) detail::bad_result_access(error_);
  }
  // Requires: !ok().
  const Error& error() const& {
    if (!failed_) std::abort();
    return error_;
  }
  Error&& error() && {
    if (!failed_) std::abort();
    return std::move(error_);
  }

 private:
  Error error_{ErrorCode::kInternal, {}};
  bool failed_ = false;
};

// A successful Result<void>.
inline Result<void> ok_result() { return {}; }

}  // namespace l402

#define L402_CONCAT_INNER_(a, b) a##b
#define L402_CONCAT_(a, b) L402_CONCAT_INNER_(a, b)

// Evaluates `expr` (a Result<void> or Result<T>); returns its error from the enclosing function.
#define L402_RETURN_IF_ERROR(expr)                                  \
  do {                                                              \
    auto&& l402_status_ = (expr);                                   \
    if (!l402_status_.ok()) return std::move(l402_status_).error(); \
  } while (false)

// `L402_ASSIGN_OR_RETURN(auto x, f());` declares x from a Result<T> or returns its error.
#define L402_ASSIGN_OR_RETURN(lhs, expr) \
  L402_ASSIGN_OR_RETURN_IMPL_(L402_CONCAT_(l402_result_, __LINE__), lhs, expr)
// `tmp` and `lhs` name and declare variables, so they cannot be parenthesised.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define L402_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return std::move(tmp).error();     \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
