// Requests, answers and forwarded metadata in gRPC's terms (see grpc_mapping.hpp).
#include "gateway/grpc/grpc_mapping.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <utility>

#include "gateway/policy/header_fields.hpp"

namespace l402::gateway {
namespace {

// Longest status message passed on: a reason, not a document.
constexpr std::size_t kMaxMessageSize = 512;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_valid_key(std::string_view key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

bool is_binary_key(std::string_view key) { return key.ends_with("-bin"); }

bool is_printable(std::string_view value) {
  return std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

// Metadata gRPC itself carries on each hop; a proxy must not copy it from one call to another.
bool is_transport_key(std::string_view key) {
  return key.starts_with("grpc-") || key == "te" || key == "content-type" || key == "user-agent" ||
         key == "host" || key.starts_with(':');
}

// The first line of a text body, trimmed and bounded.
std::string reason_of(const Reply& reply) {
  std::string_view text = reply.body;
  text = text.substr(0, text.find('\n'));
  text = trim_ows(text);
  if (text.size() > kMaxMessageSize) text = text.substr(0, kMaxMessageSize);
  std::string out(text);
  std::replace_if(
      out.begin(), out.end(), [](char c) { return c < 0x20 || c == 0x7f; }, ' ');
  return out;
}

GrpcCode code_for_status(int status) {
  switch (status) {
    case 400:
      return GrpcCode::kInvalidArgument;
    case 401:
      return GrpcCode::kUnauthenticated;
    case 403:
      return GrpcCode::kPermissionDenied;
    case 404:
      return GrpcCode::kUnimplemented;
    case 408:
      return GrpcCode::kDeadlineExceeded;
    case 413:
    case 429:
    case 431:
      return GrpcCode::kResourceExhausted;
    case 502:
    case 503:
    case 504:
      return GrpcCode::kUnavailable;
    default:
      return status >= 500 ? GrpcCode::kInternal : GrpcCode::kUnknown;
  }
}

}  // namespace

RequestHead grpc_request_head(std::string_view method_path, std::string_view authority,
                              std::vector<Field> metadata, std::string peer_address, bool tls) {
  RequestHead head;
  head.method = "POST";
  head.target = std::string(method_path);
  head.host = std::string(authority);
  head.version = 20;
  head.peer_address = std::move(peer_address);
  head.tls = tls;
  head.has_body = true;
  head.grpc = true;
  const auto present = [&](std::string_view key) {
    return std::any_of(metadata.begin(), metadata.end(),
                       [&](const Field& f) { return f.name == key; });
  };
  const bool has_macaroon = present("macaroon");
  std::vector<Field> extra;
  for (const Field& field : metadata) {
    // The credential reader knows `Macaroon`; the spec's `token` carries the same hex.
    if (field.name == "token" && !has_macaroon) extra.push_back({"macaroon", field.value});
  }
  head.fields = std::move(metadata);
  for (Field& field : extra) head.fields.push_back(std::move(field));
  return head;
}

std::string grpc_peer_address(std::string_view peer) {
  std::string decoded;
  decoded.reserve(peer.size());
  for (std::size_t i = 0; i < peer.size(); ++i) {
    if (peer[i] == '%' && i + 2 < peer.size()) {
      const std::string_view code = peer.substr(i + 1, 2);
      if (code == "5B" || code == "5b") {
        decoded += '[';
        i += 2;
        continue;
      }
      if (code == "5D" || code == "5d") {
        decoded += ']';
        i += 2;
        continue;
      }
    }
    decoded += peer[i];
  }
  std::string_view text = decoded;
  if (text.starts_with("ipv4:")) {
    text.remove_prefix(5);
    const std::size_t colon = text.rfind(':');
    return std::string(text.substr(0, colon));
  }
  if (text.starts_with("ipv6:")) {
    text.remove_prefix(5);
    if (text.starts_with('[')) {
      const std::size_t close = text.find(']');
      if (close == std::string_view::npos) return "";
      return std::string(text.substr(1, close - 1));
    }
    const std::size_t colon = text.rfind(':');
    return std::string(text.substr(0, colon));
  }
  return "";
}

GrpcAnswer grpc_answer(const Reply& reply) {
  GrpcAnswer answer;
  const std::string reason = reason_of(reply);
  if (reply.status == 402) {
    answer.code = GrpcCode::kInternal;
    answer.message = std::string(kPaymentRequiredMessage);
    if (!reason.empty() && reason != kPaymentRequiredMessage) answer.message += ": " + reason;
  } else {
    answer.code = code_for_status(reply.status);
    answer.message = reason.empty() ? "HTTP status " + std::to_string(reply.status) : reason;
  }
  for (const Field& field : reply.fields) {
    if (iequals(field.name, "WWW-Authenticate") || iequals(field.name, "Retry-After")) {
      answer.trailing_metadata.push_back({lower(field.name), field.value});
    }
  }
  return answer;
}

std::vector<Field> grpc_upstream_metadata(const ForwardPlan& plan,
                                          const std::vector<Field>& client_metadata) {
  std::vector<Field> out;
  out.reserve(client_metadata.size() + plan.set_fields.size());
  const auto removed = [&](std::string_view key) {
    return std::any_of(plan.remove_fields.begin(), plan.remove_fields.end(),
                       [&](const std::string& name) { return iequals(name, key); }) ||
           std::any_of(plan.set_fields.begin(), plan.set_fields.end(),
                       [&](const Field& f) { return iequals(f.name, key); });
  };
  const auto acceptable = [](std::string_view key, std::string_view value) {
    return is_valid_key(key) && !is_transport_key(key) &&
           (is_binary_key(key) || is_printable(value));
  };
  for (const Field& field : client_metadata) {
    if (removed(field.name) || !acceptable(field.name, field.value)) continue;
    out.push_back(field);
  }
  for (const Field& field : plan.set_fields) {
    std::string key = lower(field.name);
    if (!acceptable(key, field.value)) continue;
    out.push_back({std::move(key), field.value});
  }
  return out;
}

std::string grpc_upstream_authority(const ForwardPlan& plan, const RequestHead& head) {
  if (!plan.upstream.pass_host || head.host.empty()) return "";
  return head.host;
}

}  // namespace l402::gateway
