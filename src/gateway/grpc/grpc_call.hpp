// One gRPC call through the proxy: asks the handler, then either finishes with the gateway's
// answer or runs the same call on the upstream and relays between the two, message by message
// (one message in flight each way, so a slow reader slows the writer instead of filling
// memory).
//
// Thread safety: the call's reactions run on gRPC's threads and the handler's; the call
// serialises what they share.
#pragma once

#include <grpcpp/generic/async_generic_service.h>

#include <atomic>
#include <cstddef>

#include "gateway/exchange.hpp"
#include "gateway/grpc/upstream_channels.hpp"
#include "gateway/observe/log.hpp"
#include "gateway/observe/metrics.hpp"

namespace l402::gateway {

struct GrpcCallDeps {
  RequestHandler& handler;
  UpstreamChannels& channels;
  Metrics& metrics;
  Logger& logger;
  std::atomic<std::size_t> active_calls{0};
};

// The reactor for a new call; it deletes itself when the call is over.
grpc::ServerGenericBidiReactor* start_grpc_call(grpc::GenericCallbackServerContext* context,
                                                GrpcCallDeps& deps);

}  // namespace l402::gateway
