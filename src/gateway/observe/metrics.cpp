// Metrics: label sets are looked up under a shared lock and counted with atomics, so the
// common case (a label set seen before) takes no exclusive lock. Label values come from the
// configuration and closed sets (outcomes, denial codes), so the number of series is bounded;
// kMaxSeries guards against a bug making it unbounded.
#include "gateway/observe/metrics.hpp"

#include <array>
#include <atomic>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace l402::gateway {
namespace {

constexpr std::size_t kMaxSeries = 10000;

// Seconds.
constexpr std::array<double, 11> kVerifyBuckets{
    0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01};
constexpr std::array<double, 14> kUpstreamBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                  0.1,    0.25,  0.5,    1,     2.5,  5,     10};

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_double(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.9g", value);
  return buffer;
}

// The label part of a series, e.g. `{service="a",outcome="paid"}`, which is also its key.
// Written into a per-thread buffer: counting runs once or twice per request, and a key that
// has been seen is only looked up, so the common case allocates nothing. The view is valid
// until the thread's next call.
template <std::size_t N>
std::string_view label_text(const std::array<std::string_view, N>& names,
                            const std::array<std::string_view, N>& values) {
  thread_local std::string out;
  out.clear();
  out += '{';
  for (std::size_t i = 0; i < N; ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    if (values[i].find_first_of("\\\"\n") == std::string_view::npos) {
      out += values[i];
    } else {
      out += escape_label_value(values[i]);
    }
    out += '"';
  }
  out += '}';
  return out;
}

class CounterFamily {
 public:
  CounterFamily(std::string name, std::string help)
      : name_(std::move(name)), help_(std::move(help)) {}

  void add(std::string_view labels, std::uint64_t amount) {
    {
      std::shared_lock lock(mutex_);
      const auto it = series_.find(labels);
      if (it != series_.end()) {
        it->second.fetch_add(amount, std::memory_order_relaxed);
        return;
      }
    }
    std::unique_lock lock(mutex_);
    if (series_.size() >= kMaxSeries && series_.find(labels) == series_.end()) return;
    series_[std::string(labels)].fetch_add(amount, std::memory_order_relaxed);
  }

  void render(std::string& out) const {
    out += "# HELP " + name_ + ' ' + help_ + "\n# TYPE " + name_ + " counter\n";
    std::shared_lock lock(mutex_);
    for (const auto& [labels, value] : series_) {
      out += name_ + labels + ' ' + std::to_string(value.load(std::memory_order_relaxed)) + '\n';
    }
  }

 private:
  const std::string name_;
  const std::string help_;
  mutable std::shared_mutex mutex_;
  std::map<std::string, std::atomic<std::uint64_t>, std::less<>> series_;
};

class Histogram {
 public:
  explicit Histogram(std::span<const double> bounds) : bounds_(bounds), buckets_(bounds.size()) {}

  void observe(std::chrono::nanoseconds duration) {
    const double seconds = static_cast<double>(duration.count()) / 1e9;
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
      if (seconds <= bounds_[i]) {
        buckets_[i].fetch_add(1, std::memory_order_relaxed);
        break;
      }
    }
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(static_cast<std::uint64_t>(duration.count() < 0 ? 0 : duration.count()),
                      std::memory_order_relaxed);
  }

  // Buckets are stored per interval and rendered cumulatively, as the format requires.
  void render(std::string& out, const std::string& name, std::string_view labels) const {
    std::uint64_t cumulative = 0;
    const std::string prefix =
        labels.empty() ? "{" : std::string(labels.substr(0, labels.size() - 1)) + ',';
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
      cumulative += buckets_[i].load(std::memory_order_relaxed);
      out += name + "_bucket" + prefix + "le=\"" + format_double(bounds_[i]) + "\"} " +
             std::to_string(cumulative) + '\n';
    }
    const std::uint64_t count = count_.load(std::memory_order_relaxed);
    out += name + "_bucket" + prefix + "le=\"+Inf\"} " + std::to_string(count) + '\n';
    out += name + "_sum" + std::string(labels) + ' ' +
           format_double(static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9) + '\n';
    out += name + "_count" + std::string(labels) + ' ' + std::to_string(count) + '\n';
  }

 private:
  std::span<const double> bounds_;
  std::vector<std::atomic<std::uint64_t>> buckets_;
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_ns_{0};
};

class HistogramFamily {
 public:
  HistogramFamily(std::string name, std::string help, std::span<const double> bounds)
      : name_(std::move(name)), help_(std::move(help)), bounds_(bounds) {}

  void observe(std::string_view labels, std::chrono::nanoseconds duration) {
    {
      std::shared_lock lock(mutex_);
      const auto it = series_.find(labels);
      if (it != series_.end()) {
        it->second->observe(duration);
        return;
      }
    }
    std::unique_lock lock(mutex_);
    auto it = series_.find(labels);
    if (it == series_.end()) {
      if (series_.size() >= kMaxSeries) return;
      it = series_.emplace(std::string(labels), std::make_unique<Histogram>(bounds_)).first;
    }
    it->second->observe(duration);
  }

  void render(std::string& out) const {
    out += "# HELP " + name_ + ' ' + help_ + "\n# TYPE " + name_ + " histogram\n";
    std::shared_lock lock(mutex_);
    for (const auto& [labels, histogram] : series_) histogram->render(out, name_, labels);
  }

 private:
  const std::string name_;
  const std::string help_;
  std::span<const double> bounds_;
  mutable std::shared_mutex mutex_;
  std::map<std::string, std::unique_ptr<Histogram>, std::less<>> series_;
};

}  // namespace

struct Metrics::Impl {
  CounterFamily requests{"l402d_requests_total", "Requests answered, by service and outcome."};
  CounterFamily denials{"l402d_denials_total", "Credentials refused, by service and reason."};
  CounterFamily challenges{"l402d_challenges_total", "402 challenges minted, by service."};
  CounterFamily paid_tokens{"l402d_paid_tokens_total",
                            "Paid tokens first seen by this process, by service."};
  CounterFamily revenue{"l402d_revenue_msat_total",
                        "Price of the paid tokens first seen by this process, in msat."};
  CounterFamily backend_errors{"l402d_backend_errors_total",
                               "Lightning backend calls that failed, by operation."};
  CounterFamily upstream_errors{"l402d_upstream_errors_total",
                                "Upstream exchanges that failed, by service and kind."};
  HistogramFamily verify{"l402d_verify_duration_seconds", "Time to verify a credential.",
                         kVerifyBuckets};
  HistogramFamily upstream{"l402d_upstream_duration_seconds",
                           "Time from sending a request upstream to its response head.",
                           kUpstreamBuckets};
  CounterFamily ledger_dropped{"l402d_ledger_dropped_total",
                               "Ledger rows dropped while the store could not take them, by kind."};
  std::atomic<std::uint64_t> pending_challenges{0};
  std::atomic<std::uint64_t> pending_paid_requests{0};
  std::atomic<std::int64_t> open_connections{0};
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

void Metrics::count_request(std::string_view service, std::string_view outcome) {
  impl_->requests.add(label_text<2>({"service", "outcome"}, {service, outcome}), 1);
}

void Metrics::count_denial(std::string_view service, std::string_view reason) {
  impl_->denials.add(label_text<2>({"service", "reason"}, {service, reason}), 1);
}

void Metrics::count_challenge(std::string_view service) {
  impl_->challenges.add(label_text<1>({"service"}, {service}), 1);
}

void Metrics::count_paid_token(std::string_view service, std::uint64_t revenue_msat) {
  const std::string_view labels = label_text<1>({"service"}, {service});
  impl_->paid_tokens.add(labels, 1);
  impl_->revenue.add(labels, revenue_msat);
}

void Metrics::count_backend_error(std::string_view operation) {
  impl_->backend_errors.add(label_text<1>({"operation"}, {operation}), 1);
}

void Metrics::count_upstream_error(std::string_view service, std::string_view kind) {
  impl_->upstream_errors.add(label_text<2>({"service", "kind"}, {service, kind}), 1);
}

void Metrics::observe_verify(std::chrono::nanoseconds duration) {
  impl_->verify.observe("", duration);
}

void Metrics::observe_upstream(std::string_view service, std::chrono::nanoseconds duration) {
  impl_->upstream.observe(label_text<1>({"service"}, {service}), duration);
}

void Metrics::set_ledger_pending(std::uint64_t challenges, std::uint64_t paid_requests) {
  impl_->pending_challenges.store(challenges);
  impl_->pending_paid_requests.store(paid_requests);
}

void Metrics::count_ledger_dropped(std::string_view kind, std::uint64_t rows) {
  impl_->ledger_dropped.add(label_text<1>({"kind"}, {kind}), rows);
}

void Metrics::connection_opened() { impl_->open_connections.fetch_add(1); }
void Metrics::connection_closed() { impl_->open_connections.fetch_sub(1); }
std::int64_t Metrics::open_connections() const { return impl_->open_connections.load(); }

std::string Metrics::render() const {
  std::string out;
  out.reserve(4096);
  impl_->requests.render(out);
  impl_->denials.render(out);
  impl_->challenges.render(out);
  impl_->paid_tokens.render(out);
  impl_->revenue.render(out);
  impl_->backend_errors.render(out);
  impl_->upstream_errors.render(out);
  impl_->verify.render(out);
  impl_->upstream.render(out);
  impl_->ledger_dropped.render(out);
  out +=
      "# HELP l402d_ledger_pending Ledger rows waiting to be written to the store, by kind.\n"
      "# TYPE l402d_ledger_pending gauge\n"
      "l402d_ledger_pending{kind=\"challenge\"} " +
      std::to_string(impl_->pending_challenges.load()) +
      "\nl402d_ledger_pending{kind=\"paid_request\"} " +
      std::to_string(impl_->pending_paid_requests.load()) + '\n';
  out +=
      "# HELP l402d_open_connections Client connections open now.\n"
      "# TYPE l402d_open_connections gauge\nl402d_open_connections " +
      std::to_string(impl_->open_connections.load()) + '\n';
  return out;
}

}  // namespace l402::gateway
