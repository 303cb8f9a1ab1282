// What the Core Lightning client tests share: a FakeLightningd on a short socket path with a
// backend pointed at it, and a collector of delivered settlements.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "cln/fake_lightningd.hpp"
#include "cln/socket_dir.hpp"
#include "l402/lightning.hpp"
#include "result_matchers.hpp"

namespace l402::test {

using namespace std::chrono_literals;

class ClnTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    start_node(node_options());
  }

  // Options of the node started by SetUp; tests override them by restarting with
  // start_node().
  FakeLightningdOptions node_options() const {
    FakeLightningdOptions options;
    options.socket_path = dir_.file("lightning-rpc");
    return options;
  }

  ClnOptions backend_options() const {
    ClnOptions options;
    options.socket_path = dir_.file("lightning-rpc");
    options.call_timeout = 2s;
    options.reconnect_delay = 20ms;
    return options;
  }

  void start_node(const FakeLightningdOptions& options) {
    backend_.reset();
    node_.reset();
    ASSERT_OK_AND_ASSIGN(node_, FakeLightningd::start(options));
    ASSERT_OK_AND_ASSIGN(backend_, open_cln_backend(backend_options()));
  }

  IssuedInvoice create(std::uint64_t amount_msat, std::uint64_t expiry = 3600) {
    InvoiceRequest request;
    request.amount = Msat(amount_msat);
    request.memo = "L402 test";
    request.expiry_seconds = expiry;
    Result<IssuedInvoice> invoice = backend_->create_invoice(request);
    EXPECT_OK(invoice);
    return invoice.ok() ? *invoice : IssuedInvoice{};
  }

  static PayRequest pay_request(const std::string& bolt11, std::uint64_t max_fee_msat = 10'000) {
    PayRequest request;
    request.bolt11 = bolt11;
    request.max_fee = Msat(max_fee_msat);
    request.timeout = 5s;
    return request;
  }

  SocketDir dir_;
  std::unique_ptr<FakeLightningd> node_;
  std::unique_ptr<Backend> backend_;
};

// Settlements as a handler receives them, with bounded waits.
class SettlementCollector {
 public:
  SettlementHandler handler() {
    return [this](const InvoiceStatus& settled) {
      std::lock_guard lock(mutex_);
      received_.push_back(settled);
      changed_.notify_all();
    };
  }

  // Waits until at least `count` settlements arrived (false after `timeout`).
  bool wait_for(std::size_t count, std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return received_.size() >= count; });
  }

  std::vector<InvoiceStatus> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }

  std::vector<std::uint64_t> indexes() {
    std::lock_guard lock(mutex_);
    std::vector<std::uint64_t> out;
    for (const InvoiceStatus& settled : received_) out.push_back(settled.settle_index);
    return out;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<InvoiceStatus> received_;
};

// Polls `condition` every 10 ms until it holds or `timeout` passes.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

}  // namespace l402::test
