// l402-grpc-echo: the gRPC upstream of the integration tests and bench/grpc_bench.sh
// (echo.proto's Echo service, see echo_service.hpp).
//
//   l402-grpc-echo [--listen HOST:PORT] [--tls-cert FILE --tls-key FILE]
//
// Port 0 (the default, 127.0.0.1:0) picks an ephemeral port. When it listens it prints one
// line on stdout, {"listening":"127.0.0.1:PORT"}; SIGTERM or SIGINT stop it with exit code 0.
#include <signal.h>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "echo_service.hpp"

namespace {

constexpr std::string_view kUsage =
    "usage: l402-grpc-echo [--listen HOST:PORT] [--tls-cert FILE --tls-key FILE]\n"
    "  --listen    address to listen on (default 127.0.0.1:0: an ephemeral port)\n"
    "  --tls-cert  PEM certificate chain: serve TLS instead of plaintext HTTP/2\n"
    "  --tls-key   PEM private key of that certificate\n";

std::optional<l402::testing::EchoServerOptions> parse_options(int argc, char** argv) {
  l402::testing::EchoServerOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return std::nullopt;
    const std::string value = argv[++i];
    if (arg == "--listen") {
      options.address = value;
    } else if (arg == "--tls-cert") {
      options.tls_cert_path = value;
    } else if (arg == "--tls-key") {
      options.tls_key_path = value;
    } else {
      return std::nullopt;
    }
  }
  return options;
}

// The host part of "host:port" ("[v6]:port" keeps its brackets).
std::string host_of(const std::string& address) {
  const std::size_t colon = address.rfind(':');
  return colon == std::string::npos ? address : address.substr(0, colon);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
    std::cout << kUsage;
    return 0;
  }
  const std::optional<l402::testing::EchoServerOptions> options = parse_options(argc, argv);
  if (!options) {
    std::cerr << kUsage;
    return 2;
  }

  // Blocked before gRPC starts its threads, which inherit the mask: the signals then wait for
  // sigwait below instead of killing the process. Blocked before the ready line, so that a
  // signal sent as soon as it is read stops us cleanly.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::string error;
  const std::unique_ptr<l402::testing::EchoServer> server =
      l402::testing::EchoServer::start(*options, &error);
  if (!server) {
    std::cerr << "l402-grpc-echo: " << error << '\n';
    return 1;
  }
  std::cout << R"({"listening":")" << host_of(options->address) << ':' << server->port() << "\"}"
            << std::endl;

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server->shutdown();
  return 0;
}
