// A complete GatewayHandler for tests: an in-process devnet node (receiving account "default",
// paying account "payer"), a SQLite store and SharedState in a temporary directory, a real
// WorkerPool, Metrics and a Logger writing to a file the test can read, and a clock the test
// moves. The backend can be switched "down" (create_invoice fails with kUnavailable) to test
// the gateway's behaviour when its dependency fails.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "forwarding_backend.hpp"
#include "gateway/policy/gateway_handler.hpp"
#include "l402/devnet.hpp"
#include "l402/encoding.hpp"
#include "l402/token_header.hpp"
#include "result_matchers.hpp"
#include "temp_dir.hpp"

namespace l402::gateway::test {

using ::l402::test::IsOk;
using ::l402::test::TempDir;

// Forwards to a real backend; while `down` is set, create_invoice fails as an unreachable
// node does, and get_info while `info_down` is.
class SwitchableBackend final : public ::l402::test::ForwardingBackend {
 public:
  explicit SwitchableBackend(Backend& inner) : ForwardingBackend(inner) {}
  std::atomic<bool> down{false};
  std::atomic<bool> info_down{false};

  Result<NodeInfo> get_info() override {
    if (info_down) return Error(ErrorCode::kUnavailable, "connection refused");
    return ForwardingBackend::get_info();
  }
  Result<IssuedInvoice> create_invoice(const InvoiceRequest& request) override {
    if (down) return Error(ErrorCode::kUnavailable, "connection refused");
    return ForwardingBackend::create_invoice(request);
  }
};

// A service priced 2 sat in front of 127.0.0.1:9000, for paths under /api/.
inline ServiceConfig test_service(std::string name = "demo", std::string path = "/api/.*") {
  ServiceConfig service;
  service.name = std::move(name);
  service.path_regex = std::move(path);
  service.upstream.host = "127.0.0.1";
  service.upstream.port = 9000;
  service.price = Msat(2'000);
  return service;
}

inline RequestHead get(std::string target, std::string peer = "203.0.113.7") {
  RequestHead head;
  head.method = "GET";
  head.target = std::move(target);
  head.host = "api.example.com:8402";
  head.peer_address = std::move(peer);
  head.fields.push_back({"Host", head.host});
  return head;
}

inline std::vector<std::string> values(const std::vector<Field>& fields, std::string_view name) {
  std::vector<std::string> out;
  for (const Field& field : fields) {
    if (::l402::test::lower_case(field.name) == ::l402::test::lower_case(name)) {
      out.push_back(field.value);
    }
  }
  return out;
}

inline std::string value(const std::vector<Field>& fields, std::string_view name) {
  const std::vector<std::string> all = values(fields, name);
  return all.empty() ? std::string() : all.front();
}

// The token ID a forwarded paid request carries in X-L402-Token-Id.
inline TokenId forwarded_token_id(const ForwardPlan& plan) {
  TokenId id{};
  const Result<std::string> bytes = hex::decode(value(plan.set_fields, "X-L402-Token-Id"));
  EXPECT_TRUE(bytes.ok() && bytes->size() == id.size());
  if (bytes.ok() && bytes->size() == id.size()) std::copy(bytes->begin(), bytes->end(), id.begin());
  return id;
}

class GatewayTest : public ::testing::Test {
 protected:
  static constexpr std::chrono::seconds kWait{20};

  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    DevnetOptions devnet;
    devnet.data_dir = dir_.file("devnet");
    devnet.accounts = {{"payer", Msat(1'000'000'000)}};
    Result<std::unique_ptr<DevnetNode>> node = DevnetNode::open(devnet);
    ASSERT_TRUE(IsOk(node));
    node_ = std::move(node).value();
    receiver_ = open_devnet_backend(*node_);
    payer_ = open_devnet_backend(*node_, "payer");
    backend_ = std::make_unique<SwitchableBackend>(*receiver_);

    Result<std::unique_ptr<Store>> store = open_sqlite_store({dir_.file("l402d.sqlite")});
    ASSERT_TRUE(IsOk(store));
    store_ = std::move(store).value();
    Result<std::unique_ptr<SharedState>> shared = SharedState::start(*store_, system_random());
    ASSERT_TRUE(IsOk(shared));
    shared_ = std::move(shared).value();

    log_fd_ = ::open(dir_.file("log.txt").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ASSERT_GE(log_fd_, 0);
    LogConfig log;
    log.level = "debug";
    logger_ = std::make_unique<Logger>(log, log_fd_);
    now_ = static_cast<std::int64_t>(std::time(nullptr));
  }

  void TearDown() override {
    handler_.reset();
    workers_->stop();
    logger_.reset();
    if (log_fd_ >= 0) ::close(log_fd_);
  }

  GatewayDeps deps() {
    GatewayDeps deps{*backend_,       *shared_, *store_,  *workers_,
                     system_random(), metrics_, *logger_, [this] { return now_.load(); }};
    deps.steady_now = [this] {
      return steady_start_ + std::chrono::milliseconds(steady_advanced_ms_.load());
    };
    return deps;
  }

  // Builds the handler over `config` (services tried in order).
  void start(GatewayConfig config) {
    Result<std::unique_ptr<GatewayHandler>> handler =
        GatewayHandler::create(deps(), std::make_shared<const GatewayConfig>(std::move(config)));
    ASSERT_TRUE(IsOk(handler));
    handler_ = std::move(handler).value();
  }

  void start_with(std::vector<ServiceConfig> services) {
    GatewayConfig config;
    config.services = std::move(services);
    start(std::move(config));
  }

  // handle(), waiting (bounded) for `done`.
  Decision decide(const RequestHead& head) {
    auto promise = std::make_shared<std::promise<Decision>>();
    std::future<Decision> future = promise->get_future();
    handler_->handle(head,
                     [promise](Decision decision) { promise->set_value(std::move(decision)); });
    if (future.wait_for(kWait) != std::future_status::ready) {
      ADD_FAILURE() << "no decision within " << kWait.count() << " s";
      Decision none{Reply{599, {}, "timeout"}, {}};
      return none;
    }
    return future.get();
  }

  static const Reply* reply_of(const Decision& decision) {
    return std::get_if<Reply>(&decision.action);
  }
  static const ForwardPlan* plan_of(const Decision& decision) {
    return std::get_if<ForwardPlan>(&decision.action);
  }

  // The first L402 challenge of a reply.
  Challenge challenge_of(const Reply& reply) {
    const std::vector<std::string> lines = values(reply.fields, "WWW-Authenticate");
    std::vector<std::string_view> views(lines.begin(), lines.end());
    Result<std::vector<Challenge>> parsed = parse_challenges(views);
    EXPECT_TRUE(IsOk(parsed));
    if (!parsed.ok() || parsed->empty()) return {};
    return parsed->back();
  }

  // Pays the challenge's invoice from the payer account; returns the preimage.
  Hash256 pay(const Challenge& challenge) {
    PayRequest request;
    request.bolt11 = challenge.invoice;
    request.max_fee = Msat(100'000);
    request.timeout = std::chrono::seconds(10);
    const PayOutcome outcome = payer_->pay(request);
    EXPECT_TRUE(outcome.ok()) << outcome.message();
    return outcome.ok() ? outcome.payment().preimage : Hash256{};
  }

  static std::string authorization(const Challenge& challenge, const Hash256& preimage) {
    return "L402 " + challenge.macaroon_base64 + ":" + hex::encode(preimage);
  }

  // Asks for `target` without a credential, pays the challenge, and returns the
  // Authorization value that now pays for it.
  std::string buy(const std::string& target) {
    const Decision first = decide(get(target));
    const Reply* reply = reply_of(first);
    EXPECT_NE(reply, nullptr);
    if (reply == nullptr) return {};
    EXPECT_EQ(reply->status, 402);
    const Challenge challenge = challenge_of(*reply);
    return authorization(challenge, pay(challenge));
  }

  RequestHead with_credential(std::string target, const std::string& authorization_value) {
    RequestHead head = get(std::move(target));
    head.fields.push_back({"Authorization", authorization_value});
    return head;
  }

  std::string log_text() const {
    std::ifstream in(dir_.file("log.txt"));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  TempDir dir_{"l402-policy"};
  std::unique_ptr<DevnetNode> node_;
  std::unique_ptr<Backend> receiver_;
  std::unique_ptr<Backend> payer_;
  std::unique_ptr<SwitchableBackend> backend_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<SharedState> shared_;
  std::unique_ptr<WorkerPool> workers_ = std::make_unique<WorkerPool>(2, 64);
  Metrics metrics_;
  int log_fd_ = -1;
  std::unique_ptr<Logger> logger_;
  std::atomic<std::int64_t> now_{0};
  // The handler's steady clock: steady_start_ moved on by what a test advanced it.
  const std::chrono::steady_clock::time_point steady_start_ = std::chrono::steady_clock::now();
  std::atomic<std::int64_t> steady_advanced_ms_{0};
  std::unique_ptr<GatewayHandler> handler_;
};

}  // namespace l402::gateway::test
