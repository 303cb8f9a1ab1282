// What the gRPC proxy and the payment logic hand each other, in gRPC's terms: a call's method
// and metadata as the request head the policy reads, the gateway's own answers as gRPC
// statuses with trailing metadata, and the metadata a forwarded call carries upstream. No
// gRPC header is needed here: codes are gRPC's numbers (grpc::StatusCode), so this part is
// tested without a server.
//
// The challenge follows Aperture (l402-protocol.md §2): status 13 (INTERNAL) with message
// "payment required" and the WWW-Authenticate values in `www-authenticate` trailing metadata,
// sent as a trailers-only response. Clients recognise it by code 13 (or 2) and the words
// "payment required" in the message, so a reason may follow them ("payment required: token
// expired").
//
// Thread safety: stateless.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gateway/exchange.hpp"

namespace l402::gateway {

// gRPC status codes (the numbers are fixed by the gRPC protocol).
enum class GrpcCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kInternal = 13,
  kUnavailable = 14,
  kUnimplemented = 12,
  kUnauthenticated = 16,
};

inline constexpr std::string_view kPaymentRequiredMessage = "payment required";

// A call as the policy sees it: method POST, target the method path, host the :authority,
// fields the metadata (lower-case keys, binary values as received). The credential's gRPC
// forms become the fields the credential reader knows: `macaroon` is read as Macaroon, and
// the 2026 spec's `token` (hex, like `macaroon`) too when there is no `macaroon`.
RequestHead grpc_request_head(std::string_view method_path, std::string_view authority,
                              std::vector<Field> metadata, std::string peer_address, bool tls);

// The IP address in gRPC's peer string ("ipv4:127.0.0.1:5000", "ipv6:[::1]:5000", with the
// brackets possibly percent-encoded); "" when it names no IP peer (e.g. a Unix socket).
std::string grpc_peer_address(std::string_view peer);

// A gateway answer as a gRPC status.
struct GrpcAnswer {
  GrpcCode code = GrpcCode::kUnknown;
  std::string message;
  std::vector<Field> trailing_metadata;  // lower-case keys
};

// 402 -> INTERNAL "payment required[: reason]" with the challenge; 400 -> INVALID_ARGUMENT;
// 401 (a credential that is not genuine) -> UNAUTHENTICATED, with the challenge that comes
// with it kept in the trailers; 403 -> PERMISSION_DENIED;
// 404 -> UNIMPLEMENTED; 408 -> DEADLINE_EXCEEDED; 413, 429, 431 -> RESOURCE_EXHAUSTED;
// 502, 503, 504 -> UNAVAILABLE (with retry-after when the answer has Retry-After); any other
// 5xx -> INTERNAL, never without the reason. The message is the answer's one-line text.
GrpcAnswer grpc_answer(const Reply& reply);

// The metadata of the call forwarded upstream: the client's metadata less what gRPC itself
// carries (keys starting "grpc-", te, content-type, user-agent, host) and the plan's
// removals, then the plan's fields (lower-cased; Host left to the channel: see
// grpc_upstream_authority). Keys gRPC would refuse (not lower-case letters, digits, '-', '_'
// and '.') and non-printable values of non-binary keys are dropped.
std::vector<Field> grpc_upstream_metadata(const ForwardPlan& plan,
                                          const std::vector<Field>& client_metadata);

// The :authority to send upstream: the plan's Host field when the service passes the
// client's host, else "" (the channel's own target).
std::string grpc_upstream_authority(const ForwardPlan& plan, const RequestHead& head);

}  // namespace l402::gateway
