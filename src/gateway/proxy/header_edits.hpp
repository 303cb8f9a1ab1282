// Field-list edits the proxy applies to heads it relays: hop-by-hop removal (RFC 9110 §7.6.1)
// and a ForwardPlan's remove/set edits, in the order exchange.hpp states. Pure functions on
// plain field lists, so they are tested without sockets.
//
// Thread safety: stateless.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gateway/exchange.hpp"

namespace l402::gateway::proxy {

// ASCII case-insensitive equality, as field names compare.
bool iequals(std::string_view a, std::string_view b);

// True for the fields that describe one connection rather than the message: Connection,
// Keep-Alive, Proxy-Connection, TE, Transfer-Encoding, Upgrade. Not Trailer (RFC 9110
// §6.6.2): it announces the message's trailer section, and goes on wherever that does.
bool is_hop_by_hop(std::string_view name);

// Removes the hop-by-hop fields and every field named in a Connection field.
void remove_hop_by_hop(std::vector<Field>& fields);

// Removes every field named (case-insensitively) `name`.
void remove_field(std::vector<Field>& fields, std::string_view name);

// Removes every field in `remove`, then replaces the fields named in `set` by its entries
// (several entries of one name all go out, in order).
void apply_edits(std::vector<Field>& fields, const std::vector<std::string>& remove,
                 const std::vector<Field>& set);

// Whether a field of a relayed head survives: the forwarding edits as a predicate, so that a
// head can be written without copying its fields first. The result equals remove_hop_by_hop,
// then apply_edits (the `set` entries are written after the survivors), then removing
// `also_remove`.
class ForwardFilter {
 public:
  ForwardFilter(const std::vector<Field>& fields, const std::vector<std::string>& remove,
                const std::vector<Field>& set, std::vector<std::string_view> also_remove);
  bool keeps(const Field& field) const;

 private:
  std::vector<std::string_view> connection_tokens_;
  const std::vector<std::string>& remove_;
  const std::vector<Field>& set_;
  std::vector<std::string_view> also_remove_;
};

// Whether a field named `name` lists `token` among its comma-separated values (both compared
// case-insensitively), as "Connection: keep-alive, Upgrade" lists "upgrade".
bool lists_token(const std::vector<Field>& fields, std::string_view name, std::string_view token);

// Whether a head asks to switch to WebSocket (RFC 6455 §4.1, §4.2.2): Connection lists
// "upgrade" and Upgrade lists "websocket". Method, version and body are the caller's to check.
// Other protocols (h2c, ...) are not relayed: their fields are removed as hop-by-hop.
bool asks_websocket_upgrade(const std::vector<Field>& fields);

// The first value of field `name`, or nullptr.
const std::string* find_field(const std::vector<Field>& fields, std::string_view name);

}  // namespace l402::gateway::proxy
