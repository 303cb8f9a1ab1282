// What every call of one paying channel shares: the Client, the options, and the one thread
// that uses the Client (token look-ups and payments, in order). Private to src/client/grpc.
//
// Thread safety: post() from any thread; the other calls only from jobs run by post().
#pragma once

#include <grpcpp/completion_queue.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "l402/client.hpp"
#include "l402/grpc_client.hpp"

namespace l402::grpc_client {

// Runs jobs one at a time, in the order posted, on a thread of its own. Destroying it runs the
// jobs still queued, then stops the thread (joined, or detached when the last job destroys it).
class SerialWorker {
 public:
  SerialWorker();
  ~SerialWorker();
  SerialWorker(const SerialWorker&) = delete;
  SerialWorker& operator=(const SerialWorker&) = delete;

  void post(std::function<void()> job);

 private:
  // Owned jointly by the object and its thread, so that the thread may outlive the object.
  struct Queue {
    std::mutex mu;
    std::condition_variable wake;
    std::deque<std::function<void()>> jobs;
    bool stopping = false;
  };
  static void run(const std::shared_ptr<Queue>& queue);

  const std::shared_ptr<Queue> queue_ = std::make_shared<Queue>();
  std::thread thread_;
};

// A completion queue of the interceptor's own, polled by a thread of its own: the attempts of
// hijacked calls run on it (gRPC's async API), so that nothing of theirs depends on the
// caller's channel, which the caller may destroy the moment its call ends. Each tag is an
// Operation, whose complete() runs on the thread. Destroying it shuts the queue down, drains
// it and stops the thread (joined, or detached when a completion destroys it).
class CompletionPoller {
 public:
  class Operation {
   public:
    virtual void complete(bool ok) = 0;

   protected:
    ~Operation() = default;
  };

  CompletionPoller();
  ~CompletionPoller();
  CompletionPoller(const CompletionPoller&) = delete;
  CompletionPoller& operator=(const CompletionPoller&) = delete;

  grpc::CompletionQueue& queue() { return *queue_; }

 private:
  const std::shared_ptr<grpc::CompletionQueue> queue_ = std::make_shared<grpc::CompletionQueue>();
  std::thread thread_;
};

// A token to send, and its Authorization value (a secret).
struct ChosenToken {
  std::string token_id;
  std::string authorization;
};

class PaymentDesk {
 public:
  PaymentDesk(std::shared_ptr<Client> client, GrpcPayingOptions options)
      : client_(std::move(client)), options_(std::move(options)) {}

  const GrpcPayingOptions& options() const { return options_; }

  // "http://<authority><method>" ("https" over TLS).
  std::string url_for(std::string_view method) const;

  // Runs `job` on the desk's thread, after the jobs posted before it.
  void post(std::function<void()> job) { worker_.post(std::move(job)); }

  // Where hijacked calls run their attempts.
  grpc::CompletionQueue& completion_queue() { return poller_.queue(); }

  // ---- On the desk's thread only

  // The best stored token for `url`; nullopt when none (or the store failed: the call then
  // goes without one and its challenge is paid as usual).
  std::optional<ChosenToken> token_for(const std::string& url);

  // A token for `url` after it answered `method`'s call with `challenges`
  // (www-authenticate values), the call having carried `refused_token_id` (if any): the
  // refused token is marked stale; a token another call bought meanwhile is used as it is;
  // else the challenge is paid (Client::buy). nullopt when nothing could be bought.
  std::optional<ChosenToken> obtain(const std::string& url, std::string_view method,
                                    const std::vector<std::string>& challenges,
                                    const std::optional<std::string>& refused_token_id);

 private:
  // Constant after construction.
  const std::shared_ptr<Client> client_;
  const GrpcPayingOptions options_;

  // Last: their threads stop first.
  CompletionPoller poller_;
  SerialWorker worker_;
};

// "L402 <macaroon base64>:<preimage hex>". Holds a secret.
std::string authorization_for(const StoredToken& token);

}  // namespace l402::grpc_client
