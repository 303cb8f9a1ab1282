// HTTP(S) to LND's REST listener over libcurl (private, so curl's header is fine here): unary
// requests on a pool of kept-alive connections, and streamed responses read line by line. Knows
// nothing of LND's JSON; it adds the macaroon header to every request and pins TLS to one CA file.
// Private to src/lightning/.
//
// Errors of the connection itself: kUnavailable (refused, unreachable, TLS failure, broken
// mid-way, or no connection within connect_timeout), kDeadlineExceeded (connected, but no
// complete answer in time), kInternal (an answer over the size limit).
//
// Thread safety: HttpTransport may be used from any number of threads at once. An HttpStream
// belongs to one thread, except cancel(), which any thread may call.
#pragma once

#include <curl/curl.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "l402/result.hpp"
#include "lnd/ndjson.hpp"

namespace l402::lnd {

// Largest unary response body we read.
inline constexpr std::size_t kMaxResponseBytes = 4 * 1024 * 1024;
// Largest line of a streamed response.
inline constexpr std::size_t kMaxStreamLineBytes = 1024 * 1024;

using Clock = std::chrono::steady_clock;

struct TransportOptions {
  std::string base_url;  // "https://host:port", no trailing slash
  std::string ca_file;   // the pinned certificate; empty for plain http
  std::string macaroon_hex;
  std::chrono::milliseconds connect_timeout{2'000};
  std::size_t max_idle_connections = 8;
};

struct HttpResponse {
  long status = 0;
  std::string body;
};

class HttpStream;

// True for an error of a request that never reached the server (refused, unreachable, TLS,
// connect timeout): a call that changes state (paying) surely did not happen.
bool is_connect_failure(const Error& error);

class HttpTransport {
 public:
  // Errors: kInternal when libcurl cannot be initialised.
  static Result<std::unique_ptr<HttpTransport>> create(TransportOptions options);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // One request with a JSON `body` (none when empty) that must complete within `timeout`.
  // Any HTTP status is a success here; the caller reads it.
  Result<HttpResponse> request(std::string_view method, std::string_view path,
                               std::string_view body, std::chrono::milliseconds timeout);

  // Starts a request whose response is read with HttpStream. Does not wait for anything.
  Result<std::unique_ptr<HttpStream>> open_stream(std::string_view method, std::string_view path,
                                                  std::string_view body);

  const std::string& base_url() const { return options_.base_url; }

 private:
  HttpTransport(TransportOptions options, curl_slist* headers);
  // A handle with the options common to every request, from the idle pool when one is there.
  CURL* acquire_handle();
  void release_handle(CURL* handle);
  CURL* new_handle() const;

  // Constant after construction.
  const TransportOptions options_;
  curl_slist* const headers_;  // read-only, shared by every handle

  std::mutex mutex_;
  std::vector<CURL*> idle_;  // each with a kept-alive connection; guarded by mutex_
};

// A response read as it arrives. Every wait takes a deadline and returns by then.
class HttpStream {
 public:
  ~HttpStream();
  HttpStream(const HttpStream&) = delete;
  HttpStream& operator=(const HttpStream&) = delete;

  // Waits until the request has gone out on an established connection (or an answer or
  // error came first). Errors: as HttpTransport::request.
  Result<void> wait_until_sent(Clock::time_point deadline);

  // Waits for the status line and headers. Returns the HTTP status, or 0 when
  // `accept_no_answer` and the request went out on an established connection but no answer
  // came by `deadline` (LND sends a stream's headers only with its first message).
  // Errors: as HttpTransport::request, and kDeadlineExceeded at `deadline`.
  Result<long> wait_for_status(Clock::time_point deadline, bool accept_no_answer);

  // The next non-empty line of a 200 response; nullopt when the body ended cleanly.
  // Errors: kDeadlineExceeded when no line came by `deadline` (the stream stays usable),
  // kUnavailable when the connection broke or cancel() was called, kInternal for an
  // overlong line.
  Result<std::optional<std::string>> next_line(Clock::time_point deadline);

  // The whole body of a non-200 response (at most 64 KiB is kept).
  Result<std::string> read_error_body(Clock::time_point deadline);

  // The HTTP status once the headers arrived, else 0.
  long status() const { return status_; }

  // Unfinished bytes at the end of the body (a line cut mid-way).
  std::size_t pending_bytes() const { return lines_.pending_bytes(); }

  // From any thread: makes the current and every later wait return kUnavailable at once.
  void cancel();

 private:
  friend class HttpTransport;
  HttpStream(std::string url, CURLM* multi, CURL* easy);
  // Lets curl move bytes until something happens or `deadline`. Returns false at the
  // deadline.
  Result<bool> pump(Clock::time_point deadline);
  Error transfer_error() const;
  static std::size_t on_data(char* data, std::size_t size, std::size_t count, void* self);
  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* self);

  const std::string url_;
  CURLM* const multi_;
  CURL* const easy_;
  std::atomic<bool> cancelled_{false};

  // Touched by the owning thread only (curl calls back on it, inside pump()).
  long status_ = 0;
  bool request_started_ = false;  // connected and about to send the request
  bool done_ = false;
  CURLcode result_ = CURLE_OK;  // once done_
  LineSplitter lines_{kMaxStreamLineBytes};
  std::string error_body_;
  std::array<char, CURL_ERROR_SIZE> curl_error_{};
};

}  // namespace l402::lnd
