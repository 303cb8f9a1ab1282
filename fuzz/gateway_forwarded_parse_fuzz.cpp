// The proxy-chain readers of l402d's policy: X-Forwarded-For and Forwarded (RFC 7239) on the
// whole input, and client resolution on a request head made from it (first line: the peer
// address; further lines "Name: value" fields; trusted proxies 10.0.0.0/8 and ::1).
// Properties: errors carry a documented code; no hop is empty, padded or holds a comma; the
// hop limits hold; every node that names an address survives format_ip/parse_ip and
// forwarded_node -> parse_forwarded_for -> parse_node; a token or quoted string written by
// forwarded_value reads back; the resolved client is a hop of its chain and the chain is
// bounded.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"
#include "gateway/policy/client_address.hpp"
#include "gateway/policy/forwarded.hpp"
#include "gateway/policy/ip_address.hpp"

namespace {

using namespace l402;
using namespace l402::gateway;

void check_error(const Error& error, bool syntax_allowed) {
  const bool documented = error.code() == ErrorCode::kLimitExceeded ||
                          (syntax_allowed && error.code() == ErrorCode::kInvalidArgument);
  if (!documented) std::fprintf(stderr, "unexpected error: %s\n", error.message().c_str());
  L402_FUZZ_CHECK(documented);
}

void check_node(std::string_view node) {
  const std::optional<IpAddress> address = parse_node(node);
  if (!address) return;
  const std::optional<IpAddress> again = parse_ip(format_ip(*address));
  L402_FUZZ_CHECK(again.has_value() && *again == *address);
  const std::string element = "for=" + forwarded_node(*address);
  const std::vector<std::string_view> values{element};
  const Result<std::vector<std::string>> nodes = parse_forwarded_for(values);
  L402_FUZZ_CHECK(nodes.ok() && nodes->size() == 1);
  const std::optional<IpAddress> read_back = parse_node(nodes->front());
  L402_FUZZ_CHECK(read_back.has_value() && *read_back == *address);
}

void check_value_round_trip(std::string_view text) {
  if (text.empty()) return;
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return;  // dropped by the writer
  }
  const std::string element = "for=" + forwarded_value(text);
  const std::vector<std::string_view> values{element};
  const Result<std::vector<std::string>> nodes =
      parse_forwarded_for(values, {.max_bytes = 1 << 20, .max_hops = 32});
  L402_FUZZ_CHECK(nodes.ok() && nodes->size() == 1 && nodes->front() == text);
}

RequestHead head_from(std::string_view input) {
  RequestHead head;
  std::size_t start = 0;
  bool first = true;
  while (start <= input.size()) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    const std::string_view line = input.substr(start, end - start);
    if (first) {
      head.peer_address = std::string(line);
      first = false;
    } else {
      const std::size_t colon = line.find(':');
      const std::string_view name = line.substr(0, colon);
      const std::string_view value =
          colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
      head.fields.push_back({std::string(name), std::string(value)});
    }
    start = end + 1;
  }
  return head;
}

}  // namespace

// libFuzzer entry point; the name is fixed by libFuzzer.
extern "C" int LLVMFuzzerTestOneInput(  // NOLINT(readability-identifier-naming)
    const std::uint8_t* data, std::size_t size) {
  const std::string_view input = fuzz::as_text(data, size);
  const std::vector<std::string_view> values{input};
  const ForwardedLimits limits;

  const Result<std::vector<std::string>> hops = parse_x_forwarded_for(values, limits);
  if (hops.ok()) {
    L402_FUZZ_CHECK(hops->size() <= limits.max_hops);
    for (const std::string& hop : *hops) {
      L402_FUZZ_CHECK(!hop.empty() && hop.find(',') == std::string::npos);
      L402_FUZZ_CHECK(hop.front() != ' ' && hop.back() != ' ');
      check_node(hop);
    }
  } else {
    check_error(hops.error(), /*syntax_allowed=*/false);
  }

  const Result<std::vector<std::string>> nodes = parse_forwarded_for(values, limits);
  if (nodes.ok()) {
    L402_FUZZ_CHECK(nodes->size() <= limits.max_hops);
    for (const std::string& node : *nodes) check_node(node);
  } else {
    check_error(nodes.error(), /*syntax_allowed=*/true);
  }
  check_value_round_trip(input.substr(0, 256));

  static const CidrSet trusted = CidrSet::parse({"10.0.0.0/8", "::1/128"}).value();
  const RequestHead head = head_from(input);
  const ClientAddress client = resolve_client(head, trusted, limits);
  if (parse_ip(head.peer_address)) {
    L402_FUZZ_CHECK(!client.chain.empty() && client.chain.size() <= limits.max_hops + 1);
    L402_FUZZ_CHECK(format_ip(client.chain.front()) == client.address);
    L402_FUZZ_CHECK(client_network(client.chain.front()) == client.network);
  } else {
    L402_FUZZ_CHECK(client.chain.empty() && client.address == head.peer_address);
  }
  return 0;
}
