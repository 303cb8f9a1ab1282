// The endpoints of LND's REST API that devnet serves (GetInfo, AddInvoice, ListInvoices,
// LookupInvoice, SubscribeInvoices, SendPaymentV2, TrackPaymentV2, SendPaymentSync,
// DecodePayReq), as a pure decision: a parsed HTTP
// request in, the answer out. No sockets; the session (server.cpp) moves the bytes.
//
// Each endpoint authenticates the request's macaroon with the node and acts for the account
// it names: invoices are credited to it, payments are paid from it, lookups and
// subscriptions see only its invoices and payments. Errors take LND's shape and codes
// (lnd_json.hpp).
//
// Thread safety: handle() may be called from any number of threads at once (the node is
// thread-safe and RestRoutes holds no mutable state). Paying (POST /v2/router/send and
// /v1/channels/transactions) calls DevnetNode::pay on the calling thread; devnet pays in a
// few milliseconds, so the server calls handle() on its I/O threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "l402/devnet.hpp"
#include "rest/lnd_json.hpp"

namespace l402::devnet_rest {

struct RestRequest {
  std::string_view method;  // "GET", "POST", ...
  std::string_view target;  // path and query as sent, e.g. "/v1/invoices/subscribe?add_index=3"
  std::optional<std::string_view> macaroon_hex;  // the Grpc-Metadata-macaroon header
  std::string_view body;
};

// A unary answer: the status and a JSON body.
struct RestReply {
  unsigned status = 200;
  std::string body;
};

// A server stream that ends by itself (SendPaymentV2, TrackPaymentV2): its NDJSON lines.
struct RestStream {
  std::string lines;
};

// SubscribeInvoices: an endless stream the session runs with an InvoiceFeed.
struct RestSubscription {
  std::string account;
  std::uint64_t add_index = 0;
  std::uint64_t settle_index = 0;
};

using RestOutcome = std::variant<RestReply, RestStream, RestSubscription>;

class RestRoutes {
 public:
  // `node` must outlive the routes.
  RestRoutes(DevnetNode& node, std::string reported_version)
      : node_(node), reported_version_(std::move(reported_version)) {}

  RestOutcome handle(const RestRequest& request) const;

  // An error answer in LND's unary shape.
  static RestReply error_reply(GrpcCode code, std::string_view message);

 private:
  DevnetNode& node_;
  const std::string reported_version_;
};

}  // namespace l402::devnet_rest
