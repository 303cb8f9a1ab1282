// What the server, its I/O threads and the sessions share. One Worker per I/O thread: its
// io_context, upstream pool and session registry are touched only from that thread (drain
// posts its work there), so the data path takes no lock. Private to src/gateway/proxy;
// includes Asio.
//
// Thread safety: ServerShared and ListenerState are safe from any thread (atomics and
// references to thread-safe objects); a Worker's members belong to its thread.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "gateway/config/config.hpp"
#include "gateway/exchange.hpp"
#include "gateway/observe/log.hpp"
#include "gateway/observe/metrics.hpp"
#include "gateway/proxy/upstream_pool.hpp"

namespace l402::gateway::proxy {

struct ServerShared {
  ServerShared(Metrics& m, Logger& l) : metrics(m), logger(l) {}

  Metrics& metrics;
  Logger& logger;
  std::atomic<std::size_t> live_sessions{0};
};

struct ListenerState {
  ListenerState(const ListenerConfig& listener_config, RequestHandler& listener_handler)
      : config(listener_config), handler(listener_handler) {}

  const ListenerConfig config;
  RequestHandler& handler;  // the proxy's, or the auth_request decisions' (by config.role)
  std::unique_ptr<ssl::context> tls;  // null for a plain listener
  std::atomic<std::size_t> connections{0};
};

// What the server needs of a session to drain.
class SessionControl {
 public:
  virtual ~SessionControl() = default;
  // Between the first byte of a request and the end of its response.
  virtual bool in_request() const = 0;
  // Closes the connection now; pending operations end with errors.
  virtual void close() = 0;
};

// How a handler's completion, which may run on any thread and even after the server is gone,
// finds its way back to a worker.
struct WorkerGate {
  std::mutex mu;
  boost::asio::io_context* ioc = nullptr;  // null once the worker has stopped; guarded by mu
  std::atomic<std::thread::id> thread_id{};
};

// Fixed-size buffers reused by one thread's sessions: a busy worker allocates none per
// request, an idle one keeps at most kMaxSpare.
class SpareBuffers {
 public:
  static constexpr std::size_t kBufferSize = 64 * 1024;
  static constexpr std::size_t kMaxSpare = 64;

  // A buffer of kBufferSize bytes, not zeroed: only the pages written become resident.
  std::unique_ptr<char[]> take() {
    if (spare_.empty()) return std::make_unique_for_overwrite<char[]>(kBufferSize);
    std::unique_ptr<char[]> buffer = std::move(spare_.back());
    spare_.pop_back();
    return buffer;
  }

  void give_back(std::unique_ptr<char[]> buffer) {
    if (buffer && spare_.size() < kMaxSpare) spare_.push_back(std::move(buffer));
  }

 private:
  std::vector<std::unique_ptr<char[]>> spare_;
};

struct Worker {
  explicit Worker(ServerShared& server_shared) : shared(server_shared) {}

  ServerShared& shared;
  std::shared_ptr<WorkerGate> gate = std::make_shared<WorkerGate>();
  std::unordered_set<SessionControl*> sessions;
  bool draining = false;  // finish in-flight requests, then close instead of keep-alive
  // Body relay buffers that sessions hand back between requests, so that an idle keep-alive
  // connection holds none. Before the io_context: sessions destroyed with it give theirs back.
  SpareBuffers spare_buffers;
  // After the members that sessions use in their destructors: destroying the io_context
  // destroys the handlers that still own sessions. Only this thread touches the worker's
  // sockets, so the reactor's per-socket locking is off (other threads only post to it).
  boost::asio::io_context ioc{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  // Keeps run() going when nothing is pending (e.g. while draining), until ioc.stop().
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work =
      boost::asio::make_work_guard(ioc);
  UpstreamPool pool{ioc};
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;  // one per listener
  std::thread thread;
};

// Serves one accepted connection on `worker`'s thread (the caller is on it). `peer_address`
// is the client's address when something other than the socket named it (a PROXY protocol
// header); by default the socket's peer.
void start_session(Worker& worker, ListenerState& listener, Socket&& socket,
                   std::optional<std::string> peer_address = std::nullopt);

}  // namespace l402::gateway::proxy
