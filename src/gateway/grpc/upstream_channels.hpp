// A few gRPC channels per upstream (scheme, host, port, CA, verification), made on first use
// and kept, each with a connection of its own, taken in turn by the calls: one HTTP/2
// connection carrying every call would put them all through one connection's lock and one
// socket.
//
// Thread safety: get() from any thread.
#pragma once

#include <grpcpp/channel.h>

#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gateway/config/config.hpp"
#include "l402/result.hpp"

namespace l402::gateway {

class UpstreamChannels {
 public:
  // `connections`: channels (each one connection) per upstream, at least 1.
  explicit UpstreamChannels(std::size_t connections);

  // The next channel to `upstream`. Errors: kFailedPrecondition when the upstream's CA file
  // cannot be read.
  Result<std::shared_ptr<grpc::Channel>> get(const UpstreamConfig& upstream);

 private:
  struct Pool {
    std::vector<std::shared_ptr<grpc::Channel>> channels;
    std::atomic<std::size_t> next{0};
  };

  const std::size_t connections_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Pool>> pools_;
};

}  // namespace l402::gateway
