#include "lightning_setup.hpp"

#include <utility>

namespace l402::l402d {

Result<LightningParts> open_lightning(const gateway::LightningConfig& config) {
  LightningParts parts;
  switch (config.kind) {
    case gateway::LightningKind::kDevnet: {
      DevnetOptions options;
      options.data_dir = config.devnet_dir;
      options.alias = "l402d-devnet";
      options.accounts.push_back(DevnetAccount{kGatewayDevnetAccount, Msat(0)});
      Result<std::unique_ptr<DevnetNode>> node = DevnetNode::open(options);
      if (!node.ok()) {
        return Error(node.error().code(), "devnet: " + node.error().message());
      }
      parts.devnet = std::move(*node);
      if (config.devnet_serve) {
        DevnetServerOptions server;
        server.host = config.devnet_host;
        server.port = config.devnet_port;
        Result<std::unique_ptr<DevnetRestServer>> rest =
            DevnetRestServer::start(*parts.devnet, server);
        if (!rest.ok()) {
          return Error(rest.error().code(), "devnet REST API: " + rest.error().message());
        }
        parts.devnet_rest = std::move(*rest);
      }
      parts.backend = open_devnet_backend(*parts.devnet, kGatewayDevnetAccount);
      return parts;
    }
    case gateway::LightningKind::kLnd: {
      LndOptions options;
      options.url = config.lnd_url;
      options.tls_cert_path = config.lnd_tls_cert.string();
      options.macaroon_path = config.lnd_macaroon.string();
      options.call_timeout = config.timeout;
      Result<std::unique_ptr<Backend>> backend = open_lnd_backend(options);
      if (!backend.ok()) return Error(backend.error().code(), "lnd: " + backend.error().message());
      parts.backend = std::move(*backend);
      return parts;
    }
    case gateway::LightningKind::kCln: {
      ClnOptions options;
      options.socket_path = config.cln_socket.string();
      options.call_timeout = config.timeout;
      Result<std::unique_ptr<Backend>> backend = open_cln_backend(options);
      if (!backend.ok()) return Error(backend.error().code(), "cln: " + backend.error().message());
      parts.backend = std::move(*backend);
      return parts;
    }
  }
  return Error(ErrorCode::kInvalidArgument, "unknown Lightning backend");
}

}  // namespace l402::l402d
