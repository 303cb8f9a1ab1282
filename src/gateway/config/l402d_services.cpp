// The `services` list of l402d's configuration format: matching, upstream, price and auth,
// token caveats, injected headers (literal, from the environment or from a file) and limits.
#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "gateway/config/formats.hpp"

namespace l402::gateway::config_detail {
namespace {

constexpr std::size_t kMaxMapEntries = 1000;

std::optional<AuthMode> parse_auth(const std::string& text, std::uint64_t& freebies) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "on" || lower == "true") return AuthMode::kOn;
  if (lower == "off" || lower == "false") return AuthMode::kOff;
  const std::string prefix = "freebie ";
  if (lower.rfind(prefix, 0) == 0) {
    std::optional<std::uint64_t> count = parse_unsigned(lower.substr(prefix.size()));
    if (!count || *count == 0 || *count > 1'000'000) return std::nullopt;
    freebies = *count;
    return AuthMode::kFreebie;
  }
  return std::nullopt;
}

void read_auth(ConfigReader& reader, const YAML::Node& node, const std::string& what,
               ServiceConfig& service) {
  std::optional<std::string> text = reader.text(node, what);
  if (!text) return;
  std::uint64_t freebies = 0;
  std::optional<AuthMode> mode = parse_auth(*text, freebies);
  if (!mode) {
    reader.error(node, what +
                           " must be \"on\", \"off\" or \"freebie N\" (N from 1 to 1000000), "
                           "not '" +
                           *text + "'");
    return;
  }
  service.auth = *mode;
  service.freebies = freebies;
}

void read_upstream(ConfigReader& reader, const YAML::Node& node, const std::string& what,
                   UpstreamConfig& upstream) {
  std::optional<std::string> text = reader.text(node, what);
  if (!text) return;
  const auto parsed = parse_upstream_url(*text);
  if (const auto* problem = std::get_if<std::string>(&parsed)) {
    reader.error(node, what + " " + *problem);
    return;
  }
  const auto& url = std::get<UpstreamUrl>(parsed);
  upstream.scheme = url.scheme;
  upstream.host = url.address.host;
  upstream.port = url.address.port;
}

void read_capabilities(ConfigReader& reader, const YAML::Node& node, const std::string& what,
                       ServiceConfig& service) {
  std::optional<std::vector<std::string>> list;
  if (node.IsScalar()) {
    // Aperture's comma-separated form.
    list.emplace();
    std::string item;
    for (char c : node.Scalar() + ",") {
      if (c != ',') {
        if (c != ' ') item += c;
        continue;
      }
      if (!item.empty()) list->push_back(item);
      item.clear();
    }
  } else {
    list = reader.string_list(node, what);
  }
  if (!list) return;
  for (const std::string& capability : *list) {
    if (capability.empty() || capability.find_first_of(", \t") != std::string::npos) {
      reader.error(node, what + ": a capability must be a non-empty word without ',' or spaces");
      return;
    }
  }
  service.capabilities = std::move(*list);
}

void read_capability_paths(ConfigReader& reader, const YAML::Node& node, const std::string& what,
                           ServiceConfig& service) {
  if (!reader.expect_sequence(node, what) || !node.IsSequence()) return;
  if (node.size() > kMaxMapEntries) {
    reader.error(node, what + " has more than 1000 entries");
    return;
  }
  for (std::size_t i = 0; i < node.size(); ++i) {
    const YAML::Node rule = node[i];
    const std::string rule_what = indexed(what, i);
    if (!rule.IsMap()) {
      reader.error(rule, rule_what + " must be a mapping {path: REGEX, capability: NAME}");
      continue;
    }
    reader.check_keys(rule, rule_what, {"path", "capability"});
    CapabilityRule out;
    const YAML::Node path = rule["path"];
    const YAML::Node capability = rule["capability"];
    if (!path.IsDefined() || !capability.IsDefined()) {
      reader.error(rule, rule_what + " needs both path and capability");
      continue;
    }
    auto regex = reader.regex(path, rule_what + ".path");
    auto name = reader.non_empty_text(capability, rule_what + ".capability");
    if (!regex || !name) continue;
    const bool granted = service.capabilities &&
                         std::find(service.capabilities->begin(), service.capabilities->end(),
                                   *name) != service.capabilities->end();
    if (!granted) {
      reader.error(capability, rule_what + ".capability '" + *name +
                                   "' is not one of the service's capabilities");
      continue;
    }
    service.capability_rules.push_back({*regex, *name});
  }
}

void read_constraints(ConfigReader& reader, const YAML::Node& node, const std::string& what,
                      ServiceConfig& service) {
  if (!reader.expect_map(node, what) || !node.IsMap()) return;
  if (node.size() > kMaxMapEntries) {
    reader.error(node, what + " has more than 1000 entries");
    return;
  }
  for (const auto& entry : node) {
    if (!entry.first.IsScalar() || entry.first.Scalar().empty() ||
        entry.first.Scalar().find('=') != std::string::npos) {
      reader.error(entry.first, what +
                                    ": a caveat condition must be a non-empty string "
                                    "without '='");
      continue;
    }
    const std::string key = entry.first.Scalar();
    if (!entry.second.IsScalar()) {
      reader.error(entry.second, what + "." + key + " must be a string");
      continue;
    }
    service.constraints.emplace_back(key, entry.second.Scalar());
  }
}

// A header value must not break the request it is written into.
bool is_header_value(const std::string& value) {
  return std::none_of(value.begin(), value.end(),
                      [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

std::string strip_one_newline(std::string value) {
  if (!value.empty() && value.back() == '\n') {
    value.pop_back();
    if (!value.empty() && value.back() == '\r') value.pop_back();
  }
  return value;
}

void read_header_value(ConfigReader& reader, const YAML::Node& node, const std::string& what,
                       InjectedHeader& header) {
  if (node.IsScalar()) {
    header.value = node.Scalar();
    header.secret = false;
    return;
  }
  if (!node.IsMap() || node.size() != 1) {
    reader.error(node, what + " must be a string, {env: VARIABLE} or {file: PATH}");
    return;
  }
  reader.check_keys(node, what, {"env", "file"});
  if (const YAML::Node env = node["env"]; env.IsDefined()) {
    auto name = reader.non_empty_text(env, what + ".env");
    if (!name) return;
    std::optional<std::string> value =
        reader.env().getenv ? reader.env().getenv(*name) : std::nullopt;
    if (!value || value->empty()) {
      reader.error(env, what + ": environment variable " + *name + " is not set");
      return;
    }
    header.value = std::move(*value);
    header.secret = true;
  } else if (const YAML::Node file = node["file"]; file.IsDefined()) {
    auto path = reader.path(file, what + ".file");
    if (!path) return;
    std::optional<std::string> value =
        reader.env().read_file ? reader.env().read_file(*path) : std::nullopt;
    if (!value) {
      reader.error(file, what + ": cannot read file " + path->string());
      return;
    }
    header.value = strip_one_newline(std::move(*value));
    header.secret = true;
  } else {
    return;  // check_keys reported it
  }
  if (!is_header_value(header.value)) {
    // Never echo the value: it is a secret.
    reader.error(node, what + ": the value contains a line break or NUL character");
  }
}

void read_headers(ConfigReader& reader, const YAML::Node& node, const std::string& what,
                  ServiceConfig& service) {
  if (!reader.expect_map(node, what) || !node.IsMap()) return;
  if (node.size() > kMaxMapEntries) {
    reader.error(node, what + " has more than 1000 entries");
    return;
  }
  for (const auto& entry : node) {
    if (!entry.first.IsScalar() || !is_header_name(entry.first.Scalar())) {
      reader.error(entry.first, what + ": a header name must be an HTTP token (e.g. X-Api-Key)");
      continue;
    }
    InjectedHeader header;
    header.name = entry.first.Scalar();
    read_header_value(reader, entry.second, what + "." + header.name, header);
    if (!header.secret && !is_header_value(header.value)) {
      reader.error(entry.second,
                   what + "." + header.name + " contains a line break or NUL character");
      continue;
    }
    service.headers.push_back(std::move(header));
  }
}

void read_rewrite(ConfigReader& reader, const YAML::Node& node, const std::string& what,
                  ServiceConfig& service) {
  if (!reader.expect_map(node, what) || !node.IsMap()) return;
  reader.check_keys(node, what, {"from", "to"});
  const YAML::Node from = node["from"];
  const YAML::Node to = node["to"];
  if (!from.IsDefined() || !to.IsDefined()) {
    reader.error(node, what + " needs both from and to");
    return;
  }
  auto from_text = reader.text(from, what + ".from");
  auto to_text = reader.text(to, what + ".to");
  if (!from_text || !to_text) return;
  if (from_text->empty() || from_text->front() != '/' || to_text->empty() ||
      to_text->front() != '/') {
    reader.error(node, what + ".from and .to must be paths starting with '/'");
    return;
  }
  service.rewrite_from = *from_text;
  service.rewrite_to = *to_text;
}

void read_service(ConfigReader& reader, const YAML::Node& node, const std::string& what,
                  ServiceConfig& service) {
  if (!node.IsMap()) {
    reader.error(node, what + " must be a mapping with at least name and upstream");
    return;
  }
  reader.check_keys(
      node, what,
      {"name", "host", "path", "upstream", "upstream_ca", "upstream_verify_tls", "pass_host",
       "price", "auth", "free_paths", "timeout", "tier", "capabilities", "capability_paths",
       "constraints", "headers", "rewrite", "max_body", "upstream_timeout"});
  service.line = node.Mark().line + 1;
  if (const YAML::Node name = node["name"]; !name.IsDefined()) {
    reader.error(node, what + " needs a name");
  } else if (auto text = reader.non_empty_text(name, what + ".name")) {
    if (!is_service_name(*text)) {
      reader.error(name, what +
                             ".name must use only letters, digits, '-', '_' and '.' (it "
                             "prefixes caveat conditions)");
    } else {
      service.name = *text;
    }
  }
  const std::string label = service.name.empty() ? what : "service '" + service.name + "'";
  const auto regex = [&](const YAML::Node& n, const std::string& w) { return reader.regex(n, w); };
  reader.read_into(node, "host", label, service.host_regex, regex);
  reader.read_into(node, "path", label, service.path_regex, regex);
  if (const YAML::Node upstream = node["upstream"]; !upstream.IsDefined()) {
    reader.error(node, label + " needs an upstream (e.g. http://127.0.0.1:8080)");
  } else {
    read_upstream(reader, upstream, label + ".upstream", service.upstream);
  }
  const bool https = service.upstream.tls();
  for (const char* key : {"upstream_ca", "upstream_verify_tls"}) {
    if (node[key].IsDefined() && !https) {
      reader.error(node[key], label + "." + key + " applies to https and grpcs upstreams only");
    }
  }
  if (https) {
    reader.read_into(node, "upstream_ca", label, service.upstream.ca_file,
                     [&](const YAML::Node& n, const std::string& w) { return reader.path(n, w); });
    reader.read_into(
        node, "upstream_verify_tls", label, service.upstream.verify_tls,
        [&](const YAML::Node& n, const std::string& w) { return reader.boolean(n, w); });
  }
  reader.read_into(node, "pass_host", label, service.upstream.pass_host,
                   [&](const YAML::Node& n, const std::string& w) { return reader.boolean(n, w); });
  if (const YAML::Node auth = node["auth"]; auth.IsDefined()) {
    read_auth(reader, auth, label + ".auth", service);
  }
  if (const YAML::Node price = node["price"]; price.IsDefined()) {
    if (auto value = reader.price(price, label + ".price")) {
      if (value->value() == 0 && service.auth != AuthMode::kOff) {
        reader.error(price, label +
                                ".price must be more than 0 (use auth: \"off\" for a free "
                                "service)");
      } else {
        service.price = *value;
      }
    }
  }
  if (const YAML::Node free = node["free_paths"]; free.IsDefined()) {
    if (auto list = reader.string_list(free, label + ".free_paths")) {
      for (const std::string& pattern : *list) {
        if (reader.check_regex_text(free, pattern, label + ".free_paths")) {
          service.free_paths.push_back(pattern);
        }
      }
    }
  }
  if (const YAML::Node timeout = node["timeout"]; timeout.IsDefined()) {
    if (auto value = reader.duration(timeout, label + ".timeout")) {
      if (*value < std::chrono::seconds(1)) {
        reader.error(timeout, label + ".timeout must be at least 1s");
      } else {
        service.valid_for_seconds = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::seconds>(*value).count());
      }
    }
  }
  reader.read_into(node, "tier", label, service.tier,
                   [&](const YAML::Node& n, const std::string& w) -> std::optional<std::uint8_t> {
                     auto value = reader.integer(n, w, 0, 255);
                     if (!value) return std::nullopt;
                     return static_cast<std::uint8_t>(*value);
                   });
  if (const YAML::Node capabilities = node["capabilities"]; capabilities.IsDefined()) {
    read_capabilities(reader, capabilities, label + ".capabilities", service);
  }
  if (const YAML::Node rules = node["capability_paths"]; rules.IsDefined()) {
    read_capability_paths(reader, rules, label + ".capability_paths", service);
  }
  if (const YAML::Node constraints = node["constraints"]; constraints.IsDefined()) {
    read_constraints(reader, constraints, label + ".constraints", service);
  }
  if (const YAML::Node headers = node["headers"]; headers.IsDefined()) {
    read_headers(reader, headers, label + ".headers", service);
  }
  if (const YAML::Node rewrite = node["rewrite"]; rewrite.IsDefined()) {
    read_rewrite(reader, rewrite, label + ".rewrite", service);
  }
  reader.read_into(node, "max_body", label, service.max_body_bytes,
                   [&](const YAML::Node& n, const std::string& w) { return reader.size(n, w); });
  reader.read_into(
      node, "upstream_timeout", label, service.upstream_timeout,
      [&](const YAML::Node& n, const std::string& w) { return reader.duration(n, w); });
}

}  // namespace

bool is_service_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
  });
}

void read_l402d_services(ConfigReader& reader, const YAML::Node& list,
                         std::vector<ServiceConfig>& services) {
  if (!reader.expect_sequence(list, "services") || !list.IsSequence()) return;
  if (list.size() > kMaxServices) {
    reader.error(list, "services has more than " + std::to_string(kMaxServices) + " entries");
    return;
  }
  services.clear();
  for (std::size_t i = 0; i < list.size(); ++i) {
    ServiceConfig service;
    read_service(reader, list[i], indexed("services", i), service);
    services.push_back(std::move(service));
  }
  check_services_unique(reader, list, services);
}

void check_services_unique(ConfigReader& reader, const YAML::Node& list,
                           const std::vector<ServiceConfig>& services) {
  std::map<std::string, std::size_t> first_index;
  for (std::size_t i = 0; i < services.size(); ++i) {
    const std::string& name = services[i].name;
    if (name.empty()) continue;
    auto [it, inserted] = first_index.emplace(name, i);
    if (inserted) continue;
    const int first_line = services[it->second].line;
    reader.error(list.IsSequence() && i < list.size() ? list[i] : list,
                 "service name '" + name + "' is used twice (first at line " +
                     std::to_string(first_line) + ")");
  }
}

}  // namespace l402::gateway::config_detail
