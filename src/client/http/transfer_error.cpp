#include "client/http/transfer_error.hpp"

namespace l402::client {
namespace {

std::string milliseconds(std::chrono::milliseconds value) {
  return std::to_string(value.count()) + " ms";
}

}  // namespace

Error transfer_error(CURLcode code, const TransferFacts& facts) {
  const std::string host = facts.url->host + ":" + std::to_string(facts.url->port);
  const std::string& url = facts.url->url;
  const std::string reason =
      facts.curl_message.empty() ? curl_easy_strerror(code) : facts.curl_message;
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      if (!facts.connected) {
        return Error(ErrorCode::kDeadlineExceeded, "connecting to " + host + " timed out after " +
                                                       milliseconds(facts.connect_timeout) +
                                                       " (connect timeout)");
      }
      if (facts.total_deadline_hit) {
        return Error(ErrorCode::kDeadlineExceeded, "no complete answer from " + url + " within " +
                                                       milliseconds(facts.total_timeout) +
                                                       " (total timeout)");
      }
      return Error(ErrorCode::kDeadlineExceeded, "nothing received from " + url + " for " +
                                                     milliseconds(facts.idle_timeout) +
                                                     " (idle timeout)");
    case CURLE_COULDNT_RESOLVE_HOST:
      return Error(ErrorCode::kUnavailable,
                   "cannot resolve host " + facts.url->host + ": " + reason);
    case CURLE_COULDNT_CONNECT:
      return Error(ErrorCode::kUnavailable, "cannot connect to " + host + ": " + reason);
    case CURLE_PEER_FAILED_VERIFICATION:
      return Error(ErrorCode::kUnauthenticated,
                   "TLS: the certificate of " + host + " is not trusted: " + reason);
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return Error(ErrorCode::kInvalidArgument, "TLS: cannot use the CA file: " + reason);
    case CURLE_SSL_CONNECT_ERROR:
      return Error(ErrorCode::kUnavailable, "TLS handshake with " + host + " failed: " + reason);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Error(ErrorCode::kInvalidArgument, "bad URL " + url + ": " + reason);
    case CURLE_WEIRD_SERVER_REPLY:
      return Error(ErrorCode::kInvalidArgument, "malformed answer from " + url + ": " + reason);
    case CURLE_GOT_NOTHING:
      return Error(ErrorCode::kUnavailable,
                   host + " closed the connection without answering " + url);
    case CURLE_PARTIAL_FILE:
      return Error(ErrorCode::kUnavailable,
                   "the answer from " + url + " ended before its body did: " + reason);
    default:
      if (facts.connected) {
        return Error(ErrorCode::kUnavailable, "connection to " + host + " broke: " + reason);
      }
      return Error(ErrorCode::kUnavailable, "cannot reach " + host + ": " + reason);
  }
}

}  // namespace l402::client
