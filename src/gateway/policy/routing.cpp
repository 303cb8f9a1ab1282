// Service routing: compiled patterns and the first-match lookup (see routing.hpp).
// g++ 12 with -fsanitize=address reports a false -Wmaybe-uninitialized inside std::function
// as instantiated by std::regex (as in tests/unit/token/challenge_test.cpp).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "gateway/policy/routing.hpp"

#include <optional>
#include <regex>
#include <utility>

#include "l402/token.hpp"

namespace l402::gateway {

struct PathPattern::Compiled {
  std::regex regex;
};

namespace {

// `regex` without its trailing ".*", when what is left has no ECMAScript metacharacter.
std::optional<std::string_view> literal_part(std::string_view regex, bool& is_prefix) {
  is_prefix = regex.ends_with(".*");
  if (is_prefix) regex.remove_suffix(2);
  if (regex.find_first_of("\\^$.|?*+()[]{}") != std::string_view::npos) return std::nullopt;
  return regex;
}

}  // namespace

Result<PathPattern> PathPattern::compile(const std::string& regex, std::string_view what) {
  PathPattern pattern;
  bool is_prefix = false;
  if (const std::optional<std::string_view> literal = literal_part(regex, is_prefix)) {
    pattern.literal_ = std::string(*literal);
    pattern.literal_is_prefix_ = is_prefix;
    return pattern;
  }
  try {
    pattern.regex_ = std::make_shared<const Compiled>(
        Compiled{std::regex(regex, std::regex::ECMAScript | std::regex::optimize)});
  } catch (const std::regex_error& error) {
    return Error(ErrorCode::kInvalidArgument,
                 std::string(what) + ": regex \"" + regex + "\" does not compile: " + error.what());
  }
  return pattern;
}

bool PathPattern::matches(std::string_view text) const {
  if (!regex_) return literal_is_prefix_ ? text.starts_with(literal_) : text == literal_;
  try {
    return std::regex_match(text.begin(), text.end(), regex_->regex);
  } catch (const std::regex_error&) {
    return false;  // too complex for this input: treated as no match
  }
}

bool Route::is_free_path(std::string_view request_path) const {
  for (const PathPattern& free : free_paths) {
    if (free.matches(request_path)) return true;
  }
  return false;
}

std::string_view Route::capability_for(std::string_view request_path) const {
  for (const CapabilityPattern& rule : capability_paths) {
    if (rule.path.matches(request_path)) return rule.capability;
  }
  return {};
}

Result<Router> Router::compile(const GatewayConfig& config) {
  Router router;
  router.routes_.reserve(config.services.size());
  for (const ServiceConfig& service : config.services) {
    const std::string prefix = "service \"" + service.name + "\" ";
    Route route;
    route.service = &service;
    L402_ASSIGN_OR_RETURN(route.host, PathPattern::compile(service.host_regex, prefix + "host"));
    L402_ASSIGN_OR_RETURN(route.path, PathPattern::compile(service.path_regex, prefix + "path"));
    for (const std::string& free : service.free_paths) {
      L402_ASSIGN_OR_RETURN(PathPattern pattern, PathPattern::compile(free, prefix + "free_paths"));
      route.free_paths.push_back(std::move(pattern));
    }
    for (const CapabilityRule& rule : service.capability_rules) {
      L402_ASSIGN_OR_RETURN(PathPattern pattern,
                            PathPattern::compile(rule.path_regex, prefix + "capability_paths"));
      route.capability_paths.push_back({std::move(pattern), rule.capability});
    }
    for (const auto& [condition, value] : service.constraints) {
      // Only numeric constraints are limits; any other repeats freely (CaveatKind::kOther).
      if (parse_limit(value).ok()) route.limit_conditions.push_back(condition);
    }
    router.routes_.push_back(std::move(route));
  }
  return router;
}

const Route* Router::match(std::string_view host, std::string_view path, bool grpc) const {
  for (const Route& route : routes_) {
    if (route.service->upstream.grpc() != grpc) continue;
    if (route.host.matches(host) && route.path.matches(path)) return &route;
  }
  return nullptr;
}

}  // namespace l402::gateway
