// Building the ForwardPlan of a request that may pass (see forward_plan.hpp).
#include "gateway/policy/forward_plan.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "gateway/policy/forwarded.hpp"
#include "gateway/policy/header_fields.hpp"
#include "gateway/policy/request_path.hpp"

namespace l402::gateway {
namespace {

constexpr std::string_view kL402Prefix = "X-L402-";

void add_removal(std::vector<std::string>& removals, std::string_view name) {
  const bool known = std::any_of(removals.begin(), removals.end(),
                                 [name](const std::string& r) { return iequals(r, name); });
  if (!known) removals.emplace_back(name);
}

// Sets `name`, replacing fields of that name already in `fields`.
void replace_field(std::vector<Field>& fields, std::string name, std::string value) {
  std::erase_if(fields, [&name](const Field& f) { return iequals(f.name, name); });
  fields.push_back({std::move(name), std::move(value)});
}

// Each hop's address as text, formatted once for both X-Forwarded-For and Forwarded.
std::vector<std::string> hop_texts(const ClientAddress& client) {
  std::vector<std::string> texts;
  texts.reserve(client.chain.size());
  for (const IpAddress& hop : client.chain) texts.push_back(format_ip(hop));
  return texts;
}

std::string join_chain(const std::vector<std::string>& hops) {
  std::string out;
  for (const std::string& hop : hops) {
    if (!out.empty()) out += ", ";
    out += hop;
  }
  return out;
}

// One element per hop: each proxy's element names the address it received from; ours, last,
// also the host and scheme the client used.
std::string forwarded_elements(const ClientAddress& client, const std::vector<std::string>& hops,
                               const RequestHead& head) {
  std::string out;
  for (std::size_t i = 0; i < hops.size(); ++i) {
    if (!out.empty()) out += ", ";
    // As forwarded_node(): an IPv6 node is quoted and bracketed.
    if (client.chain[i].v6) {
      out += "for=\"[";
      out += hops[i];
      out += "]\"";
    } else {
      out += "for=";
      out += hops[i];
    }
  }
  if (out.empty()) out = "for=unknown";
  if (!head.host.empty()) out += ";host=" + forwarded_value(head.host);
  out += head.tls ? ";proto=https" : ";proto=http";
  return out;
}

void add_credential(std::vector<Field>& fields, const VerifiedCredential& paid,
                    const ServiceConfig& service) {
  // format_authorization writes "L402 <tokens>:<preimage>"; Aperture sends LSAT first.
  const std::string_view l402 = paid.authorization;
  std::string lsat;
  lsat.reserve(l402.size());
  lsat += "LSAT";
  lsat += l402.substr(4);
  fields.push_back({"Authorization", std::move(lsat)});
  fields.push_back({"Authorization", std::string(l402)});
  fields.push_back({"X-L402-Token-Id", std::string(paid.token_id_hex)});
  fields.push_back({"X-L402-Service", service.name});
}

}  // namespace

std::string rewrite_target(const ServiceConfig& service, std::string_view path,
                           std::string_view query) {
  std::string out(path);
  const std::string& from = service.rewrite_from;
  if (!from.empty() || !service.rewrite_to.empty()) {
    const bool at_boundary =
        path.starts_with(from) &&
        (path.size() == from.size() || from.ends_with('/') || path[from.size()] == '/');
    if (at_boundary) {
      std::string_view rest = path.substr(from.size());
      out = service.rewrite_to;
      if (out.ends_with('/') && rest.starts_with('/')) rest.remove_prefix(1);
      out += rest;
      if (!out.starts_with('/')) out.insert(out.begin(), '/');
    }
  }
  if (out.empty()) out = "/";
  out += query;
  return out;
}

ForwardPlan make_forward_plan(const ServiceConfig& service, const RequestHead& head,
                              std::string_view path, const ClientAddress& client,
                              const VerifiedCredential* paid) {
  ForwardPlan plan;
  plan.upstream = service.upstream;
  plan.target = rewrite_target(service, path, query_of(head.target));
  plan.max_body_bytes = service.max_body_bytes;
  plan.upstream_timeout = service.upstream_timeout;

  // The credential's three other forms, a chain that could not be built, and rarely an
  // X-L402-* field or two: room for the common case in one allocation.
  plan.remove_fields.reserve(paid != nullptr ? 4 : 1);
  // Nothing the client sends may pose as what the gateway vouches for.
  for (const Field& field : head.fields) {
    if (istarts_with(field.name, kL402Prefix)) add_removal(plan.remove_fields, field.name);
  }
  // A chain we could not build (an unreadable peer address) is not passed on as the client
  // wrote it.
  if (client.chain.empty()) add_removal(plan.remove_fields, "X-Forwarded-For");
  if (paid != nullptr) {
    add_removal(plan.remove_fields, "Macaroon");
    add_removal(plan.remove_fields, "Grpc-Metadata-Macaroon");
    add_removal(plan.remove_fields, "Token");  // the gRPC form of the 2026 spec
  }

  std::vector<Field>& set = plan.set_fields;
  // Host, X-Forwarded-*, Forwarded, the credential's four, then the injected ones.
  set.reserve(9 + service.headers.size());
  const std::vector<std::string> hops = hop_texts(client);
  set.push_back({"Host", service.upstream.pass_host && !head.host.empty()
                             ? head.host
                             : upstream_authority(service.upstream)});
  if (!client.chain.empty()) set.push_back({"X-Forwarded-For", join_chain(hops)});
  set.push_back({"X-Forwarded-Proto", head.tls ? "https" : "http"});
  if (!head.host.empty()) set.push_back({"X-Forwarded-Host", head.host});
  set.push_back({"Forwarded", forwarded_elements(client, hops, head)});
  if (paid != nullptr) add_credential(set, *paid, service);
  for (const InjectedHeader& header : service.headers) {
    replace_field(set, header.name, header.value);
  }
  return plan;
}

}  // namespace l402::gateway
