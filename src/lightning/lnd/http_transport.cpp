#include "lnd/http_transport.hpp"

#include <algorithm>
#include <utility>

namespace l402::lnd {
namespace {

// Kept of a non-200 streamed response: enough for LND's error JSON.
constexpr std::size_t kMaxErrorBodyBytes = 64 * 1024;
// Longest sleep in curl_multi_poll, so that cancel() is seen even if a wakeup is missed.
constexpr std::chrono::milliseconds kPollSlice{100};

// The openings of messages for requests that never reached the server.
constexpr std::string_view kCannotConnect = "lnd: cannot connect to ";
constexpr std::string_view kTlsFailed = "lnd: TLS with ";

std::once_flag g_curl_once;
CURLcode g_curl_init = CURLE_OK;

struct UnaryContext {
  std::string body;
  bool too_large = false;
  bool request_started = false;
};

std::size_t collect_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* context = static_cast<UnaryContext*>(user);
  const std::size_t bytes = size * count;
  if (context->body.size() + bytes > kMaxResponseBytes) {
    context->too_large = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  context->body.append(data, bytes);
  return bytes;
}

// CURLOPT_PREREQFUNCTION: the connection is up (TLS included) and the request goes next. A
// timeout before this point means the node cannot be reached, after it that it is slow.
int mark_request_started(void* user, char*, char*, int, int) {
  *static_cast<bool*>(user) = true;
  return CURL_PREREQFUNC_OK;
}

std::string curl_reason(CURLcode code, const char* error_buffer) {
  if (error_buffer != nullptr && error_buffer[0] != '\0') return error_buffer;
  return curl_easy_strerror(code);
}

Error transfer_error_for(CURLcode code, bool request_started, const std::string& url,
                         const char* error_buffer) {
  const std::string reason = curl_reason(code, error_buffer);
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      if (request_started) {
        return Error(ErrorCode::kDeadlineExceeded, "lnd: no answer from " + url + " in time");
      }
      return Error(ErrorCode::kUnavailable, std::string(kCannotConnect) + url + ": " + reason);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
      return Error(ErrorCode::kUnavailable,
                   std::string(kTlsFailed) + url + " failed (is tls.cert the node's?): " + reason);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Error(ErrorCode::kInvalidArgument, "lnd: bad URL " + url + ": " + reason);
    default:
      if (request_started) {
        return Error(ErrorCode::kUnavailable, "lnd: connection to " + url + " broke: " + reason);
      }
      return Error(ErrorCode::kUnavailable, std::string(kCannotConnect) + url + ": " + reason);
  }
}

void set_method(CURL* easy, std::string_view method, std::string_view body, bool copy_body) {
  if (method == "GET") {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    return;
  }
  curl_easy_setopt(easy, CURLOPT_POST, 1L);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(easy, copy_body ? CURLOPT_COPYPOSTFIELDS : CURLOPT_POSTFIELDS, body.data());
}

}  // namespace

bool is_connect_failure(const Error& error) {
  return error.code() == ErrorCode::kUnavailable &&
         (error.message().rfind(kCannotConnect, 0) == 0 ||
          error.message().rfind(kTlsFailed, 0) == 0);
}

// ---- HttpTransport ---------------------------------------------------------------------

Result<std::unique_ptr<HttpTransport>> HttpTransport::create(TransportOptions options) {
  std::call_once(g_curl_once, [] { g_curl_init = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (g_curl_init != CURLE_OK) {
    return Error(ErrorCode::kInternal, "lnd: libcurl failed to initialise");
  }
  curl_slist* headers = nullptr;
  const std::string macaroon = "Grpc-Metadata-macaroon: " + options.macaroon_hex;
  for (const char* header : {macaroon.c_str(), "Content-Type: application/json",
                             "Accept: application/json", "Expect:"}) {
    curl_slist* extended = curl_slist_append(headers, header);
    if (extended == nullptr) {
      curl_slist_free_all(headers);
      return Error(ErrorCode::kInternal, "lnd: out of memory building headers");
    }
    headers = extended;
  }
  return std::unique_ptr<HttpTransport>(new HttpTransport(std::move(options), headers));
}

HttpTransport::HttpTransport(TransportOptions options, curl_slist* headers)
    : options_(std::move(options)), headers_(headers) {}

HttpTransport::~HttpTransport() {
  for (CURL* handle : idle_) curl_easy_cleanup(handle);
  curl_slist_free_all(headers_);
}

CURL* HttpTransport::new_handle() const {
  CURL* easy = curl_easy_init();
  if (easy == nullptr) return nullptr;
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);  // we run on many threads
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_PROXY, "");  // never route loopback calls via *_proxy
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers_);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::max<std::int64_t>(options_.connect_timeout.count(), 1)));
  curl_easy_setopt(easy, CURLOPT_MAXCONNECTS, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPIDLE, 30L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPINTVL, 10L);
  if (!options_.ca_file.empty()) {
    // Trust LND's own certificate and nothing else: no system CA bundle or directory.
    curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_file.c_str());
    curl_easy_setopt(easy, CURLOPT_CAPATH, nullptr);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
  }
  return easy;
}

CURL* HttpTransport::acquire_handle() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_.empty()) {
      CURL* easy = idle_.back();
      idle_.pop_back();
      return easy;
    }
  }
  return new_handle();
}

void HttpTransport::release_handle(CURL* easy) {
  // The pointers set for the call that just ended must not outlive it.
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, nullptr);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(easy, CURLOPT_PREREQDATA, nullptr);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, nullptr);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (idle_.size() < options_.max_idle_connections) {
      idle_.push_back(easy);
      return;
    }
  }
  curl_easy_cleanup(easy);
}

Result<HttpResponse> HttpTransport::request(std::string_view method, std::string_view path,
                                            std::string_view body,
                                            std::chrono::milliseconds timeout) {
  CURL* easy = acquire_handle();
  if (easy == nullptr) return Error(ErrorCode::kInternal, "lnd: curl_easy_init failed");
  const std::string url = options_.base_url + std::string(path);
  const std::string body_copy(body);  // CURLOPT_POSTFIELDS reads it during perform
  UnaryContext context;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  set_method(easy, method, body_copy, /*copy_body=*/false);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(std::max<std::int64_t>(timeout.count(), 1)));
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, collect_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &context);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer.data());
  curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, mark_request_started);
  curl_easy_setopt(easy, CURLOPT_PREREQDATA, &context.request_started);
  const CURLcode code = curl_easy_perform(easy);
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  release_handle(easy);
  if (context.too_large) {
    return Error(ErrorCode::kInternal, "lnd: response from " + std::string(path) + " exceeds " +
                                           std::to_string(kMaxResponseBytes) + " bytes");
  }
  if (code != CURLE_OK) {
    return transfer_error_for(code, context.request_started, url, error_buffer.data());
  }
  return HttpResponse{status, std::move(context.body)};
}

Result<std::unique_ptr<HttpStream>> HttpTransport::open_stream(std::string_view method,
                                                               std::string_view path,
                                                               std::string_view body) {
  // A handle of its own, not from the pool: its connection lives in the multi handle's
  // cache and closes with it.
  CURL* easy = new_handle();
  if (easy == nullptr) return Error(ErrorCode::kInternal, "lnd: curl_easy_init failed");
  CURLM* multi = curl_multi_init();
  if (multi == nullptr) {
    curl_easy_cleanup(easy);
    return Error(ErrorCode::kInternal, "lnd: curl_multi_init failed");
  }
  std::unique_ptr<HttpStream> stream(
      new HttpStream(options_.base_url + std::string(path), multi, easy));
  curl_easy_setopt(easy, CURLOPT_URL, stream->url_.c_str());
  set_method(easy, method, body, /*copy_body=*/true);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, HttpStream::on_data);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, stream.get());
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, HttpStream::on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, stream.get());
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, stream->curl_error_.data());
  curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, mark_request_started);
  curl_easy_setopt(easy, CURLOPT_PREREQDATA, &stream->request_started_);
  if (curl_multi_add_handle(multi, easy) != CURLM_OK) {
    return Error(ErrorCode::kInternal, "lnd: curl_multi_add_handle failed");
  }
  return stream;
}

// ---- HttpStream ------------------------------------------------------------------------

HttpStream::HttpStream(std::string url, CURLM* multi, CURL* easy)
    : url_(std::move(url)), multi_(multi), easy_(easy) {}

HttpStream::~HttpStream() {
  curl_multi_remove_handle(multi_, easy_);
  curl_easy_cleanup(easy_);
  curl_multi_cleanup(multi_);
}

void HttpStream::cancel() {
  cancelled_.store(true);
  curl_multi_wakeup(multi_);
}

std::size_t HttpStream::on_header(char* data, std::size_t size, std::size_t count, void* self) {
  auto* stream = static_cast<HttpStream*>(self);
  const std::size_t bytes = size * count;
  const std::string_view line(data, bytes);
  if (line == "\r\n" || line == "\n") {
    // End of a header block; skip interim (1xx) responses.
    long status = 0;
    curl_easy_getinfo(stream->easy_, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200) stream->status_ = status;
  }
  return bytes;
}

std::size_t HttpStream::on_data(char* data, std::size_t size, std::size_t count, void* self) {
  auto* stream = static_cast<HttpStream*>(self);
  const std::size_t bytes = size * count;
  if (stream->status_ == 200) {
    return stream->lines_.append(std::string_view(data, bytes)) ? bytes : 0;
  }
  if (stream->error_body_.size() + bytes > kMaxErrorBodyBytes) return 0;
  stream->error_body_.append(data, bytes);
  return bytes;
}

Result<bool> HttpStream::pump(Clock::time_point deadline) {
  if (cancelled_.load()) return Error(ErrorCode::kUnavailable, "lnd: stream cancelled");
  int running = 0;
  if (curl_multi_perform(multi_, &running) != CURLM_OK) {
    return Error(ErrorCode::kInternal, "lnd: curl_multi_perform failed");
  }
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
    if (message->msg == CURLMSG_DONE) {
      done_ = true;
      result_ = message->data.result;
    }
  }
  if (done_) return true;
  const Clock::time_point now = Clock::now();
  if (now >= deadline) return false;
  const auto wait = std::min<Clock::duration>(deadline - now, kPollSlice);
  const int wait_ms = static_cast<int>(
      std::max<std::int64_t>(std::chrono::ceil<std::chrono::milliseconds>(wait).count(), 1));
  if (curl_multi_poll(multi_, nullptr, 0, wait_ms, nullptr) != CURLM_OK) {
    return Error(ErrorCode::kInternal, "lnd: curl_multi_poll failed");
  }
  if (cancelled_.load()) return Error(ErrorCode::kUnavailable, "lnd: stream cancelled");
  return true;
}

Error HttpStream::transfer_error() const {
  if (lines_.overflowed()) {
    return Error(ErrorCode::kInternal, "lnd: a stream line from " + url_ + " exceeds " +
                                           std::to_string(kMaxStreamLineBytes) + " bytes");
  }
  return transfer_error_for(result_, request_started_, url_, curl_error_.data());
}

Result<void> HttpStream::wait_until_sent(Clock::time_point deadline) {
  while (!request_started_ && status_ == 0) {
    if (done_) {
      if (result_ != CURLE_OK) return transfer_error();
      return ok_result();
    }
    L402_ASSIGN_OR_RETURN(const bool more, pump(deadline));
    if (!more)
      return Error(ErrorCode::kUnavailable, std::string(kCannotConnect) + url_ + " in time");
  }
  return ok_result();
}

Result<long> HttpStream::wait_for_status(Clock::time_point deadline, bool accept_no_answer) {
  while (true) {
    if (status_ != 0) return status_;
    if (done_) {
      if (result_ != CURLE_OK) return transfer_error();
      return Error(ErrorCode::kUnavailable, "lnd: " + url_ + " closed without an answer");
    }
    L402_ASSIGN_OR_RETURN(const bool more, pump(deadline));
    if (more) continue;
    if (accept_no_answer && request_started_) return 0L;
    if (request_started_) {
      return Error(ErrorCode::kDeadlineExceeded, "lnd: no answer from " + url_ + " in time");
    }
    return Error(ErrorCode::kUnavailable, std::string(kCannotConnect) + url_ + " in time");
  }
}

Result<std::optional<std::string>> HttpStream::next_line(Clock::time_point deadline) {
  while (true) {
    if (std::optional<std::string> line = lines_.next_line()) return line;
    if (done_) {
      if (result_ != CURLE_OK) return transfer_error();
      return std::optional<std::string>();
    }
    L402_ASSIGN_OR_RETURN(const bool more, pump(deadline));
    if (!more) {
      return Error(ErrorCode::kDeadlineExceeded, "lnd: no message from " + url_ + " in time");
    }
  }
}

Result<std::string> HttpStream::read_error_body(Clock::time_point deadline) {
  while (!done_) {
    L402_ASSIGN_OR_RETURN(const bool more, pump(deadline));
    if (!more) break;
  }
  // A body cut at our limit or by a timeout is still worth parsing.
  if (error_body_.empty() && done_ && result_ != CURLE_OK && result_ != CURLE_WRITE_ERROR) {
    return transfer_error();
  }
  return error_body_;
}

}  // namespace l402::lnd
