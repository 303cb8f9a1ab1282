// Opens the Lightning backend the configuration names: the embedded devnet (with its LND REST
// API for buyers), LND over REST, or Core Lightning over its socket.
#pragma once

#include <memory>

#include "gateway/config/config.hpp"
#include "l402/devnet.hpp"
#include "l402/lightning.hpp"
#include "l402/result.hpp"

namespace l402::l402d {

// The account of the embedded devnet that the gateway's invoices credit.
inline constexpr const char* kGatewayDevnetAccount = "l402d";

struct LightningParts {
  std::unique_ptr<DevnetNode> devnet;             // devnet only
  std::unique_ptr<DevnetRestServer> devnet_rest;  // devnet with its REST API served
  std::unique_ptr<Backend> backend;
};

Result<LightningParts> open_lightning(const gateway::LightningConfig& config);

}  // namespace l402::l402d
