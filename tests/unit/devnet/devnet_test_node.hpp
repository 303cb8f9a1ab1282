// A devnet node in a temporary directory with a clock the test moves, for the devnet tests.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "l402/devnet.hpp"
#include "result_matchers.hpp"
#include "temp_dir.hpp"

namespace l402::test {

// 2023-11-14 22:13:20 UTC.
inline constexpr std::uint64_t kStartTime = 1'700'000'000;

class TestClock {
 public:
  std::uint64_t now() const { return now_.load(); }
  void advance(std::uint64_t seconds) { now_ += seconds; }
  std::function<std::uint64_t()> function() {
    return [this] { return now_.load(); };
  }

 private:
  std::atomic<std::uint64_t> now_{kStartTime};
};

class DevnetNodeTest : public ::testing::Test {
 protected:
  // Options for a node in dir_/node with a small "payer" account and the test clock.
  DevnetOptions options(std::string subdir = "node") {
    DevnetOptions options;
    options.data_dir = std::filesystem::path(dir_.path()) / subdir;
    options.accounts = {{"payer", Msat(1'000'000)}, {"rich", Msat(1'000'000'000)}};
    options.fee_base = Msat(1'000);
    options.fee_ppm = 10'000;  // 1 %
    options.now = clock_.function();
    return options;
  }

  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    Result<std::unique_ptr<DevnetNode>> opened = DevnetNode::open(options());
    ASSERT_TRUE(IsOk(opened));
    node_ = std::move(opened).value();
  }

  DevnetInvoiceRequest request(std::uint64_t amount_msat, std::string account = "default") {
    DevnetInvoiceRequest request;
    request.account = std::move(account);
    request.amount = Msat(amount_msat);
    request.memo = "test invoice";
    return request;
  }

  PayRequest pay_request(const std::string& bolt11, Msat max_fee = Msat(1'000'000)) {
    PayRequest request;
    request.bolt11 = bolt11;
    request.max_fee = max_fee;
    return request;
  }

  TempDir dir_{"l402-devnet"};
  TestClock clock_;
  std::unique_ptr<DevnetNode> node_;
};

}  // namespace l402::test
