// A libcurl failure told in terms a user can act on. Private to src/client/.
//
// Thread safety: stateless.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <string>

#include "client/http/url.hpp"
#include "l402/result.hpp"

namespace l402::client {

struct TransferFacts {
  const ParsedUrl* url = nullptr;
  bool connected = false;           // the request was about to go out on an open connection
  bool total_deadline_hit = false;  // the exchange's total_timeout ran out
  std::chrono::milliseconds connect_timeout{0};
  std::chrono::milliseconds total_timeout{0};
  std::chrono::milliseconds idle_timeout{0};
  std::string curl_message;  // CURLOPT_ERRORBUFFER, possibly empty
};

// The codes of transport.hpp's list for `code` (not CURLE_OK).
Error transfer_error(CURLcode code, const TransferFacts& facts);

}  // namespace l402::client
