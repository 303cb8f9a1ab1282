// The front proxy's decision service (see auth_request.hpp).
#include "gateway/policy/auth_request.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/policy/header_fields.hpp"
#include "gateway/policy/request_path.hpp"

namespace l402::gateway {
namespace {

// nginx's own limit on a request line is 8 KiB by default (large_client_header_buffers).
constexpr std::size_t kMaxUriBytes = 8192;
constexpr std::size_t kMaxMethodBytes = 32;

constexpr std::string_view kChallengeStatusParameter = "challenge_status";

// Fields that describe the subrequest, or that the rebuilt head gets from them, and so do not
// belong to the client's request.
constexpr std::array<std::string_view, 7> kSubrequestFields = {"Host",
                                                               "X-Original-URI",
                                                               "X-Original-Method",
                                                               "X-Forwarded-Uri",
                                                               "X-Forwarded-Method",
                                                               "Content-Length",
                                                               "Transfer-Encoding"};

// What a 200 carries of a forward plan: what the gateway vouches for (X-L402-Token-Id,
// X-L402-Service). Not the hop's fields (the front proxy writes its own), not the credential
// (the front proxy passes the client's on), and not the service's injected headers: they may
// hold secrets (an upstream API key), which the front proxy's own configuration should set.
constexpr std::string_view kVouchedPrefix = "X-L402-";

// The first element of a comma-separated list (a proxy chain may have appended more).
std::string_view first_element(std::string_view value) {
  return trim_ows(value.substr(0, value.find(',')));
}

// The first non-empty value among the fields `names`, in that order of preference.
std::optional<std::string_view> first_of(const RequestHead& head,
                                         std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    const std::optional<std::string_view> value = find_field(head, name);
    if (value && !trim_ows(*value).empty()) return trim_ows(*value);
  }
  return std::nullopt;
}

bool is_method(std::string_view method) {
  if (method.empty() || method.size() > kMaxMethodBytes) return false;
  for (char c : method) {
    if (!is_tchar(c)) return false;
  }
  return true;
}

bool has_space_or_control(std::string_view text) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return true;
  }
  return false;
}

// A request target split as the gateway wants it: origin-form, plus the authority and scheme
// of an absolute-form target.
struct OriginalTarget {
  std::string target;
  std::string authority;  // "" for origin-form
  std::optional<bool> https;
};

Result<OriginalTarget> parse_original_uri(std::string_view uri) {
  if (uri.size() > kMaxUriBytes) {
    return Error(ErrorCode::kInvalidArgument,
                 "the original URI is longer than " + std::to_string(kMaxUriBytes) + " bytes");
  }
  if (has_space_or_control(uri)) {
    return Error(ErrorCode::kInvalidArgument,
                 "the original URI holds spaces or control characters");
  }
  OriginalTarget out;
  if (uri.starts_with('/')) {
    out.target = std::string(uri);
    return out;
  }
  for (const std::string_view scheme :
       {std::string_view("http://"), std::string_view("https://")}) {
    if (!istarts_with(uri, scheme)) continue;
    std::string_view rest = uri.substr(scheme.size());
    const std::size_t end = rest.find_first_of("/?#");
    out.authority = std::string(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    if (out.authority.empty() || out.authority.find('@') != std::string::npos) {
      return Error(ErrorCode::kInvalidArgument, "the original URI has no usable authority");
    }
    out.target = rest.starts_with('/') ? std::string(rest) : "/" + std::string(rest);
    out.https = scheme.size() == std::string_view("https://").size();
    return out;
  }
  return Error(ErrorCode::kInvalidArgument,
               "the original URI is neither a path (\"/...\") nor an absolute http(s) URI");
}

// `challenge_status` in the subrequest's own query: "401" or "402" (the default).
Result<bool> challenge_as_401(std::string_view subrequest_target) {
  std::string_view query = query_of(subrequest_target);
  if (!query.empty()) query.remove_prefix(1);  // the '?'
  bool as_401 = false;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) != kChallengeStatusParameter) continue;
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (value == "401") {
      as_401 = true;
    } else if (value == "402") {
      as_401 = false;
    } else {
      return Error(ErrorCode::kInvalidArgument,
                   "challenge_status must be 401 or 402 in the auth subrequest's URI");
    }
  }
  return as_401;
}

bool is_one_of(std::string_view name, std::span<const std::string_view> names) {
  for (std::string_view candidate : names) {
    if (iequals(name, candidate)) return true;
  }
  return false;
}

Reply bad_subrequest_reply(std::string_view reason) {
  Reply reply;
  reply.status = 400;
  reply.fields = {{"Cache-Control", "no-store"},
                  {"Content-Type", "text/plain; charset=utf-8"},
                  {"X-Content-Type-Options", "nosniff"},
                  {"X-L402-Status", "400"}};
  reply.body = "bad auth subrequest: " + std::string(reason) + "\n";
  return reply;
}

}  // namespace

Result<AuthSubrequest> read_auth_subrequest(const RequestHead& subrequest) {
  AuthSubrequest out;
  L402_ASSIGN_OR_RETURN(out.challenge_as_401, challenge_as_401(subrequest.target));

  const std::optional<std::string_view> uri =
      first_of(subrequest, {"X-Original-URI", "X-Forwarded-Uri"});
  if (!uri) {
    return Error(ErrorCode::kInvalidArgument,
                 "the subrequest names no original URI (X-Original-URI or X-Forwarded-Uri)");
  }
  L402_ASSIGN_OR_RETURN(const OriginalTarget target, parse_original_uri(*uri));

  const std::string_view method =
      first_of(subrequest, {"X-Original-Method", "X-Forwarded-Method"}).value_or(subrequest.method);
  if (!is_method(method)) {
    return Error(ErrorCode::kInvalidArgument, "the original method is not an HTTP method");
  }

  RequestHead& original = out.original;
  original.method = std::string(method);
  original.target = target.target;
  if (const std::optional<std::string_view> host = first_of(subrequest, {"X-Forwarded-Host"})) {
    original.host = std::string(first_element(*host));
  } else if (!target.authority.empty()) {
    original.host = target.authority;
  } else {
    original.host = subrequest.host;
  }
  if (has_space_or_control(original.host)) {
    return Error(ErrorCode::kInvalidArgument,
                 "the original host holds spaces or control characters");
  }
  if (const std::optional<std::string_view> proto = first_of(subrequest, {"X-Forwarded-Proto"})) {
    original.tls = iequals(first_element(*proto), "https");
  } else {
    original.tls = target.https.value_or(false);
  }
  original.version = 11;
  original.peer_address = subrequest.peer_address;
  original.has_body = false;

  original.fields.reserve(subrequest.fields.size() + 1);
  if (!original.host.empty()) original.fields.push_back({"Host", original.host});
  for (const Field& field : subrequest.fields) {
    if (!is_one_of(field.name, kSubrequestFields)) original.fields.push_back(field);
  }
  // nginx's common `proxy_set_header X-Real-IP $remote_addr`: the client, when the front proxy
  // wrote no chain. Believed only as X-Forwarded-For would be, from a trusted peer.
  const bool has_chain = find_field(subrequest, "X-Forwarded-For").has_value() ||
                         find_field(subrequest, "Forwarded").has_value();
  if (const std::optional<std::string_view> real_ip = first_of(subrequest, {"X-Real-IP"});
      real_ip && !has_chain) {
    original.fields.push_back({"X-Forwarded-For", std::string(*real_ip)});
  }
  return out;
}

Decision auth_decision(Decision gateway_decision, bool challenge_as_401) {
  Decision out;
  out.outcome = std::move(gateway_decision.outcome);
  if (ForwardPlan* plan = std::get_if<ForwardPlan>(&gateway_decision.action)) {
    Reply allowed;
    allowed.status = 200;
    for (Field& field : plan->set_fields) {
      if (istarts_with(field.name, kVouchedPrefix)) allowed.fields.push_back(std::move(field));
    }
    out.action = std::move(allowed);
    return out;
  }
  Reply reply = std::get<Reply>(std::move(gateway_decision.action));
  // nginx before 1.23 passes on only the first WWW-Authenticate of the auth server: let that
  // be the L402 challenge rather than the older LSAT one.
  std::stable_partition(reply.fields.begin(), reply.fields.end(), [](const Field& f) {
    return iequals(f.name, "WWW-Authenticate") && istarts_with(f.value, "L402 ");
  });
  reply.fields.push_back({"X-L402-Status", std::to_string(reply.status)});
  const bool accepted_by_nginx =
      (reply.status >= 200 && reply.status < 300) || reply.status == 401 || reply.status == 403;
  if (challenge_as_401 && !accepted_by_nginx) reply.status = 401;
  out.action = std::move(reply);
  return out;
}

void AuthRequestHandler::handle(const RequestHead& head, std::function<void(Decision)> done) {
  Result<AuthSubrequest> request = read_auth_subrequest(head);
  if (!request.ok()) {
    RequestOutcome outcome;
    outcome.outcome = "error";
    outcome.client_address = head.peer_address;
    done(Decision{bad_subrequest_reply(request.error().message()), std::move(outcome)});
    return;
  }
  // The gateway reads the head only while handle() runs or copies it: a local is enough.
  const bool as_401 = request->challenge_as_401;
  gateway_.handle(
      request->original,
      [done = std::move(done), as_401, method = request->original.method,
       path = std::string(path_of(request->original.target))](Decision decision) mutable {
        decision.outcome.decided_method = std::move(method);
        decision.outcome.decided_path = std::move(path);
        done(auth_decision(std::move(decision), as_401));
      });
}

}  // namespace l402::gateway
