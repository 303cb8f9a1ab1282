#include "client/http/transport.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <mutex>

#include "client/http/body_source.hpp"
#include "client/http/head_parser.hpp"
#include "client/http/header_text.hpp"
#include "client/http/hop_plan.hpp"
#include "client/http/transfer_error.hpp"

namespace l402::client {
namespace {

using SteadyClock = std::chrono::steady_clock;

// The body of a redirect we follow is read and dropped up to this size; past it the transfer
// stops (closing the connection) rather than read an endless body nobody wants.
constexpr std::uint64_t kMaxDroppedBodyBytes = 1024 * 1024;

std::once_flag g_curl_once;
CURLcode g_curl_init = CURLE_OK;

struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
};

// One hop's transfer, shared with libcurl's callbacks (which run inside curl_easy_perform).
struct Transfer {
  explicit Transfer(std::size_t max_header_bytes) : parser(max_header_bytes) {}

  HeadParser parser;
  const Hop* hop = nullptr;
  const HttpOptions* options = nullptr;
  const ChooseSink* choose_sink = nullptr;
  BodySink* sink = nullptr;
  std::optional<ParsedUrl> redirect_to;  // the answer is a redirect we follow
  bool stopped_dropping = false;         // we cut a followed redirect's body short
  std::uint64_t body_bytes = 0;
  std::uint64_t dropped_bytes = 0;
  bool connected = false;
  std::optional<Error> error;  // why a callback stopped the transfer
};

struct HopOutcome {
  ResponseHead head;
  std::optional<ParsedUrl> redirect_to;
  std::uint64_t body_bytes = 0;
};

bool on_head_complete(Transfer& transfer) {
  const ResponseHead& head = transfer.parser.head();
  if (transfer.options->follow_redirects && is_redirect_status(head.status)) {
    if (const std::optional<std::string_view> location = head.value("Location")) {
      Result<ParsedUrl> target = resolve_url(transfer.hop->url.url, *location);
      if (!target.ok()) {
        transfer.error = target.error().with_context("redirect from " + transfer.hop->url.url);
        return false;
      }
      transfer.redirect_to = std::move(target).value();
      return true;
    }
  }
  Result<BodySink*> sink = (*transfer.choose_sink)(head);
  if (!sink.ok()) {
    transfer.error = sink.error();
    return false;
  }
  if (*sink == nullptr) {
    transfer.error = Error(ErrorCode::kInternal, "no sink chosen for the response body");
    return false;
  }
  transfer.sink = *sink;
  Result<void> began = transfer.sink->begin(head);
  if (!began.ok()) {
    transfer.error = began.error();
    return false;
  }
  return true;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  switch (transfer.parser.feed(std::string_view(data, bytes))) {
    case HeadParser::Step::kNeedMore:
    case HeadParser::Step::kIgnored:
      return bytes;
    case HeadParser::Step::kTooLarge:
      transfer.error = Error(ErrorCode::kLimitExceeded,
                             "the response head from " + transfer.hop->url.url + " exceeds " +
                                 std::to_string(transfer.options->max_header_bytes) + " bytes");
      return 0;
    case HeadParser::Step::kComplete:
      return on_head_complete(transfer) ? bytes : 0;
  }
  return 0;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  if (transfer.redirect_to.has_value()) {
    transfer.dropped_bytes += bytes;
    if (transfer.dropped_bytes <= kMaxDroppedBodyBytes) return bytes;
    transfer.stopped_dropping = true;
    return 0;
  }
  if (transfer.sink == nullptr) {
    transfer.error = Error(ErrorCode::kInternal, "response body before its head");
    return 0;
  }
  Result<void> wrote = transfer.sink->write(std::string_view(data, bytes));
  if (!wrote.ok()) {
    transfer.error = wrote.error();
    return 0;
  }
  transfer.body_bytes += bytes;
  return bytes;
}

// CURLOPT_PREREQFUNCTION: the connection (TLS included) is up and the request goes next.
int on_connected(void* user, char*, char*, int, int) {
  static_cast<Transfer*>(user)->connected = true;
  return CURL_PREREQFUNC_OK;
}

void emit_lines(const VerboseHook& hook, VerboseKind kind, std::string_view text) {
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (kind == VerboseKind::kRequestLine) {
      hook(kind, redact_header_line(line));
    } else {
      hook(kind, line);
    }
  }
}

int on_debug(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  const auto& hook = *static_cast<const VerboseHook*>(user);
  const std::string_view text(data, size);
  switch (type) {
    case CURLINFO_TEXT:
      emit_lines(hook, VerboseKind::kInfo, text);
      break;
    case CURLINFO_HEADER_OUT:
      emit_lines(hook, VerboseKind::kRequestLine, text);
      break;
    case CURLINFO_HEADER_IN:
      emit_lines(hook, VerboseKind::kResponseLine, text);
      break;
    default:  // bodies and TLS records are not shown
      break;
  }
  return 0;
}

long as_curl_ms(std::chrono::milliseconds value) {
  return static_cast<long>(std::max<std::chrono::milliseconds::rep>(value.count(), 1));
}

void set_common_options(CURL* easy, const HttpOptions& options) {
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_PROXY, "");  // no proxy from the environment
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(easy, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, as_curl_ms(options.connect_timeout));
  if (options.idle_timeout.count() > 0) {
    const auto seconds = std::chrono::ceil<std::chrono::seconds>(options.idle_timeout);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, static_cast<long>(seconds.count()));
  }
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  if (!options.ca_file.empty()) {
    // The file replaces the system's store rather than adding to it.
    curl_easy_setopt(easy, CURLOPT_CAINFO, options.ca_file.c_str());
    curl_easy_setopt(easy, CURLOPT_CAPATH, nullptr);
  }
  if (options.insecure) {
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (options.verbose) {
    curl_easy_setopt(easy, CURLOPT_VERBOSE, 1L);
    curl_easy_setopt(easy, CURLOPT_DEBUGFUNCTION, on_debug);
    curl_easy_setopt(easy, CURLOPT_DEBUGDATA, &options.verbose);
  }
}

bool sends_empty_body(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

void set_method(CURL* easy, const std::string& method, BodySource* body) {
  if (method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    return;
  }
  if (body != nullptr) {
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    curl_easy_setopt(easy, CURLOPT_READFUNCTION, BodySource::read);
    curl_easy_setopt(easy, CURLOPT_READDATA, body);
    curl_easy_setopt(easy, CURLOPT_SEEKFUNCTION, BodySource::seek);
    curl_easy_setopt(easy, CURLOPT_SEEKDATA, body);
  } else if (sends_empty_body(method)) {
    // "Content-Length: 0" rather than no length at all.
    curl_easy_setopt(easy, CURLOPT_POST, 1L);
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(0));
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, "");
  } else {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  }
  if (method != "GET" && method != "POST") {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
}

// Which of curl's two timers ended a timed-out transfer. curl keeps its own clock, so its total
// timer can fire a hair before our deadline; its low-speed (idle) timer cannot fire before a whole
// idle period has passed since the hop started.
bool total_deadline_hit(const std::optional<SteadyClock::time_point>& deadline,
                        SteadyClock::time_point hop_started, const HttpOptions& options) {
  if (!deadline.has_value()) return false;
  const auto now = SteadyClock::now();
  if (now >= *deadline) return true;
  if (options.idle_timeout.count() <= 0) return true;
  return now - hop_started < std::chrono::ceil<std::chrono::seconds>(options.idle_timeout);
}

struct HopContext {
  const HttpRequest* request = nullptr;
  const ChooseSink* choose_sink = nullptr;
  const Authorize* authorize = nullptr;
  std::optional<SteadyClock::time_point> deadline;
};

Result<HopOutcome> run_hop(CURL* easy, const HttpOptions& options, const Hop& hop,
                           const HopContext& context) {
  std::optional<std::string> authorization;
  if (*context.authorize) authorization = (*context.authorize)(hop.url);
  if (authorization.has_value() && !is_safe_field_value(*authorization)) {
    return Error(ErrorCode::kInvalidArgument, "the Authorization value has a line break or NUL");
  }
  HeaderList headers;
  for (const std::string& line : hop_header_lines(*context.request, hop, authorization)) {
    curl_slist* extended = curl_slist_append(headers.list, line.c_str());
    if (extended == nullptr) return Error(ErrorCode::kInternal, "out of memory for headers");
    headers.list = extended;
  }
  std::unique_ptr<BodySource> body;
  if (hop.send_body && context.request->body.kind() != RequestBody::Kind::kNone) {
    L402_ASSIGN_OR_RETURN(body, BodySource::open(context.request->body));
  }

  TransferFacts facts;
  facts.url = &hop.url;
  facts.connect_timeout = options.connect_timeout;
  facts.total_timeout = options.total_timeout;
  facts.idle_timeout = options.idle_timeout;
  curl_easy_reset(easy);  // keeps the connection cache
  set_common_options(easy, options);
  curl_easy_setopt(easy, CURLOPT_URL, hop.url.url.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers.list);
  set_method(easy, hop.method, body.get());
  if (context.deadline.has_value()) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(*context.deadline - SteadyClock::now());
    if (left.count() <= 0) {
      facts.connected = true;
      facts.total_deadline_hit = true;
      return transfer_error(CURLE_OPERATION_TIMEDOUT, facts);
    }
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, as_curl_ms(left));
  }
  Transfer transfer(options.max_header_bytes);
  transfer.hop = &hop;
  transfer.options = &options;
  transfer.choose_sink = context.choose_sink;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, on_connected);
  curl_easy_setopt(easy, CURLOPT_PREREQDATA, &transfer);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer.data());

  const auto hop_started = SteadyClock::now();
  const CURLcode code = curl_easy_perform(easy);
  if (transfer.error.has_value()) return std::move(*transfer.error);
  if (body != nullptr && body->error().has_value()) return *body->error();
  const bool cut_on_purpose = transfer.stopped_dropping && code == CURLE_WRITE_ERROR;
  if (code != CURLE_OK && !cut_on_purpose) {
    facts.connected = transfer.connected;
    facts.total_deadline_hit = total_deadline_hit(context.deadline, hop_started, options);
    facts.curl_message = error_buffer.data();
    return transfer_error(code, facts);
  }
  if (!transfer.parser.complete()) {
    return Error(ErrorCode::kUnavailable, "no answer from " + hop.url.url);
  }
  return HopOutcome{transfer.parser.head(), std::move(transfer.redirect_to), transfer.body_bytes};
}

}  // namespace

Result<std::unique_ptr<Transport>> Transport::create(HttpOptions options) {
  std::call_once(g_curl_once, [] { g_curl_init = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (g_curl_init != CURLE_OK) return Error(ErrorCode::kInternal, "libcurl failed to initialise");
  CURL* easy = curl_easy_init();
  if (easy == nullptr) return Error(ErrorCode::kInternal, "curl_easy_init failed");
  return std::unique_ptr<Transport>(new Transport(easy, std::move(options)));
}

Transport::~Transport() {
  curl_easy_reset(easy_);  // no callback into this object while connections close
  curl_easy_cleanup(easy_);
}

Result<Exchange> Transport::exchange(const HttpRequest& request, const ChooseSink& choose_sink,
                                     const Authorize& authorize) {
  L402_RETURN_IF_ERROR(check_request(request));
  L402_ASSIGN_OR_RETURN(ParsedUrl first, parse_url(request.url));
  const std::string request_origin = first.origin;
  HopContext context;
  context.request = &request;
  context.choose_sink = &choose_sink;
  context.authorize = &authorize;
  if (options_.total_timeout.count() > 0) {
    context.deadline = SteadyClock::now() + options_.total_timeout;
  }
  Hop hop{std::move(first), request.method, /*send_body=*/true, /*at_request_origin=*/true};
  for (int redirects = 0;; ++redirects) {
    L402_ASSIGN_OR_RETURN(HopOutcome outcome, run_hop(easy_, options_, hop, context));
    if (!outcome.redirect_to.has_value()) {
      return Exchange{std::move(outcome.head), std::move(hop.url), hop.method, redirects,
                      outcome.body_bytes};
    }
    if (redirects >= options_.max_redirects) {
      return Error(ErrorCode::kLimitExceeded, "more than " +
                                                  std::to_string(options_.max_redirects) +
                                                  " redirects, the last from " + hop.url.url);
    }
    hop = next_hop(hop, outcome.head.status, std::move(*outcome.redirect_to), request_origin);
  }
}

}  // namespace l402::client
