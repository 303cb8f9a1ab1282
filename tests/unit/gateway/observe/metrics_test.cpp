#include "gateway/observe/metrics.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace l402::gateway {
namespace {

TEST(Metrics, CountsRequestsPerServiceAndOutcome) {
  Metrics metrics;
  metrics.count_request("quotes", "paid");
  metrics.count_request("quotes", "paid");
  metrics.count_request("quotes", "challenged");
  const std::string text = metrics.render();
  EXPECT_NE(text.find("l402d_requests_total{service=\"quotes\",outcome=\"paid\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("l402d_requests_total{service=\"quotes\",outcome=\"challenged\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE l402d_requests_total counter\n"), std::string::npos);
}

TEST(Metrics, EscapesLabelValues) {
  Metrics metrics;
  metrics.count_challenge("a\"b\\c\nd");
  EXPECT_NE(metrics.render().find("l402d_challenges_total{service=\"a\\\"b\\\\c\\nd\"} 1\n"),
            std::string::npos);
}

TEST(Metrics, RevenueAddsPriceOfEachPaidToken) {
  Metrics metrics;
  metrics.count_paid_token("quotes", 1000);
  metrics.count_paid_token("quotes", 2500);
  const std::string text = metrics.render();
  EXPECT_NE(text.find("l402d_paid_tokens_total{service=\"quotes\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("l402d_revenue_msat_total{service=\"quotes\"} 3500\n"), std::string::npos);
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  Metrics metrics;
  metrics.observe_upstream("quotes", std::chrono::microseconds(700));  // le 0.001
  metrics.observe_upstream("quotes", std::chrono::milliseconds(3));    // le 0.005
  metrics.observe_upstream("quotes", std::chrono::seconds(60));        // only +Inf
  const std::string text = metrics.render();
  EXPECT_NE(
      text.find("l402d_upstream_duration_seconds_bucket{service=\"quotes\",le=\"0.0005\"} 0\n"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("l402d_upstream_duration_seconds_bucket{service=\"quotes\",le=\"0.001\"} 1\n"),
      std::string::npos);
  EXPECT_NE(
      text.find("l402d_upstream_duration_seconds_bucket{service=\"quotes\",le=\"0.005\"} 2\n"),
      std::string::npos);
  EXPECT_NE(text.find("l402d_upstream_duration_seconds_bucket{service=\"quotes\",le=\"+Inf\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("l402d_upstream_duration_seconds_count{service=\"quotes\"} 3\n"),
            std::string::npos);
}

TEST(Metrics, VerifyHistogramHasNoLabels) {
  Metrics metrics;
  metrics.observe_verify(std::chrono::microseconds(3));
  const std::string text = metrics.render();
  EXPECT_NE(text.find("l402d_verify_duration_seconds_bucket{le=\"5e-06\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("l402d_verify_duration_seconds_count 1\n"), std::string::npos);
}

TEST(Metrics, OpenConnectionsGaugeFollowsOpensAndCloses) {
  Metrics metrics;
  metrics.connection_opened();
  metrics.connection_opened();
  metrics.connection_closed();
  EXPECT_EQ(metrics.open_connections(), 1);
  EXPECT_NE(metrics.render().find("l402d_open_connections 1\n"), std::string::npos);
}

TEST(Metrics, LedgerRowsPendingAndDroppedAreRenderedByKind) {
  Metrics metrics;
  EXPECT_NE(metrics.render().find("l402d_ledger_pending{kind=\"challenge\"} 0\n"),
            std::string::npos);
  metrics.set_ledger_pending(12, 3);
  metrics.count_ledger_dropped("challenge", 5);
  metrics.count_ledger_dropped("challenge", 2);
  const std::string text = metrics.render();
  EXPECT_NE(text.find("# TYPE l402d_ledger_pending gauge\n"), std::string::npos) << text;
  EXPECT_NE(text.find("l402d_ledger_pending{kind=\"challenge\"} 12\n"), std::string::npos);
  EXPECT_NE(text.find("l402d_ledger_pending{kind=\"paid_request\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("l402d_ledger_dropped_total{kind=\"challenge\"} 7\n"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("kind=\"paid_request\"} 0"), std::string::npos) << "no drop, no series";
}

TEST(Metrics, CountsFromManyThreadsAddUp) {
  Metrics metrics;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&metrics, t] {
      for (int i = 0; i < 10000; ++i) metrics.count_request("s" + std::to_string(i % 3), "paid");
      (void)t;
    });
  }
  for (auto& thread : threads) thread.join();
  const std::string text = metrics.render();
  for (int s = 0; s < 3; ++s) {
    const std::string series =
        "l402d_requests_total{service=\"s" + std::to_string(s) + "\",outcome=\"paid\"} ";
    const auto at = text.find(series);
    ASSERT_NE(at, std::string::npos);
    const std::uint64_t count = std::stoull(text.substr(at + series.size()));
    EXPECT_EQ(count, s == 0 ? 13336u : 13332u);
  }
}

}  // namespace
}  // namespace l402::gateway
