// Who the client is: the TCP peer, unless the peer is a trusted proxy; then the proxy chain it
// passed on (X-Forwarded-For, or Forwarded when there is no X-Forwarded-For) is walked from the
// right, skipping trusted hops, and the first untrusted hop is the client. A hop that does not
// name an address ("unknown", garbage) ends the walk at the nearest trusted hop, and so does a
// chain over the parser's limits: what an untrusted party wrote never decides.
//
// X-Forwarded-For is preferred because it is what common proxies append to by default; a
// trusted proxy that writes only Forwarded must also remove a client's X-Forwarded-For.
//
// Thread safety: stateless.
#pragma once

#include <string>
#include <vector>

#include "gateway/exchange.hpp"
#include "gateway/policy/forwarded.hpp"
#include "gateway/policy/ip_address.hpp"

namespace l402::gateway {

struct ClientAddress {
  std::string address;  // canonical text; the peer's text as given when it does not parse
  std::string network;  // client_network(), or `address` when it does not parse
  // The hops from the client to us whose addresses we believe, left to right, the peer last:
  // what goes upstream in X-Forwarded-For and Forwarded.
  std::vector<IpAddress> chain;
};

ClientAddress resolve_client(const RequestHead& head, const CidrSet& trusted_proxies,
                             const ForwardedLimits& limits = {});

}  // namespace l402::gateway
