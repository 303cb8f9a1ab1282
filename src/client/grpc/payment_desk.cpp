#include "client/grpc/payment_desk.hpp"

#include "l402/encoding.hpp"

namespace l402::grpc_client {

SerialWorker::SerialWorker() : thread_([queue = queue_] { run(queue); }) {}

SerialWorker::~SerialWorker() {
  {
    const std::lock_guard<std::mutex> lock(queue_->mu);
    queue_->stopping = true;
  }
  queue_->wake.notify_one();
  // The last job may release the last owner of this object: its thread cannot join itself.
  if (thread_.get_id() == std::this_thread::get_id()) {
    thread_.detach();
  } else {
    thread_.join();
  }
}

void SerialWorker::post(std::function<void()> job) {
  {
    const std::lock_guard<std::mutex> lock(queue_->mu);
    queue_->jobs.push_back(std::move(job));
  }
  queue_->wake.notify_one();
}

void SerialWorker::run(const std::shared_ptr<Queue>& queue) {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(queue->mu);
      queue->wake.wait(lock, [&] { return queue->stopping || !queue->jobs.empty(); });
      if (queue->jobs.empty()) return;
      job = std::move(queue->jobs.front());
      queue->jobs.pop_front();
    }
    job();
  }
}

CompletionPoller::CompletionPoller()
    : thread_([queue = queue_] {
        void* tag = nullptr;
        bool ok = false;
        while (queue->Next(&tag, &ok)) static_cast<Operation*>(tag)->complete(ok);
      }) {}

CompletionPoller::~CompletionPoller() {
  queue_->Shutdown();
  // A completion may release the last owner of this object: its thread cannot join itself.
  if (thread_.get_id() == std::this_thread::get_id()) {
    thread_.detach();
  } else {
    thread_.join();
  }
}

std::string authorization_for(const StoredToken& token) {
  return "L402 " + token.macaroon_base64 + ":" + hex::encode(token.preimage);
}

std::string PaymentDesk::url_for(std::string_view method) const {
  return std::string(options_.tls ? "https://" : "http://") + options_.authority +
         std::string(method);
}

std::optional<ChosenToken> PaymentDesk::token_for(const std::string& url) {
  Result<std::optional<StoredToken>> token = client_->token_for(url);
  if (!token.ok() || !token->has_value()) return std::nullopt;
  return ChosenToken{(*token)->token_id, authorization_for(**token)};
}

std::optional<ChosenToken> PaymentDesk::obtain(const std::string& url, std::string_view method,
                                               const std::vector<std::string>& challenges,
                                               const std::optional<std::string>& refused_token_id) {
  if (refused_token_id.has_value()) (void)client_->store().mark_stale(*refused_token_id);
  // Calls challenged together queue here: the first pays, the others find its token.
  std::optional<ChosenToken> held = token_for(url);
  if (held.has_value() && held->token_id != refused_token_id) return held;

  const std::vector<std::string_view> values(challenges.begin(), challenges.end());
  const PurchaseResult result = client_->buy(url, values, std::nullopt);
  if (options_.on_purchase) options_.on_purchase(method, result);
  if (!result.token.has_value()) return std::nullopt;
  return ChosenToken{result.token->token_id, authorization_for(*result.token)};
}

}  // namespace l402::grpc_client
