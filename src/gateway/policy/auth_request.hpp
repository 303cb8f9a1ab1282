// The decision service for a front proxy: nginx's `auth_request`, Caddy's and Traefik's
// `forward_auth`. The front proxy sends a subrequest describing the client's request in
// fields of its own; AuthRequestHandler rebuilds that request's head, asks the gateway's
// handler, and answers the front proxy:
//
//   forward (paid, free path, freebie, auth off) -> 200, no body, with X-L402-Token-Id and
//       X-L402-Service when a credential verified (never the service's injected headers: they
//       may be secrets; the front proxy sets them itself);
//   any reply of the gateway (402 challenge, 401, 404, 503, ...) -> that reply, with
//       X-L402-Status naming its status and the L402 challenge before the LSAT one.
//
// nginx's auth_request accepts only 2xx, 401 and 403 from the auth server (anything else
// becomes 500), so a subrequest whose own target carries `challenge_status=401` in its query
// gets every other status as 401, X-L402-Status keeping the real one and the challenge's
// WWW-Authenticate fields intact: nginx then answers the client itself from those fields
// (docs/front-proxy.md).
//
// Where the original request is read from, first found wins:
//   method: X-Original-Method, X-Forwarded-Method, else the subrequest's own method;
//   target: X-Original-URI, X-Forwarded-Uri (required: 400 without one);
//   host:   X-Forwarded-Host, else the subrequest's Host;
//   scheme: X-Forwarded-Proto ("https" marks the request as TLS).
// The client is the one the gateway's trusted_proxies rules find: the subrequest's peer is the
// front proxy, so with that proxy trusted, X-Forwarded-For (or Forwarded, or X-Real-IP when
// neither is there) names the client, and free requests are counted per client, not per
// front proxy. These fields are believed as sent: the auth listener must be reachable only by
// the front proxy, and the front proxy must set them, not pass on the client's.
//
// Thread safety: handle() is safe from any thread at once, as the wrapped handler's is.
#pragma once

#include <functional>
#include <string>

#include "gateway/exchange.hpp"
#include "l402/result.hpp"

namespace l402::gateway {

// What a subrequest asks about.
struct AuthSubrequest {
  RequestHead original;           // the client's request head, rebuilt
  bool challenge_as_401 = false;  // `challenge_status=401` in the subrequest's query
};

// Rebuilds the client's request from a subrequest's fields. Errors: kInvalidArgument, with a
// reason the operator can act on (no original URI, a URI that is not origin- or absolute-form
// or holds spaces or control characters, a method that is not a token, an unknown
// challenge_status).
Result<AuthSubrequest> read_auth_subrequest(const RequestHead& subrequest);

// The answer to the front proxy for the gateway's decision.
Decision auth_decision(Decision gateway_decision, bool challenge_as_401);

class AuthRequestHandler final : public RequestHandler {
 public:
  // `gateway` must outlive this handler.
  explicit AuthRequestHandler(RequestHandler& gateway) : gateway_(gateway) {}

  void handle(const RequestHead& head, std::function<void(Decision)> done) override;

 private:
  RequestHandler& gateway_;
};

}  // namespace l402::gateway
