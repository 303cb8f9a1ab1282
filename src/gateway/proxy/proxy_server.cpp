// ProxyServer: N workers (one io_context, run by one thread, each), and for every listener one
// acceptor per worker bound with SO_REUSEPORT, so that the kernel spreads connections over
// the threads and a connection stays on the thread that accepted it (no strands, no locks in
// the data path).
//
// Draining closes the acceptors and the idle connections, lets in-flight requests finish
// (their connections then close instead of staying alive), and after the timeout cuts what is
// left; then the threads stop.
#include "gateway/proxy/proxy_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "devnet/rest/tls_certificate.hpp"
#include "gateway/proxy/proxy_protocol_reader.hpp"
#include "gateway/proxy/worker.hpp"

namespace l402::gateway {
namespace {

using proxy::ListenerState;
using proxy::ServerShared;
using proxy::SessionControl;
using proxy::Worker;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using reuse_port = net::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

// Pause before accepting again after an accept error (e.g. out of file descriptors).
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};
// After cutting the remaining connections, how long their handlers get to run out.
constexpr std::chrono::milliseconds kCutGrace{500};

std::string describe(const ListenerConfig& listener) {
  const bool ipv6 = listener.host.find(':') != std::string::npos;
  return (ipv6 ? "[" + listener.host + "]" : listener.host) + ":" + std::to_string(listener.port);
}

Result<std::unique_ptr<ssl::context>> make_tls_context(const ListenerConfig& listener,
                                                       const std::filesystem::path& data_dir,
                                                       std::filesystem::path& self_signed_cert) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  boost::beast::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                       ec);
  if (listener.tls.self_signed) {
    std::error_code dir_ec;
    std::filesystem::create_directories(data_dir / "tls", dir_ec);
    if (dir_ec) {
      return Error(ErrorCode::kFailedPrecondition,
                   "cannot create " + (data_dir / "tls").string() + ": " + dir_ec.message());
    }
    L402_ASSIGN_OR_RETURN(devnet_rest::TlsIdentity identity,
                          devnet_rest::load_or_create_tls_identity(data_dir / "tls"));
    if (!ec) context->use_certificate_chain(net::buffer(identity.cert_pem), ec);
    if (!ec) context->use_private_key(net::buffer(identity.key_pem), ssl::context::pem, ec);
    if (ec) {
      return Error(ErrorCode::kFailedPrecondition,
                   identity.cert_path.string() + ": unusable for TLS: " + ec.message());
    }
    self_signed_cert = identity.cert_path;
    return context;
  }
  if (!ec) context->use_certificate_chain_file(listener.tls.cert_file.string(), ec);
  if (ec) {
    return Error(ErrorCode::kFailedPrecondition,
                 "listener " + describe(listener) + ": TLS certificate " +
                     listener.tls.cert_file.string() + ": " + ec.message());
  }
  context->use_private_key_file(listener.tls.key_file.string(), ssl::context::pem, ec);
  if (ec) {
    return Error(ErrorCode::kFailedPrecondition, "listener " + describe(listener) + ": TLS key " +
                                                     listener.tls.key_file.string() + ": " +
                                                     ec.message());
  }
  return context;
}

Result<tcp::endpoint> listener_endpoint(net::io_context& ioc, const ListenerConfig& listener) {
  boost::beast::error_code ec;
  const net::ip::address address = net::ip::make_address(listener.host, ec);
  if (!ec) return tcp::endpoint(address, listener.port);
  tcp::resolver resolver(ioc);
  const tcp::resolver::results_type results =
      resolver.resolve(listener.host, std::to_string(listener.port), ec);
  if (ec || results.empty()) {
    return Error(ErrorCode::kUnavailable, "cannot listen on " + describe(listener) +
                                              ": cannot resolve the host: " + ec.message());
  }
  return results.begin()->endpoint();
}

void do_accept(Worker& worker, tcp::acceptor& acceptor, ListenerState& listener) {
  acceptor.async_accept(worker.ioc, [&worker, &acceptor, &listener](boost::beast::error_code ec,
                                                                    proxy::Socket socket) {
    if (!acceptor.is_open() || worker.draining) return;
    if (ec) {
      auto timer = std::make_shared<net::steady_timer>(worker.ioc, kAcceptRetryDelay);
      timer->async_wait([&worker, &acceptor, &listener, timer](boost::beast::error_code) {
        if (acceptor.is_open() && !worker.draining) do_accept(worker, acceptor, listener);
      });
      return;
    }
    // Beyond the limit the connection is closed unanswered, as a full listen queue would.
    if (listener.connections.fetch_add(1) >= listener.config.max_connections) {
      listener.connections.fetch_sub(1);
      boost::beast::error_code ignored;
      socket.close(ignored);
    } else if (listener.config.proxy_protocol != ProxyProtocol::kOff) {
      proxy::read_proxy_header(worker, listener, std::move(socket));
    } else {
      proxy::start_session(worker, listener, std::move(socket));
    }
    do_accept(worker, acceptor, listener);
  });
}

class Server final : public ProxyServer {
 public:
  Server(RequestHandler& handler, Metrics& metrics, Logger& logger)
      : handler_(handler), shared_(metrics, logger) {}

  ~Server() override { stop(std::chrono::milliseconds(0)); }

  Result<void> start(const ProxyOptions& options) {
    std::size_t threads = options.io_threads;
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    for (std::size_t i = 0; i < threads; ++i) {
      workers_.push_back(std::make_unique<Worker>(shared_));
    }
    for (const ListenerConfig& config : options.listeners) {
      RequestHandler* handler = &handler_;
      if (config.role == ListenerRole::kAuthRequest) {
        if (options.auth_handler == nullptr) {
          return Error(ErrorCode::kInvalidArgument,
                       "proxy: " + describe(config) + " has role auth_request but no handler");
        }
        handler = options.auth_handler;
      }
      auto listener = std::make_unique<ListenerState>(config, *handler);
      if (config.tls.enabled) {
        L402_ASSIGN_OR_RETURN(listener->tls,
                              make_tls_context(config, options.data_dir, self_signed_cert_));
      }
      L402_RETURN_IF_ERROR(bind(*listener));
      listeners_.push_back(std::move(listener));
    }
    for (auto& worker : workers_) {
      for (std::size_t i = 0; i < listeners_.size(); ++i) {
        do_accept(*worker, *worker->acceptors[i], *listeners_[i]);
      }
      const std::lock_guard<std::mutex> lock(worker->gate->mu);
      worker->gate->ioc = &worker->ioc;
    }
    for (auto& worker : workers_) {
      Worker* w = worker.get();
      w->thread = std::thread([w] {
        w->gate->thread_id.store(std::this_thread::get_id());
        w->ioc.run();
      });
    }
    running_ = true;
    return ok_result();
  }

  std::vector<std::uint16_t> ports() const override { return ports_; }
  std::filesystem::path self_signed_cert_path() const override { return self_signed_cert_; }

  std::size_t drain(std::chrono::milliseconds timeout) override { return stop(timeout); }

 private:
  // One acceptor per worker, all on one port.
  Result<void> bind(ListenerState& listener) {
    L402_ASSIGN_OR_RETURN(tcp::endpoint endpoint,
                          listener_endpoint(workers_.front()->ioc, listener.config));
    for (auto& worker : workers_) {
      auto acceptor = std::make_unique<tcp::acceptor>(worker->ioc);
      boost::beast::error_code ec;
      acceptor->open(endpoint.protocol(), ec);
      if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
      if (!ec) acceptor->set_option(reuse_port(true), ec);
      if (!ec) acceptor->bind(endpoint, ec);
      if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
      if (!ec && endpoint.port() == 0) {
        // Port 0: the first acceptor picked the port, the others share it.
        endpoint.port(acceptor->local_endpoint(ec).port());
      }
      if (ec) {
        return Error(ErrorCode::kUnavailable,
                     "cannot listen on " + describe(listener.config) + ": " + ec.message());
      }
      worker->acceptors.push_back(std::move(acceptor));
    }
    ports_.push_back(endpoint.port());
    return ok_result();
  }

  // Runs `task` on every worker's thread and waits for all of them.
  template <typename Task>
  void on_every_worker(Task task) {
    std::vector<std::future<void>> done;
    for (auto& worker : workers_) {
      auto promise = std::make_shared<std::promise<void>>();
      done.push_back(promise->get_future());
      Worker* w = worker.get();
      net::post(w->ioc, [w, promise, task] {
        task(*w);
        promise->set_value();
      });
    }
    for (auto& future : done) future.wait();
  }

  bool wait_for_sessions(std::chrono::steady_clock::time_point deadline) {
    while (shared_.live_sessions.load() > 0) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  std::size_t stop(std::chrono::milliseconds timeout) {
    if (!running_) return 0;
    running_ = false;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    on_every_worker([](Worker& worker) {
      worker.draining = true;
      for (auto& acceptor : worker.acceptors) {
        boost::beast::error_code ignored;
        acceptor->close(ignored);
      }
      worker.pool.close_all();
      const std::vector<SessionControl*> sessions(worker.sessions.begin(), worker.sessions.end());
      for (SessionControl* session : sessions) {
        if (!session->in_request()) session->close();
      }
    });
    std::size_t cut = 0;
    if (!wait_for_sessions(deadline)) {
      std::atomic<std::size_t> in_flight{0};
      on_every_worker([&in_flight](Worker& worker) {
        const std::vector<SessionControl*> sessions(worker.sessions.begin(), worker.sessions.end());
        for (SessionControl* session : sessions) {
          if (session->in_request()) in_flight.fetch_add(1);
          session->close();
        }
      });
      cut = in_flight.load();
      wait_for_sessions(std::chrono::steady_clock::now() + kCutGrace);
    }
    for (auto& worker : workers_) {
      {
        const std::lock_guard<std::mutex> lock(worker->gate->mu);
        worker->gate->ioc = nullptr;
      }
      worker->ioc.stop();
    }
    for (auto& worker : workers_) {
      if (worker->thread.joinable()) worker->thread.join();
    }
    return cut;
  }

  RequestHandler& handler_;
  ServerShared shared_;
  // Before the workers: sessions (destroyed with their worker's io_context) use them.
  std::vector<std::unique_ptr<ListenerState>> listeners_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::uint16_t> ports_;
  std::filesystem::path self_signed_cert_;
  bool running_ = false;
};

}  // namespace

Result<std::unique_ptr<ProxyServer>> ProxyServer::start(const ProxyOptions& options,
                                                        RequestHandler& handler, Metrics& metrics,
                                                        Logger& logger) {
  if (options.listeners.empty()) {
    return Error(ErrorCode::kInvalidArgument, "proxy: no listener configured");
  }
  auto server = std::make_unique<Server>(handler, metrics, logger);
  L402_RETURN_IF_ERROR(server->start(options));
  return std::unique_ptr<ProxyServer>(std::move(server));
}

}  // namespace l402::gateway
