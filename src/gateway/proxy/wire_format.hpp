// The bytes of HTTP/1.1 heads and chunk framing the proxy writes. Heads are appended to a
// caller's string, which a session reuses from request to request.
//
// Thread safety: stateless.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/exchange.hpp"

namespace l402::gateway::proxy {

// "OK", "Not Found", ...; "Unknown" for codes without a registered phrase.
std::string_view reason_phrase(int status);

// "HTTP/1.1 <status> <reason>\r\n".
void append_status_line(std::string& out, int status);

// "<METHOD> <target> HTTP/1.1\r\n".
void append_request_line(std::string& out, std::string_view method, std::string_view target);

// "Name: value\r\n" for each field. A field whose name or value holds CR, LF or NUL is left
// out: it would let a configured or relayed value forge further fields.
void append_fields(std::string& out, const std::vector<Field>& fields);
void append_field(std::string& out, std::string_view name, std::string_view value);

// "Name: value\r\n", unchecked: only for a field as Beast's parser delivered it, which has
// refused every control character but HTAB in values and anything but token characters in
// names.
void append_parsed_field(std::string& out, std::string_view name, std::string_view value);

// "<hex size>\r\n" into `buffer`; the view points into it.
using ChunkSizeBuffer = std::array<char, 24>;
std::string_view chunk_size_line(ChunkSizeBuffer& buffer, std::size_t size);

inline constexpr std::string_view kCrLf = "\r\n";
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";
// What a WebSocket upgrade request and its 101 answer carry in place of the hop-by-hop
// Connection and Upgrade fields removed from them (websocket is the one protocol relayed).
inline constexpr std::string_view kWebSocketUpgradeFields =
    "Connection: Upgrade\r\nUpgrade: websocket\r\n";
inline constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace l402::gateway::proxy
