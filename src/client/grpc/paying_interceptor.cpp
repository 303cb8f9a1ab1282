// The paying interceptor: one per call. With retries on, calls are hijacked and run by a
// HijackedCall (retried after paying); otherwise they pass through, with a token attached
// before they are sent and their challenge paid before the caller sees it.
#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "client/grpc/hijacked_call.hpp"
#include "client/grpc/payment_desk.hpp"
#include "l402/grpc_client.hpp"

namespace l402 {
namespace grpc_client {
namespace {

using grpc::experimental::ClientRpcInfo;
using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::InterceptorBatchMethods;

constexpr const char* kAuthorizationKey = "authorization";
constexpr std::string_view kChallengeKey = "www-authenticate";

// Every call kind but the unknown one (a ClientContext's default) can be run by a HijackedCall.
bool is_retryable(const ClientRpcInfo& info) { return info.type() != ClientRpcInfo::Type::UNKNOWN; }

class PayingInterceptor final : public grpc::experimental::Interceptor {
 public:
  PayingInterceptor(std::shared_ptr<PaymentDesk> desk, ClientRpcInfo* info)
      : desk_(std::move(desk)),
        info_(*info),
        method_(info->method() != nullptr ? info->method() : ""),
        url_(desk_->url_for(method_)) {}

  void Intercept(InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_CANCEL)) {
      if (mode_.load() == Mode::kHijacked) call_->cancel();
      return;  // a cancellation batch is never Proceed()ed
    }
    if (mode_.load() == Mode::kUndecided &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      start(methods);
      return;
    }
    if (mode_.load() == Mode::kHijacked) return hijacked_batch(methods);
    passing_batch(methods);
  }

 private:
  enum class Mode { kUndecided, kHijacked, kPassing, kCallerAuthorized };

  // The first batch: decides how the call goes.
  void start(InterceptorBatchMethods* methods) {
    std::multimap<std::string, std::string>& metadata = *methods->GetSendInitialMetadata();
    if (metadata.count(kAuthorizationKey) > 0) {
      // The caller's own credential: not ours to replace, and its challenge not ours to pay.
      mode_ = Mode::kCallerAuthorized;
      methods->Proceed();
      return;
    }
    if (desk_->options().retry && is_retryable(info_) && info_.client_context() != nullptr) {
      call_ = std::make_shared<HijackedCall>(
          *desk_, method_, *info_.client_context(),
          std::shared_ptr<grpc::ChannelInterface>(methods->GetInterceptedChannel()));
      mode_ = Mode::kHijacked;
      call_->start(metadata);
      if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE)) {
        (void)call_->send(nullptr, *methods->GetSerializedSendMessage());
      }
      if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_CLOSE)) {
        call_->close_sends();
      }
      // Runs this interceptor again at once, with the batch's PRE_RECV_* hook points.
      methods->Hijack();
      return;
    }
    mode_ = Mode::kPassing;
    // The token look-up waits behind any payment: on the desk, not on this thread.
    desk_->post([this, methods, &metadata] {
      std::optional<ChosenToken> token = desk_->token_for(url_);
      if (token.has_value()) {
        metadata.emplace(kAuthorizationKey, token->authorization);
        const std::lock_guard<std::mutex> lock(mu_);
        sent_token_id_ = token->token_id;
      }
      methods->Proceed();
    });
  }

  void hijacked_batch(InterceptorBatchMethods* methods) {
    bool at_once = true;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      at_once = call_->send(methods, *methods->GetSerializedSendMessage());
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_CLOSE)) {
      call_->close_sends();
    }
    const bool receives =
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_RECV_INITIAL_METADATA) ||
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_RECV_MESSAGE) ||
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_RECV_STATUS);
    if (receives) {
      call_->receive(methods);
      return;
    }
    if (at_once) methods->Proceed();  // else the call does, once the message is written
  }

  void passing_batch(InterceptorBatchMethods* methods) {
    if (mode_.load() != Mode::kPassing) {
      methods->Proceed();
      return;
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      std::vector<std::string> values =
          metadata_values(*methods->GetRecvInitialMetadata(), kChallengeKey);
      const std::lock_guard<std::mutex> lock(mu_);
      initial_challenges_ = std::move(values);
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_STATUS) &&
        is_payment_required(*methods->GetRecvStatus())) {
      std::vector<std::string> challenges =
          metadata_values(*methods->GetRecvTrailingMetadata(), kChallengeKey);
      std::optional<std::string> refused;
      {
        const std::lock_guard<std::mutex> lock(mu_);
        if (challenges.empty()) challenges = initial_challenges_;
        refused = sent_token_id_;
      }
      if (!challenges.empty()) {
        // The caller gets the challenge once the token is bought, for its next call.
        desk_->post(
            [this, methods, challenges = std::move(challenges), refused = std::move(refused)] {
              (void)desk_->obtain(url_, method_, challenges, refused);
              methods->Proceed();
            });
        return;
      }
    }
    methods->Proceed();
  }

  // Constant after construction.
  const std::shared_ptr<PaymentDesk> desk_;
  ClientRpcInfo& info_;
  const std::string method_;
  const std::string url_;

  std::atomic<Mode> mode_{Mode::kUndecided};
  std::shared_ptr<HijackedCall> call_;  // kHijacked; set before mode_

  std::mutex mu_;
  std::optional<std::string> sent_token_id_;     // kPassing: the token attached
  std::vector<std::string> initial_challenges_;  // kPassing: www-authenticate in the headers
};

class PayingInterceptorFactory final
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit PayingInterceptorFactory(std::shared_ptr<PaymentDesk> desk) : desk_(std::move(desk)) {}

  grpc::experimental::Interceptor* CreateClientInterceptor(ClientRpcInfo* info) override {
    return new PayingInterceptor(desk_, info);
  }

 private:
  const std::shared_ptr<PaymentDesk> desk_;
};

}  // namespace
}  // namespace grpc_client

bool is_payment_required(const grpc::Status& status) {
  if (status.error_code() != grpc::StatusCode::INTERNAL &&
      status.error_code() != grpc::StatusCode::UNKNOWN) {
    return false;
  }
  std::string message = status.error_message();
  std::transform(message.begin(), message.end(), message.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return message.find("payment required") != std::string::npos;
}

std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>
make_paying_interceptor_factory(std::shared_ptr<Client> client, GrpcPayingOptions options) {
  // Our misuse, not input: a factory without a Client or an authority could only fail later.
  if (client == nullptr || options.authority.empty()) std::abort();
  return std::make_unique<grpc_client::PayingInterceptorFactory>(
      std::make_shared<grpc_client::PaymentDesk>(std::move(client), std::move(options)));
}

}  // namespace l402
