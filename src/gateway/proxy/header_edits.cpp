// Hop-by-hop removal and ForwardPlan edits on field lists.
#include "gateway/proxy/header_edits.hpp"

#include <algorithm>
#include <array>

#include "token/header_syntax.hpp"

namespace l402::gateway::proxy {
namespace {

namespace hs = header_syntax;

// The comma-separated tokens of every field named `name` (e.g. Connection: "close, X-Foo").
std::vector<std::string_view> list_tokens(const std::vector<Field>& fields, std::string_view name) {
  std::vector<std::string_view> tokens;
  for (const Field& field : fields) {
    if (!iequals(field.name, name)) continue;
    std::string_view rest = field.value;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      const std::string_view token = hs::trim_ows(rest.substr(0, comma));
      if (!token.empty()) tokens.emplace_back(token);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return tokens;
}

std::vector<std::string_view> connection_tokens(const std::vector<Field>& fields) {
  return list_tokens(fields, "connection");
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) { return hs::iequals(a, b); }

bool is_hop_by_hop(std::string_view name) {
  static constexpr std::array<std::string_view, 6> kHopByHop = {
      "connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "upgrade"};
  return std::any_of(kHopByHop.begin(), kHopByHop.end(),
                     [name](std::string_view hop) { return iequals(name, hop); });
}

void remove_hop_by_hop(std::vector<Field>& fields) {
  const std::vector<std::string_view> named = connection_tokens(fields);
  std::erase_if(fields, [&named](const Field& field) {
    if (is_hop_by_hop(field.name)) return true;
    return std::any_of(named.begin(), named.end(),
                       [&field](std::string_view token) { return iequals(field.name, token); });
  });
}

void remove_field(std::vector<Field>& fields, std::string_view name) {
  std::erase_if(fields, [name](const Field& field) { return iequals(field.name, name); });
}

void apply_edits(std::vector<Field>& fields, const std::vector<std::string>& remove,
                 const std::vector<Field>& set) {
  for (const std::string& name : remove) remove_field(fields, name);
  for (const Field& field : set) remove_field(fields, field.name);
  fields.insert(fields.end(), set.begin(), set.end());
}

ForwardFilter::ForwardFilter(const std::vector<Field>& fields,
                             const std::vector<std::string>& remove, const std::vector<Field>& set,
                             std::vector<std::string_view> also_remove)
    : connection_tokens_(connection_tokens(fields)),
      remove_(remove),
      set_(set),
      also_remove_(std::move(also_remove)) {}

bool ForwardFilter::keeps(const Field& field) const {
  const std::string_view name = field.name;
  const auto named = [name](std::string_view other) { return iequals(name, other); };
  if (is_hop_by_hop(name)) return false;
  if (std::any_of(connection_tokens_.begin(), connection_tokens_.end(), named)) return false;
  if (std::any_of(remove_.begin(), remove_.end(), named)) return false;
  if (std::any_of(set_.begin(), set_.end(),
                  [name](const Field& set_field) { return iequals(name, set_field.name); })) {
    return false;
  }
  return std::none_of(also_remove_.begin(), also_remove_.end(), named);
}

bool lists_token(const std::vector<Field>& fields, std::string_view name, std::string_view token) {
  const std::vector<std::string_view> tokens = list_tokens(fields, name);
  return std::any_of(tokens.begin(), tokens.end(),
                     [token](std::string_view listed) { return iequals(listed, token); });
}

bool asks_websocket_upgrade(const std::vector<Field>& fields) {
  return lists_token(fields, "connection", "upgrade") &&
         lists_token(fields, "upgrade", "websocket");
}

const std::string* find_field(const std::vector<Field>& fields, std::string_view name) {
  for (const Field& field : fields) {
    if (iequals(field.name, name)) return &field.value;
  }
  return nullptr;
}

}  // namespace l402::gateway::proxy
