// FakeLightningd's state records and shared constants, for its two source files.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "cln/fake_lightningd.hpp"

namespace l402::test {

namespace fake_lightningd_internal {
// lightningd's default cltv-final (the `c` field of its invoices).
inline constexpr std::uint32_t kDefaultCltv = 18;
// How often blocked waits and connection threads look at the clock and the stop flag.
inline constexpr std::chrono::milliseconds kTick{20};
}  // namespace fake_lightningd_internal

// ---- State records ----------------------------------------------------------------------

struct FakeLightningd::Invoice {
  std::string label;
  std::string bolt11;
  std::string description;
  Hash256 payment_hash{};
  Hash256 preimage{};
  Hash256 payment_secret{};
  std::optional<Msat> amount;
  std::uint64_t expires_at = 0;
  std::uint64_t created_index = 0;
  std::uint64_t updated_index = 0;  // 0 until paid
  bool paid = false;
  std::uint64_t pay_index = 0;
  Msat received;
  std::uint64_t paid_at = 0;
};

struct FakeLightningd::Payment {
  Hash256 payment_hash{};
  std::string bolt11;
  std::string status;  // "complete" or "failed"
  Hash256 preimage{};
  Msat amount;
  Msat sent;
  std::uint64_t created_at = 0;
  std::uint64_t created_index = 0;
};

// A reply: a result object, an RPC error, or nothing (the connection is closing).
struct FakeLightningd::Reply {
  std::optional<nlohmann::json> result;
  std::int64_t code = 0;
  std::string message;
  nlohmann::json data;
  bool none = false;

  static Reply ok(nlohmann::json result) {
    return Reply{std::move(result), 0, {}, nlohmann::json(), false};
  }
  static Reply error(std::int64_t code, std::string message,
                     nlohmann::json data = nlohmann::json()) {
    return Reply{std::nullopt, code, std::move(message), std::move(data), false};
  }
  static Reply nothing() { return Reply{std::nullopt, 0, {}, nlohmann::json(), true}; }
};

}  // namespace l402::test
