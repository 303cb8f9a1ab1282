// What l402::Client adds to a request once it holds a token: the same GET sent, one at a time
// over a kept-alive connection, by plain libcurl with the Authorization header written by hand
// and by l402::Client, which reads its token store, picks the token and writes the header
// itself. Rounds alternate the two so that a busy machine weighs on both alike. Prints
// requests/s, p50 and p99 of each and the client's overhead per request. Run by
// bench/client_overhead.sh, which starts l402d and buys the token.
//
//   client_overhead --url URL --authorization 'L402 ...' --data-dir DIR
//                   [--requests N] [--rounds R]
#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "l402/client.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string url;
  std::string authorization;
  std::string data_dir;
  int requests = 5000;
  int rounds = 3;
};

[[noreturn]] void usage(const char* message) {
  std::fprintf(stderr, "client_overhead: %s\n", message);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) usage("every option takes a value");
    const char* value = argv[++i];
    if (flag == "--url") {
      options.url = value;
    } else if (flag == "--authorization") {
      options.authorization = value;
    } else if (flag == "--data-dir") {
      options.data_dir = value;
    } else if (flag == "--requests") {
      options.requests = std::atoi(value);
    } else if (flag == "--rounds") {
      options.rounds = std::atoi(value);
    } else {
      usage("unknown option");
    }
  }
  if (options.url.empty() || options.authorization.empty() || options.data_dir.empty()) {
    usage("--url, --authorization and --data-dir are required");
  }
  if (options.requests <= 0 || options.rounds <= 0) usage("--requests and --rounds must be > 0");
  return options;
}

struct Run {
  std::vector<double> micros;  // per request
  double seconds = 0;
};

std::size_t discard(char*, std::size_t size, std::size_t count, void*) { return size * count; }

Run run_curl(const Options& options) {
  CURL* curl = curl_easy_init();
  const std::string header = "Authorization: " + options.authorization;
  curl_slist* headers = curl_slist_append(nullptr, header.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, options.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  Run run;
  run.micros.reserve(static_cast<std::size_t>(options.requests));
  const auto begin = Clock::now();
  for (int i = 0; i < options.requests; ++i) {
    const auto start = Clock::now();
    long status = 0;
    if (curl_easy_perform(curl) != CURLE_OK ||
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK || status != 200) {
      usage("plain libcurl did not get a 200");
    }
    run.micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  run.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return run;
}

class DiscardSink final : public l402::BodySink {
 public:
  l402::Result<void> begin(const l402::ResponseHead&) override { return l402::ok_result(); }
  l402::Result<void> write(std::string_view) override { return l402::ok_result(); }
};

// A wallet is required to open a client; this one is never asked for anything, since the token
// is in the store: a call to it would mean the client tried to buy, and the run stops.
class NoWallet final : public l402::Backend {
 public:
  l402::Result<l402::NodeInfo> get_info() override { return refuse(); }
  l402::Result<l402::IssuedInvoice> create_invoice(const l402::InvoiceRequest&) override {
    return refuse();
  }
  l402::Result<l402::InvoiceStatus> lookup_invoice(const l402::Hash256&) override {
    return refuse();
  }
  l402::Result<std::unique_ptr<l402::SettlementSubscription>> subscribe_settlements(
      std::uint64_t, l402::SettlementHandler) override {
    return refuse();
  }
  l402::PayOutcome pay(const l402::PayRequest&) override {
    usage("the client tried to pay: the stored token was not used");
  }
  l402::Result<l402::PaymentStatus> lookup_payment(const l402::Hash256&) override {
    return l402::PaymentStatus{};
  }

 private:
  [[noreturn]] static l402::Error refuse() { usage("the client asked the wallet"); }
};

Run run_client(l402::Client& client, const Options& options) {
  l402::HttpRequest request;
  request.url = options.url;
  DiscardSink sink;
  Run run;
  run.micros.reserve(static_cast<std::size_t>(options.requests));
  const auto begin = Clock::now();
  for (int i = 0; i < options.requests; ++i) {
    const auto start = Clock::now();
    const l402::PerformResult result = client.perform(request, sink);
    if (result.outcome != l402::PerformOutcome::kDone || result.status != 200 ||
        result.purchase.has_value()) {
      usage("l402::Client did not get a 200 with its stored token");
    }
    run.micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  run.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  return run;
}

double percentile(std::vector<double> values, double share) {
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(share * static_cast<double>(values.size() - 1));
  return values[index];
}

void print(const char* name, int round, const Run& run) {
  std::printf("%-28s %5d %12.0f %9.1f %9.1f\n", name, round,
              static_cast<double>(run.micros.size()) / run.seconds, percentile(run.micros, 0.5),
              percentile(run.micros, 0.99));
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  l402::ClientOptions client_options;
  client_options.data_dir = options.data_dir;
  client_options.wallet_network = l402::Network::kRegtest;
  auto client = l402::Client::open(client_options, std::make_unique<NoWallet>());
  if (!client.ok()) usage(client.error().message().c_str());

  std::printf("client_overhead: GET %s, %d requests a run, one at a time\n", options.url.c_str(),
              options.requests);
  std::printf("%-28s %5s %12s %9s %9s\n", "run", "round", "requests/s", "p50 us", "p99 us");
  std::vector<double> curl_p50;
  std::vector<double> client_p50;
  for (int round = 1; round <= options.rounds; ++round) {
    const Run plain = run_curl(options);
    print("plain libcurl + header", round, plain);
    const Run paying = run_client(**client, options);
    print("l402::Client, stored token", round, paying);
    curl_p50.push_back(percentile(plain.micros, 0.5));
    client_p50.push_back(percentile(paying.micros, 0.5));
  }
  const double curl_median = percentile(curl_p50, 0.5);
  const double client_median = percentile(client_p50, 0.5);
  std::printf("median p50: plain %.1f us, client %.1f us: overhead %.1f us per request (%.2fx)\n",
              curl_median, client_median, client_median - curl_median,
              client_median / curl_median);
  curl_global_cleanup();
  return 0;
}
