// l402-demo-upstream: the HTTP service that l402d's demo, tests and benchmarks sell access to.
//
//   l402-demo-upstream [--listen 127.0.0.1:8080] [--threads N]
//
// Port 0 picks an ephemeral port. When it listens it prints one line on stdout,
// {"event":"ready","url":"http://127.0.0.1:PORT"}; SIGTERM or SIGINT stop it with exit code 0.
// Each of the N threads runs an io_context of its own with its own SO_REUSEPORT acceptor on
// the same port, so the kernel spreads connections over them and no connection is ever
// shared between threads. The endpoints are described in server.cpp.
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "server.hpp"

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using ReusePort = net::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

constexpr std::string_view kUsage =
    "usage: l402-demo-upstream [--listen HOST:PORT] [--threads N]\n"
    "  --listen   address to listen on (default 127.0.0.1:8080; port 0: ephemeral)\n"
    "  --threads  threads, each with its own acceptor (default: number of CPUs)\n";

struct Options {
  tcp::endpoint endpoint{net::ip::make_address_v4("127.0.0.1"), 8080};
  unsigned threads = std::max(1U, std::thread::hardware_concurrency());
};

std::optional<unsigned> parse_unsigned(std::string_view text, unsigned max) {
  unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value > max) return std::nullopt;
  return value;
}

// "host:port" or "[v6 host]:port".
std::optional<tcp::endpoint> parse_endpoint(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::optional<unsigned> port = parse_unsigned(text.substr(colon + 1), 65535);
  boost::system::error_code ec;
  const net::ip::address address = net::ip::make_address(std::string(host), ec);
  if (ec || !port) return std::nullopt;
  return tcp::endpoint(address, static_cast<unsigned short>(*port));
}

std::optional<Options> parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return std::nullopt;
    const std::string_view value = argv[++i];
    if (arg == "--listen") {
      const std::optional<tcp::endpoint> endpoint = parse_endpoint(value);
      if (!endpoint) return std::nullopt;
      options.endpoint = *endpoint;
    } else if (arg == "--threads") {
      const std::optional<unsigned> threads = parse_unsigned(value, 256);
      if (!threads || *threads == 0) return std::nullopt;
      options.threads = *threads;
    } else {
      return std::nullopt;
    }
  }
  return options;
}

struct Worker {
  // A concurrency hint of 1: exactly one thread runs it, so Asio can skip its locking.
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
};

// Opens, binds and listens; on failure, returns the step that failed and the error.
std::optional<std::string> listen_on(tcp::acceptor& acceptor, const tcp::endpoint& endpoint) {
  boost::system::error_code ec;
  if (acceptor.open(endpoint.protocol(), ec)) return "open: " + ec.message();
  if (acceptor.set_option(net::socket_base::reuse_address(true), ec)) {
    return "SO_REUSEADDR: " + ec.message();
  }
  if (acceptor.set_option(ReusePort(true), ec)) return "SO_REUSEPORT: " + ec.message();
  if (acceptor.bind(endpoint, ec)) return "bind: " + ec.message();
  if (acceptor.listen(net::socket_base::max_listen_connections, ec)) {
    return "listen: " + ec.message();
  }
  return std::nullopt;
}

std::string url_of(const tcp::endpoint& endpoint) {
  const std::string host = endpoint.address().is_v6() ? "[" + endpoint.address().to_string() + "]"
                                                      : endpoint.address().to_string();
  return "http://" + host + ":" + std::to_string(endpoint.port());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
    std::cout << kUsage;
    return 0;
  }
  const std::optional<Options> options = parse_options(argc, argv);
  if (!options) {
    std::cerr << kUsage;
    return 2;
  }

  // The first acceptor resolves port 0; the others join it on the port it got.
  std::vector<std::unique_ptr<Worker>> workers;
  tcp::endpoint endpoint = options->endpoint;
  for (unsigned i = 0; i < options->threads; ++i) {
    auto worker = std::make_unique<Worker>();
    if (const std::optional<std::string> error = listen_on(worker->acceptor, endpoint)) {
      std::cerr << "l402-demo-upstream: cannot listen on " << url_of(endpoint) << ": " << *error
                << '\n';
      return 1;
    }
    boost::system::error_code ec;
    endpoint = worker->acceptor.local_endpoint(ec);
    if (ec) {
      std::cerr << "l402-demo-upstream: local_endpoint: " << ec.message() << '\n';
      return 1;
    }
    l402::demo_upstream::start_accepting(worker->acceptor);
    workers.push_back(std::move(worker));
  }

  // Installed before the ready line, so that a signal sent as soon as it is read stops us.
  net::io_context signals_ioc{1};
  net::signal_set signals(signals_ioc, SIGINT, SIGTERM);
  signals.async_wait([&workers](const boost::system::error_code&, int) {
    for (auto& worker : workers) worker->ioc.stop();
  });

  std::printf("{\"event\":\"ready\",\"url\":\"%s\"}\n", url_of(endpoint).c_str());
  std::fflush(stdout);

  std::vector<std::thread> threads;
  for (auto& worker : workers) {
    threads.emplace_back([&ioc = worker->ioc] { ioc.run(); });
  }
  signals_ioc.run();
  for (auto& thread : threads) thread.join();
  return 0;
}
