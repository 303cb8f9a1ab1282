// The GoogleTest fixture of the gateway's integration tests: one demo upstream and one l402d
// (the standard services) per test suite, a payer on the gateway's devnet for every test,
// and l402d's log printed when a test fails. Tests that need a gateway of their own (other
// settings, signals, restarts) start it with start_gateway() in their own directory.
#pragma once

#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "gateway_harness.hpp"
#include "result_matchers.hpp"
#include "temp_dir.hpp"

namespace l402::test {

class GatewayTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("l402d-itg");
    upstream_ = new Upstream(start_upstream(dir_->file("upstream.stderr")));
    if (upstream_->url.empty()) return;
    GatewaySetup setup;
    setup.data_dir = dir_->file("data");
    setup.services = standard_services(upstream_->url);
    gateway_ =
        Gateway::start(dir_->file("l402d.yaml"), gateway_yaml(setup), dir_->file("l402d.stderr"))
            .release();
  }
  static void TearDownTestSuite() {
    delete gateway_;
    gateway_ = nullptr;
    delete upstream_;
    upstream_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override {
    ASSERT_FALSE(upstream_->url.empty()) << "l402-demo-upstream did not print its ready line";
    ASSERT_NE(gateway_, nullptr);
    ASSERT_TRUE(gateway_->ready()) << "l402d did not print its ready line\n"
                                   << gateway_->log_tail();
    ASSERT_OK_AND_ASSIGN(payer_, open_payer(*gateway_));
  }
  void TearDown() override {
    if (!HasFailure()) return;
    if (gateway_ != nullptr) std::cerr << gateway_->log_tail() << "\n";
    for (const auto& own : own_gateways_) std::cerr << own->log_tail() << "\n";
  }

  static Gateway& gateway() { return *gateway_; }
  static const std::string& upstream_url() { return upstream_->url; }

  // A gateway of this test's own, in a fresh directory; its log is printed on failure.
  Gateway& start_gateway(GatewaySetup setup, const std::string& name = "own") {
    own_dirs_.push_back(std::make_unique<TempDir>("l402d-itg-" + name));
    const TempDir& dir = *own_dirs_.back();
    if (setup.data_dir.empty()) setup.data_dir = dir.file("data");
    own_gateways_.push_back(
        Gateway::start(dir.file("l402d.yaml"), gateway_yaml(setup), dir.file("l402d.stderr")));
    return *own_gateways_.back();
  }

  std::unique_ptr<Backend> payer_;

 private:
  inline static TempDir* dir_ = nullptr;
  inline static Upstream* upstream_ = nullptr;
  inline static Gateway* gateway_ = nullptr;
  std::vector<std::unique_ptr<TempDir>> own_dirs_;  // outlive their gateways (declared first)
  std::vector<std::unique_ptr<Gateway>> own_gateways_;
};

}  // namespace l402::test
