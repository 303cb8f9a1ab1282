// The gRPC upstream of the tests and benchmarks: echo.proto's Echo service on gRPC C++'s
// callback API, in-process (EchoServer) or as the program l402-grpc-echo (echo_main.cpp).
//
// Every call gets initial metadata `x-echo-initial: yes` (streaming calls at once, unary ones
// with the answer) and trailing metadata `x-echo-trailing: done`; every reply carries the
// request metadata as the upstream received it. EchoRequest.delay_ms is waited before each
// reply (Say, Expand, Chat) or, in Collect, after each request arrives. Delays run on a timer
// thread of the server, never on a gRPC thread, and a cancelled call (client gone, deadline
// passed, server shutting down) finishes at once with CANCELLED instead of waiting its delay
// out. A fail_code outside 1..16 ends the call with INVALID_ARGUMENT.
//
// Thread safety: all methods of EchoServer may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace l402::testing {

struct EchoServerOptions {
  // host:port to listen on; port 0 picks an ephemeral port.
  std::string address = "127.0.0.1:0";
  // PEM files of the server certificate (chain) and its key: both empty for plaintext (h2c),
  // both set for TLS.
  std::string tls_cert_path;
  std::string tls_key_path;
};

class EchoServer {
 public:
  // Starts listening and serving. Returns nullptr on failure (address in use, unreadable
  // certificate or key, only one of the two given) and, if `error` is not null, says why.
  static std::unique_ptr<EchoServer> start(const EchoServerOptions& options,
                                           std::string* error = nullptr);

  // Shuts down (see shutdown()).
  ~EchoServer();
  EchoServer(const EchoServer&) = delete;
  EchoServer& operator=(const EchoServer&) = delete;

  // The port it listens on (the ephemeral one if options.address asked for port 0).
  std::uint16_t port() const;

  // Stops accepting calls, gives the calls in progress about a second to end, then cancels
  // them and returns once every call has finished. Later calls do nothing.
  void shutdown();

  // Calls begun, of any kind.
  std::size_t calls_started() const;
  // Calls whose cancellation the service saw (OnCancel) before it had finished them itself.
  std::size_t calls_cancelled() const;
  // Waits until calls_cancelled() >= n, at most `limit`; true if it got there.
  bool wait_for_cancelled(std::size_t n, std::chrono::milliseconds limit) const;

 private:
  class Impl;
  explicit EchoServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace l402::testing
