// libcurl as an independent client of devnet's REST server: unary calls, NDJSON streams read
// on a thread of their own, and a fixture that opens a real DevnetNode in a temporary
// directory and serves it.
#pragma once

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "l402/devnet.hpp"
#include "l402/encoding.hpp"
#include "result_matchers.hpp"
#include "temp_dir.hpp"

namespace l402::test {

// The member names of a JSON object.
inline std::set<std::string> keys_of(const nlohmann::json& object) {
  std::set<std::string> keys;
  for (auto it = object.begin(); it != object.end(); ++it) keys.insert(it.key());
  return keys;
}

inline std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct HttpResponse {
  long status = 0;  // 0 when the transfer failed
  std::string body;
  CURLcode result = CURLE_OK;
  std::string error;  // libcurl's message when result != CURLE_OK

  nlohmann::json json() const {
    return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  }
};

// How to reach the server: its URL, the certificate to pin, the macaroon to send (hex).
struct Endpoint {
  std::string url;
  std::string ca_file;  // empty for plain HTTP
  std::string macaroon_hex;
};

// One connection (libcurl keeps it alive between calls). Not thread-safe.
class RestClient {
 public:
  explicit RestClient(Endpoint endpoint)
      : endpoint_(std::move(endpoint)), curl_(curl_easy_init()) {}
  ~RestClient() { curl_easy_cleanup(curl_); }
  RestClient(const RestClient&) = delete;
  RestClient& operator=(const RestClient&) = delete;

  HttpResponse get(const std::string& path) { return call("GET", path, nullptr, {}); }
  HttpResponse post(const std::string& path, const std::string& body) {
    return call("POST", path, &body, {});
  }
  HttpResponse post_json(const std::string& path, const nlohmann::json& body) {
    const std::string text = body.dump();
    return call("POST", path, &text, {});
  }
  // With `headers` replacing the macaroon header (e.g. none, or a differently spelled one).
  HttpResponse call(const std::string& method, const std::string& path, const std::string* body,
                    std::vector<std::string> headers, bool send_macaroon = true) {
    HttpResponse response;
    curl_easy_reset(curl_);
    const std::string url = endpoint_.url + path;
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (body != nullptr) {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body->data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    }
    if (!endpoint_.ca_file.empty())
      curl_easy_setopt(curl_, CURLOPT_CAINFO, endpoint_.ca_file.c_str());
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 20'000L);
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS, 5'000L);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &RestClient::append);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &response.body);
    curl_slist* list = nullptr;
    if (send_macaroon) headers.push_back("Grpc-Metadata-macaroon: " + endpoint_.macaroon_hex);
    headers.push_back("Content-Type: application/json");
    for (const std::string& header : headers) list = curl_slist_append(list, header.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
    char error[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error);
    response.result = curl_easy_perform(curl_);
    if (response.result == CURLE_OK) {
      curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &response.status);
    } else {
      response.error = error;
    }
    curl_slist_free_all(list);
    return response;
  }

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  static std::size_t append(char* data, std::size_t size, std::size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
  }

  Endpoint endpoint_;
  CURL* curl_;
};

// A GET whose response is an NDJSON stream, read on a thread of its own.
class StreamReader {
 public:
  StreamReader(const Endpoint& endpoint, const std::string& path, std::string method = "GET",
               std::string body = {})
      : endpoint_(endpoint), path_(path), method_(std::move(method)), body_(std::move(body)) {
    thread_ = std::thread([this] { run(); });
  }
  ~StreamReader() { close(); }

  // Waits until at least `count` lines arrived, for at most `timeout`. Returns them all.
  std::vector<nlohmann::json> wait_for_lines(
      std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait_for(lock, timeout, [&] { return lines_.size() >= count || finished_; });
    return lines_;
  }
  // Waits until the transfer ended by itself (server closed it), for at most `timeout`.
  bool wait_finished(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, timeout, [&] { return finished_; });
  }
  bool started() {
    std::unique_lock<std::mutex> lock(mu_);
    return status_ != 0;
  }
  // Waits for the response head (true when it came).
  bool wait_started(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, timeout, [&] { return status_ != 0 || finished_; }) &&
           status_ != 0;
  }
  long status() {
    std::unique_lock<std::mutex> lock(mu_);
    return status_;
  }
  CURLcode result() {
    std::unique_lock<std::mutex> lock(mu_);
    return result_;
  }
  // Aborts the transfer (within libcurl's progress interval) and joins the thread.
  void close() {
    abort_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    CURL* curl = curl_easy_init();
    const std::string url = endpoint_.url + path_;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method_.c_str());
    if (!body_.empty()) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body_.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body_.size()));
    }
    if (!endpoint_.ca_file.empty())
      curl_easy_setopt(curl, CURLOPT_CAINFO, endpoint_.ca_file.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 60'000L);  // a bound, never reached by the tests
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &StreamReader::on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &StreamReader::on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &StreamReader::on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, this);
    curl_slist* list =
        curl_slist_append(nullptr, ("Grpc-Metadata-macaroon: " + endpoint_.macaroon_hex).c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    const CURLcode result = curl_easy_perform(curl);
    curl_slist_free_all(list);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    std::lock_guard<std::mutex> lock(mu_);
    if (status_ == 0) status_ = status;
    result_ = result;
    finished_ = true;
    changed_.notify_all();
  }

  static std::size_t on_data(char* data, std::size_t size, std::size_t count, void* self_ptr) {
    auto* self = static_cast<StreamReader*>(self_ptr);
    std::lock_guard<std::mutex> lock(self->mu_);
    self->partial_.append(data, size * count);
    std::size_t newline = 0;
    while ((newline = self->partial_.find('\n')) != std::string::npos) {
      self->lines_.push_back(
          nlohmann::json::parse(self->partial_.substr(0, newline), nullptr, false));
      self->partial_.erase(0, newline + 1);
    }
    self->changed_.notify_all();
    return size * count;
  }

  // The status line: the stream has started (possibly with no line yet).
  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* self_ptr) {
    auto* self = static_cast<StreamReader*>(self_ptr);
    const std::string header(data, size * count);
    if (header.rfind("HTTP/", 0) == 0 && header.size() > 12) {
      std::lock_guard<std::mutex> lock(self->mu_);
      self->status_ = std::stol(header.substr(9, 3));
      self->changed_.notify_all();
    }
    return size * count;
  }

  static int on_progress(void* self_ptr, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<StreamReader*>(self_ptr)->abort_ ? 1 : 0;
  }

  const Endpoint endpoint_;
  const std::string path_;
  const std::string method_;
  const std::string body_;
  std::atomic<bool> abort_{false};
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<nlohmann::json> lines_;
  std::string partial_;
  long status_ = 0;
  CURLcode result_ = CURLE_OK;
  bool finished_ = false;
  std::thread thread_;
};

// A test clock the node reads (Unix seconds).
class TestClock {
 public:
  std::uint64_t now() const { return now_.load(); }
  void advance(std::uint64_t seconds) { now_ += seconds; }

 private:
  std::atomic<std::uint64_t> now_{1'700'000'000};
};

// A real node in a temporary directory, its REST server, and endpoints per account.
class DevnetRestFixture : public ::testing::Test {
 protected:
  static constexpr Msat kPayerBalance{50'000'000};
  static constexpr Msat kPoorBalance{10'000};

  void SetUp() override {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    DevnetOptions options;
    options.data_dir = dir_.file("devnet");
    options.accounts = {{"payer", kPayerBalance}, {"poor", kPoorBalance}};
    options.fee_base = Msat(1000);
    options.fee_ppm = 1000;
    options.now = [clock = clock_] { return clock->now(); };
    customize_node(options);
    Result<std::unique_ptr<DevnetNode>> node = DevnetNode::open(options);
    ASSERT_OK(node);
    node_ = std::move(*node);
    start_server();
  }

  // Hooks for a test fixture to change the options.
  virtual void customize_node(DevnetOptions& /*options*/) {}
  virtual void customize_server(DevnetServerOptions& /*options*/) {}
  virtual DevnetNode& served_node() { return *node_; }

  void start_server() {
    DevnetServerOptions options;
    customize_server(options);
    Result<std::unique_ptr<DevnetRestServer>> server =
        DevnetRestServer::start(served_node(), options);
    ASSERT_OK(server);
    server_ = std::move(*server);
  }

  std::string macaroon_hex(const std::string& account) const {
    return hex::encode(read_whole_file(node_->macaroon_path(account).string()));
  }

  Endpoint endpoint(const std::string& account = "default") const {
    const bool tls = server_->url().rfind("https://", 0) == 0;
    return {server_->url(), tls ? server_->tls_cert_path().string() : std::string(),
            macaroon_hex(account)};
  }

  TempDir dir_{"l402-devnet-rest"};
  std::shared_ptr<TestClock> clock_ = std::make_shared<TestClock>();
  std::unique_ptr<DevnetNode> node_;
  std::unique_ptr<DevnetRestServer> server_;
};

}  // namespace l402::test
