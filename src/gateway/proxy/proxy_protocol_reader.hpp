// The start of a connection on a listener with proxy_protocol on: the PROXY protocol header
// is read (parse_proxy_header) before anything else, TLS handshake included, and exactly its
// bytes are taken off the socket; then the session starts with the client the header names as
// its peer address (the TCP peer for LOCAL, UNKNOWN and address families without an IP).
//
// The header must arrive within the listener's header_timeout (the session's own
// header_timeout for the TLS handshake and request head starts after it) and in at most
// kMaxHeaderReads pieces. An invalid header, EOF, a socket error or the timeout closes the
// connection unanswered, as the specification asks, with a log line naming the TCP peer
// and the reason (info for an invalid header, debug otherwise). A header being read counts
// as an idle connection for draining and for the listener's max_connections.
//
// Private to src/gateway/proxy; includes Asio.
#pragma once

#include "gateway/proxy/flex_stream.hpp"
#include "gateway/proxy/worker.hpp"

namespace l402::gateway::proxy {

// Reads the header of a connection `listener` accepted, on `worker`'s thread (the caller is
// on it), without blocking it; then start_session, or close. The listener's connection count
// already includes `socket`.
void read_proxy_header(Worker& worker, ListenerState& listener, Socket&& socket);

}  // namespace l402::gateway::proxy
