// Load on devnet over loopback: invoices created per second and payment round trips, with
// latency percentiles, through our LND REST client over HTTPS (and, for comparison, through
// the in-process Backend that l402d embeds). Not Google Benchmark: the figures that matter
// are throughput under concurrency and tail latency.
//
//   devnet_load [--seconds S] [--clients N] [--server-threads N]
//   devnet_load --serve S [--server-threads N]
//
// --serve only runs devnet's REST server for S seconds and prints its URL and the hex of the
// default account's macaroon, for an outside load generator (bench/devnet_wrk.sh runs wrk).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "l402/devnet.hpp"
#include "l402/encoding.hpp"
#include "l402/lightning.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Figures {
  std::size_t completed = 0;
  std::size_t failed = 0;
  double seconds = 0;
  std::vector<double> latencies_us;
};

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto index = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[index];
}

// Runs `operation` from `clients` threads for `seconds`; each call is one timed round trip.
Figures run_load(std::size_t clients, double seconds, const std::function<bool()>& operation) {
  std::vector<std::vector<double>> latencies(clients);
  std::vector<std::size_t> failures(clients, 0);
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(seconds);
  for (std::size_t c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      while (Clock::now() < deadline) {
        const auto before = Clock::now();
        const bool ok = operation();
        const auto after = Clock::now();
        if (!ok) {
          ++failures[c];
          continue;
        }
        latencies[c].push_back(std::chrono::duration<double, std::micro>(after - before).count());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  Figures figures;
  figures.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (std::size_t c = 0; c < clients; ++c) {
    figures.failed += failures[c];
    figures.latencies_us.insert(figures.latencies_us.end(), latencies[c].begin(),
                                latencies[c].end());
  }
  figures.completed = figures.latencies_us.size();
  std::sort(figures.latencies_us.begin(), figures.latencies_us.end());
  return figures;
}

void report(const char* name, Figures figures) {
  std::printf("%-34s %9.0f/s  p50 %8.0f us  p99 %8.0f us  (%zu ok, %zu failed, %.1f s)\n", name,
              static_cast<double>(figures.completed) / figures.seconds,
              percentile(figures.latencies_us, 0.50), percentile(figures.latencies_us, 0.99),
              figures.completed, figures.failed, figures.seconds);
  std::fflush(stdout);
}

std::function<bool()> create_invoices(l402::Backend& backend) {
  return [&backend] { return backend.create_invoice({l402::Msat(10'000), "load", 600}).ok(); };
}

std::function<bool()> create_and_pay(l402::Backend& receiver, l402::Backend& payer) {
  return [&receiver, &payer] {
    l402::Result<l402::IssuedInvoice> issued =
        receiver.create_invoice({l402::Msat(10'000), "load", 600});
    if (!issued.ok()) return false;
    l402::PayRequest request;
    request.bolt11 = issued->bolt11;
    request.max_fee = l402::Msat(0);
    return payer.pay(request).ok();
  };
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 10;
  std::size_t clients = 8;
  std::size_t server_threads = 2;
  double serve_seconds = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::atof(argv[i + 1]);
    if (std::strcmp(argv[i], "--clients") == 0) clients = std::strtoul(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--serve") == 0) serve_seconds = std::atof(argv[i + 1]);
    if (std::strcmp(argv[i], "--server-threads") == 0) {
      server_threads = std::strtoul(argv[i + 1], nullptr, 10);
    }
  }
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("l402-devnet-load-" + std::to_string(getpid()));
  l402::DevnetOptions options;
  options.data_dir = dir;
  options.accounts = {{"payer", l402::Msat(1'000'000'000'000)}};
  auto node = l402::DevnetNode::open(options);
  if (!node.ok()) {
    std::fprintf(stderr, "devnet: %s\n", node.error().message().c_str());
    return 1;
  }
  l402::DevnetServerOptions server_options;
  server_options.threads = server_threads;
  auto server = l402::DevnetRestServer::start(**node, server_options);
  if (!server.ok()) {
    std::fprintf(stderr, "devnet server: %s\n", server.error().message().c_str());
    return 1;
  }
  if (serve_seconds > 0) {
    std::ifstream macaroon((*node)->macaroon_path("default"), std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(macaroon),
                            std::istreambuf_iterator<char>()};
    std::printf("%s %s\n", (*server)->url().c_str(), l402::hex::encode(bytes).c_str());
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::duration<double>(serve_seconds));
    server->reset();
    node->reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return 0;
  }
  auto connect = [&](const std::string& account) {
    l402::LndOptions lnd;
    lnd.url = (*server)->url();
    lnd.tls_cert_path = (*server)->tls_cert_path().string();
    lnd.macaroon_path = (*node)->macaroon_path(account).string();
    lnd.max_idle_connections = clients;
    return std::move(l402::open_lnd_backend(lnd).value());
  };
  std::unique_ptr<l402::Backend> receiver = connect("default");
  std::unique_ptr<l402::Backend> payer = connect("payer");
  std::unique_ptr<l402::Backend> in_process = l402::open_devnet_backend(**node, "default");
  std::unique_ptr<l402::Backend> in_process_payer = l402::open_devnet_backend(**node, "payer");

  std::printf("devnet load: %zu clients, %zu server threads, %.0f s per row, nproc %u\n", clients,
              server_threads, seconds, std::thread::hardware_concurrency());
  report("create_invoice, LND REST over TLS",
         run_load(clients, seconds, create_invoices(*receiver)));
  report("create_invoice + pay, LND REST",
         run_load(clients, seconds, create_and_pay(*receiver, *payer)));
  report("create_invoice, in process", run_load(clients, seconds, create_invoices(*in_process)));
  report("create_invoice + pay, in process",
         run_load(clients, seconds, create_and_pay(*in_process, *in_process_payer)));

  in_process.reset();
  in_process_payer.reset();
  receiver.reset();
  payer.reset();
  server->reset();
  node->reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
