// The gRPC listeners (see grpc_proxy.hpp): one gRPC C++ server for all of them, with a generic
// callback service that takes every method.
#include "gateway/grpc/grpc_proxy.hpp"

#include <absl/synchronization/mutex.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <algorithm>
#include <climits>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#include "devnet/rest/tls_certificate.hpp"
#include "gateway/grpc/grpc_call.hpp"
#include "gateway/grpc/pem_file.hpp"
#include "gateway/grpc/upstream_channels.hpp"

namespace l402::gateway {
namespace {

// How often drain() looks whether the calls in flight are over.
constexpr std::chrono::milliseconds kDrainPoll{20};

std::string describe(const ListenerConfig& listener) {
  return host_and_port(listener.host, listener.port);
}

class ProxyService final : public grpc::CallbackGenericService {
 public:
  explicit ProxyService(GrpcCallDeps& deps) : deps_(deps) {}

  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    return start_grpc_call(context, deps_);
  }

 private:
  GrpcCallDeps& deps_;
};

class Proxy final : public GrpcProxy {
 public:
  Proxy(RequestHandler& handler, Metrics& metrics, Logger& logger)
      : channels_(std::max(2u, std::thread::hardware_concurrency())),
        deps_{handler, channels_, metrics, logger},
        service_(deps_) {}

  ~Proxy() override { drain(std::chrono::milliseconds(0)); }

  Result<void> start(const GrpcProxyOptions& options) {
    // Abseil (under gRPC) checks every mutex acquisition for lock-order cycles unless told
    // not to: a graph update on each lock, several per call, and nothing l402d acts on.
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
    grpc::ServerBuilder builder;
    ports_.assign(options.listeners.size(), 0);
    std::size_t max_metadata = 0;
    std::chrono::milliseconds idle{0};
    std::chrono::milliseconds handshake{0};
    for (std::size_t i = 0; i < options.listeners.size(); ++i) {
      const ListenerConfig& listener = options.listeners[i];
      L402_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                            credentials_for(listener, options.data_dir));
      selected_.push_back(std::make_unique<int>(0));
      builder.AddListeningPort(describe(listener), credentials, selected_.back().get());
      max_metadata = std::max(max_metadata, listener.max_header_bytes);
      idle = std::max(idle, listener.idle_timeout);
      handshake = std::max(handshake, listener.header_timeout);
    }
    std::uint64_t max_message = 4 * 1024 * 1024;
    for (const ServiceConfig& service : options.services) {
      if (service.upstream.grpc()) max_message = std::max(max_message, service.max_body_bytes);
    }
    builder.SetMaxReceiveMessageSize(
        static_cast<int>(std::min<std::uint64_t>(max_message, INT_MAX)));
    builder.SetMaxSendMessageSize(-1);
    builder.AddChannelArgument(GRPC_ARG_MAX_METADATA_SIZE, static_cast<int>(max_metadata));
    if (idle.count() > 0) {
      builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                                 static_cast<int>(std::min<std::int64_t>(idle.count(), INT_MAX)));
    }
    // gRPC core closes a connection whose TLS and HTTP/2 handshakes (up to the client's
    // SETTINGS) are not done within this: the listener's header_timeout, as for HTTP heads.
    if (handshake.count() > 0) {
      builder.AddChannelArgument(
          GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
          static_cast<int>(std::min<std::int64_t>(handshake.count(), INT_MAX)));
    }
    builder.RegisterCallbackGenericService(&service_);
    server_ = builder.BuildAndStart();
    if (!server_) {
      std::string names;
      for (const ListenerConfig& listener : options.listeners) {
        names += (names.empty() ? "" : ", ") + describe(listener);
      }
      return Error(ErrorCode::kFailedPrecondition, "gRPC: cannot listen on " + names);
    }
    for (std::size_t i = 0; i < selected_.size(); ++i) {
      if (*selected_[i] <= 0) {
        return Error(ErrorCode::kFailedPrecondition,
                     "gRPC: cannot listen on " + describe(options.listeners[i]));
      }
      ports_[i] = static_cast<std::uint16_t>(*selected_[i]);
    }
    return ok_result();
  }

  std::vector<std::uint16_t> ports() const override { return ports_; }

  std::filesystem::path self_signed_cert_path() const override { return self_signed_cert_; }

  std::size_t drain(std::chrono::milliseconds limit) override {
    const std::lock_guard lock(drain_mutex_);
    if (!server_) return 0;
    const auto deadline = std::chrono::system_clock::now() + limit;
    std::size_t cut = 0;
    // Shutdown refuses new calls at once and cancels those still running at the deadline;
    // what is still running just before it is what gets cut.
    std::thread watcher([&] {
      while (std::chrono::system_clock::now() + kDrainPoll < deadline &&
             deps_.active_calls.load() > 0) {
        std::this_thread::sleep_for(kDrainPoll);
      }
      cut = deps_.active_calls.load();
    });
    server_->Shutdown(deadline);
    watcher.join();
    server_->Wait();
    server_.reset();
    return cut;
  }

 private:
  Result<std::shared_ptr<grpc::ServerCredentials>> credentials_for(
      const ListenerConfig& listener, const std::filesystem::path& data_dir) {
    if (!listener.tls.enabled) return grpc::InsecureServerCredentials();
    grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
    if (listener.tls.self_signed) {
      std::error_code ec;
      std::filesystem::create_directories(data_dir / "tls", ec);
      if (ec) {
        return Error(ErrorCode::kFailedPrecondition,
                     "cannot create " + (data_dir / "tls").string() + ": " + ec.message());
      }
      L402_ASSIGN_OR_RETURN(devnet_rest::TlsIdentity identity,
                            devnet_rest::load_or_create_tls_identity(data_dir / "tls"));
      pair.cert_chain = identity.cert_pem;
      pair.private_key = identity.key_pem;
      self_signed_cert_ = identity.cert_path;
    } else {
      const std::string what = "gRPC listener " + describe(listener) + ": TLS";
      L402_ASSIGN_OR_RETURN(pair.cert_chain,
                            read_pem_file(listener.tls.cert_file, what + " certificate"));
      L402_ASSIGN_OR_RETURN(pair.private_key, read_pem_file(listener.tls.key_file, what + " key"));
    }
    grpc::SslServerCredentialsOptions options;
    options.pem_key_cert_pairs.push_back(std::move(pair));
    return grpc::SslServerCredentials(options);
  }

  UpstreamChannels channels_;
  GrpcCallDeps deps_;
  ProxyService service_;
  std::unique_ptr<grpc::Server> server_;
  std::vector<std::unique_ptr<int>> selected_;
  std::vector<std::uint16_t> ports_;
  std::filesystem::path self_signed_cert_;
  std::mutex drain_mutex_;
};

}  // namespace

Result<std::unique_ptr<GrpcProxy>> GrpcProxy::start(const GrpcProxyOptions& options,
                                                    RequestHandler& handler, Metrics& metrics,
                                                    Logger& logger) {
  auto proxy = std::make_unique<Proxy>(handler, metrics, logger);
  L402_RETURN_IF_ERROR(proxy->start(options));
  return std::unique_ptr<GrpcProxy>(std::move(proxy));
}

}  // namespace l402::gateway
