// Paying gRPC calls: a gRPC C++ client interceptor that buys L402 tokens with an l402::Client,
// so that a channel's calls pay for themselves within the Client's budget.
//
// For each call the interceptor forms the URL "http://<authority><method>" ("https" over
// TLS), e.g. "http://127.0.0.1:8443/l402.testing.Echo/Say", so that tokens are kept per
// origin and path scope exactly as for HTTP (one token can serve a whole service or one method,
// as the server's prices say). Then:
//   1. Before sending, it attaches `authorization: L402 <base64 macaroon>:<hex preimage>` from
//      the best stored token for that URL (Client::token_for), unless the caller set its own
//      `authorization` metadata: such a call is left alone, and its challenge is not paid.
//   2. A call that ends with status INTERNAL or UNKNOWN whose message contains "payment
//      required" (any case: is_payment_required()) carries a challenge, in the `www-authenticate`
//      trailing metadata (else the initial metadata). The token sent, if any, is marked stale
//      (a refused token is dead) and the challenge is paid through Client::buy(): the same
//      policy, budget and never-pay-twice journal as the HTTP client.
//   3. The call is then retried once, transparently, with the new token: the caller sees only
//      the answer to the retry (final, even another challenge: one call pays at most once). The
//      interceptor hijacks every call and runs it itself on the channel (as a generic call on
//      ByteBuffers), keeping what the caller sent: metadata and messages, in a replay log bounded
//      by GrpcPayingOptions::max_replay_bytes (unary and server-streaming calls send one message;
//      streaming callers go on sending while the payment is made). What the call receives is
//      delivered into the caller's message objects, which needs their type: see
//      GrpcPayingOptions::messages. A call is not retried once it received a message, or once it
//      sent more than the log holds: it ends with the payment-required status unchanged, and the
//      next call uses the token bought. The caller gets the initial metadata with the first message
//      or the status (a retried call's are the retry's): a streaming caller that waits for it
//      before sending anything, to a server that sends nothing first, should set `retry` to false.
//      The retry carries the caller's metadata, deadline, call credentials and compression (not
//      wait_for_ready).
// A budget refusal, a failed payment or an unusable challenge leaves the call's status as the
// server sent it (the Client's progress hook says why).
//
// Threads: the Client is used by one thread of the interceptor's own (token look-ups and
// payments run there, one at a time, in order), so that a payment never blocks a gRPC thread
// (async and callback APIs), and concurrent calls never pay twice for one origin: a call
// challenged while another paid finds the new token and uses it. A second thread of its own
// runs the hijacked calls (gRPC's async API on a completion queue of the interceptor's), so
// that the caller may destroy its channel as soon as a call ended. A token
// look-up waits behind a payment in progress. While the factory (or a call it intercepts)
// lives, use the Client only through it.
//
// Nothing is logged here; the Client's progress events never carry a secret.
#pragma once

#include <grpcpp/support/client_interceptor.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "l402/client.hpp"

namespace grpc {
class Status;
}  // namespace grpc

namespace l402 {

// The C++ type of the response objects the caller's stubs receive into, which a retried call
// fills in.
enum class GrpcMessages {
  // Generated protobuf messages (the stubs protoc makes, full or lite runtime): each is
  // parsed from the received bytes as a google::protobuf::MessageLite.
  kProtobuf,
  // grpc::ByteBuffer (grpc::GenericStub and other generic stubs).
  kByteBuffer,
};

// Called on the interceptor's thread after each purchase it asked the Client for, with the
// gRPC method and what came of it. `result.token` holds a secret: do not log it.
using GrpcPurchaseHook = std::function<void(std::string_view method, const PurchaseResult& result)>;

struct GrpcPayingOptions {
  // The channel's target as host:port (e.g. "127.0.0.1:8443", "api.example.com:443"): the
  // authority of the URLs tokens are kept under. Required.
  std::string authority;
  // The channel uses TLS: the URLs are https://.
  bool tls = false;
  // Retry calls after paying (3. above). When false no call is hijacked: every challenged
  // call ends with its payment-required status, and the token bought serves the next one.
  bool retry = true;
  // The bytes of request messages one call keeps for its retry. A streaming call that sends
  // more before its first answer is not retried; beyond it, its writes complete only as the
  // network takes them.
  std::size_t max_replay_bytes = 1024 * 1024;
  // The response type of the channel's stubs (3. above). Every call of the channel must use
  // this type: a retried call writes into the caller's response object as this type.
  GrpcMessages messages = GrpcMessages::kProtobuf;
  GrpcPurchaseHook on_purchase;  // none when empty
};

// True when `status` is an L402 challenge: code INTERNAL (13) or UNKNOWN (2), and a message
// that contains "payment required" in any case (Aperture's IsPaymentRequired).
bool is_payment_required(const grpc::Status& status);

// The interceptor factory, to pass to grpc::experimental::CreateCustomChannelWithInterceptors.
// Requires: `client` is not null, `options.authority` is not empty. The factory and its calls
// share `client` and the interceptor's threads, which stop when the last of them is gone.
std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>
make_paying_interceptor_factory(std::shared_ptr<Client> client, GrpcPayingOptions options);

}  // namespace l402
