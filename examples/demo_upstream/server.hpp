// The demo upstream's HTTP/1.1 server: an accept loop per acceptor and one session per
// connection. Each acceptor belongs to an io_context run by exactly one thread, so a session
// never needs a strand or a lock. The endpoints are listed in server.cpp.
#pragma once

#include <boost/asio/ip/tcp.hpp>

namespace l402::demo_upstream {

// Accepts connections on `acceptor` (already listening) until its io_context stops or the
// acceptor is closed, serving each one on the acceptor's io_context.
void start_accepting(boost::asio::ip::tcp::acceptor& acceptor);

}  // namespace l402::demo_upstream
