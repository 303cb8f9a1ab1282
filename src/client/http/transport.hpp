// One HTTP/1.1 exchange over libcurl: a request (redirects followed when asked), the head of
// the final response captured before its body, and the body streamed to a sink chosen from
// that head. One easy handle per Transport, so consecutive exchanges reuse the connection.
// Private to src/client/.
//
// Errors of an exchange, each naming the URL or host:
//   kInvalidArgument   a bad request (check_request), URL or Location; a malformed answer
//   kLimitExceeded     a response head over max_header_bytes; more than max_redirects
//   kUnavailable       cannot resolve or connect, TLS handshake failed, the connection broke
//                      or closed before a complete answer
//   kUnauthenticated   the server's certificate is not trusted (or not for that name)
//   kDeadlineExceeded  connect, total or idle timeout (the message says which)
//   and the errors of the request body's file and of the sink, unchanged.
//
// Thread safety: a Transport serves one exchange at a time (one thread at a time).
#pragma once

#include <curl/curl.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "client/http/url.hpp"
#include "l402/client.hpp"

namespace l402::client {

// Where the body of the final response goes, decided from its head; the transport then calls
// the sink's begin(head). An error stops the exchange with it. Not called for a redirect that
// is followed (its body is dropped).
using ChooseSink = std::function<Result<BodySink*>(const ResponseHead& head)>;

// The Authorization value to send on a hop to `url`, or nullopt for none of ours (the
// request's own Authorization then goes only to the request's origin).
using Authorize = std::function<std::optional<std::string>(const ParsedUrl& url)>;

struct Exchange {
  ResponseHead head;   // of the final response
  ParsedUrl url;       // that answered it
  std::string method;  // of the request that got it
  int redirects = 0;
  std::uint64_t body_bytes = 0;  // given to the sink
};

class Transport {
 public:
  // Errors: kInternal when libcurl cannot be initialised.
  static Result<std::unique_ptr<Transport>> create(HttpOptions options);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  Result<Exchange> exchange(const HttpRequest& request, const ChooseSink& choose_sink,
                            const Authorize& authorize = {});

  const HttpOptions& options() const { return options_; }

 private:
  Transport(CURL* easy, HttpOptions options) : easy_(easy), options_(std::move(options)) {}

  CURL* const easy_;
  const HttpOptions options_;
};

}  // namespace l402::client
