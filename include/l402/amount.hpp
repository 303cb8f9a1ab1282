// Millisatoshis as a type of their own: integer arithmetic only, overflow reported.
//
// Thread safety: a plain value.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>

namespace l402 {

class Msat {
 public:
  constexpr Msat() = default;
  constexpr explicit Msat(std::uint64_t millisatoshis) : value_(millisatoshis) {}

  // Whole satoshis, or nullopt when `sat` * 1000 does not fit.
  static constexpr std::optional<Msat> from_sat(std::uint64_t sat) {
    if (sat > UINT64_MAX / 1000) return std::nullopt;
    return Msat(sat * 1000);
  }

  constexpr std::uint64_t value() const { return value_; }

  constexpr std::optional<Msat> checked_add(Msat other) const {
    if (value_ > UINT64_MAX - other.value_) return std::nullopt;
    return Msat(value_ + other.value_);
  }
  constexpr std::optional<Msat> checked_sub(Msat other) const {
    if (other.value_ > value_) return std::nullopt;
    return Msat(value_ - other.value_);
  }

  constexpr auto operator<=>(const Msat&) const = default;

 private:
  std::uint64_t value_ = 0;
};

}  // namespace l402
