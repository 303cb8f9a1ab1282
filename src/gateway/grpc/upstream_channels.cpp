// Channels to gRPC upstreams (see upstream_channels.hpp).
#include "gateway/grpc/upstream_channels.hpp"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <grpcpp/support/channel_arguments.h>

#include <iterator>

#include "gateway/grpc/grpc_proxy.hpp"
#include "gateway/grpc/pem_file.hpp"

namespace l402::gateway {
namespace {

std::string channel_key(const UpstreamConfig& upstream) {
  return upstream.scheme + "://" + upstream.host + ":" + std::to_string(upstream.port) + "|" +
         upstream.ca_file.string() + "|" + (upstream.verify_tls ? "verify" : "no-verify");
}

std::string target_of(const UpstreamConfig& upstream) {
  return host_and_port(upstream.host, upstream.port);
}

Result<std::shared_ptr<grpc::ChannelCredentials>> credentials_for(const UpstreamConfig& upstream) {
  if (!upstream.tls()) return grpc::InsecureChannelCredentials();
  if (!upstream.verify_tls) {
    // Development only (the config says so): encrypted, but anybody may pose as the upstream.
    grpc::experimental::TlsChannelCredentialsOptions options;
    options.set_verify_server_certs(false);
    options.set_check_call_host(false);
    return grpc::experimental::TlsCredentials(options);
  }
  grpc::SslCredentialsOptions options;
  if (!upstream.ca_file.empty()) {
    L402_ASSIGN_OR_RETURN(options.pem_root_certs, read_pem_file(upstream.ca_file, "upstream_ca"));
  }
  return grpc::SslCredentials(options);
}

}  // namespace

UpstreamChannels::UpstreamChannels(std::size_t connections)
    : connections_(connections == 0 ? 1 : connections) {}

Result<std::shared_ptr<grpc::Channel>> UpstreamChannels::get(const UpstreamConfig& upstream) {
  const std::string key = channel_key(upstream);
  Pool* pool = nullptr;
  {
    const std::lock_guard lock(mutex_);
    if (auto found = pools_.find(key); found != pools_.end()) {
      pool = found->second.get();
    } else {
      L402_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ChannelCredentials> credentials,
                            credentials_for(upstream));
      auto made = std::make_unique<Pool>();
      for (std::size_t i = 0; i < connections_; ++i) {
        grpc::ChannelArguments arguments;
        arguments.SetMaxReceiveMessageSize(static_cast<int>(kMaxUpstreamMessageBytes));
        arguments.SetMaxSendMessageSize(-1);
        // Calls fail fast while the upstream is down (UNAVAILABLE) instead of waiting for it;
        // a channel that lost its connection tries again soon.
        arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
        arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
        // Channels share connections unless each keeps its own subchannels.
        arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
        made->channels.push_back(
            grpc::CreateCustomChannel(target_of(upstream), credentials, arguments));
      }
      pool = made.get();
      pools_.emplace(key, std::move(made));
    }
  }
  const std::size_t index = pool->next.fetch_add(1, std::memory_order_relaxed);
  return pool->channels[index % pool->channels.size()];
}

}  // namespace l402::gateway
