// Which service a request is for: the configured services compiled once per configuration
// (ECMAScript regexes, anchored with regex_match), tried in order, first match wins.
//
// std::regex is slow, so a lookup runs at most one host match and one path match per service
// tried, and none for a pattern of ".*" (which matches everything). The free-path and
// capability-path regexes run only for the service that matched.
//
// Thread safety: immutable after compile(); lookups from any thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/config/config.hpp"
#include "l402/result.hpp"

namespace l402::gateway {

// One anchored pattern; ".*" matches without running a regex.
class PathPattern {
 public:
  // Errors: kInvalidArgument naming `what` when the regex does not compile.
  static Result<PathPattern> compile(const std::string& regex, std::string_view what);
  bool matches(std::string_view text) const;

 private:
  struct Compiled;                         // the std::regex, kept out of this header
  std::shared_ptr<const Compiled> regex_;  // null: a literal test, or everything
  // Most configured patterns are a literal or a literal followed by ".*" ("/api/.*"): those
  // are a comparison, not a trip through std::regex.
  std::string literal_;
  bool literal_is_prefix_ = true;  // with an empty literal_: matches everything
};

struct CapabilityPattern {
  PathPattern path;
  std::string capability;
};

struct Route {
  const ServiceConfig* service = nullptr;  // points into the config the router was built from
  PathPattern host;
  PathPattern path;
  std::vector<PathPattern> free_paths;
  std::vector<CapabilityPattern> capability_paths;
  // The constraints' conditions: the Authority treats their repetitions as numeric limits.
  std::vector<std::string> limit_conditions;

  bool is_free_path(std::string_view request_path) const;
  // The capability of the first capability path that matches, or "" when none does.
  std::string_view capability_for(std::string_view request_path) const;
};

class Router {
 public:
  // Requires: `config` outlives the router. Errors: kInvalidArgument for a regex that does not
  // compile, naming the service and the field.
  static Result<Router> compile(const GatewayConfig& config);

  // `host` without its port and lower-cased, `path` without the query (request_path.hpp).
  // A gRPC call matches only gRPC services (grpc:// and grpcs:// upstreams), any other request
  // only the others. nullptr when no service matches.
  const Route* match(std::string_view host, std::string_view path, bool grpc = false) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace l402::gateway
