// echo.proto's Echo service on the callback API. Each call is a reactor that has at most one
// thing outstanding at a time (a read, a write or a delay), so its steps never overlap and the
// only concurrency to handle is OnCancel arriving in the middle: CallControl deals with that.
#include "echo_service.hpp"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <utility>

#include "delay_timer.hpp"
#include "echo.grpc.pb.h"
#include "echo.pb.h"

namespace l402::testing {
namespace {

using Metadata = std::map<std::string, std::string>;

class Counters {
 public:
  void call_started() {
    const std::lock_guard lock(mutex_);
    ++started_;
  }
  void call_cancelled() {
    {
      const std::lock_guard lock(mutex_);
      ++cancelled_;
    }
    changed_.notify_all();
  }
  std::size_t started() const {
    const std::lock_guard lock(mutex_);
    return started_;
  }
  std::size_t cancelled() const {
    const std::lock_guard lock(mutex_);
    return cancelled_;
  }
  bool wait_for_cancelled(std::size_t n, std::chrono::milliseconds limit) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return cancelled_ >= n; });
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::size_t started_ = 0;
  std::size_t cancelled_ = 0;
};

// What every call of the server uses.
struct Shared {
  DelayTimer timer;
  Counters counters;
};

// A call's bookkeeping: it is finished exactly once, and never while a delay of its own is
// pending (the timer's callback refers to the reactor, which is gone after OnDone). A
// cancellation cuts a pending delay short; the step waiting on it is then told not to go on.
class CallControl {
 public:
  explicit CallControl(Shared& shared) : shared_(shared) {}

  // Runs step(true) after `delay` (at once if zero), or step(false) as soon as the call is
  // cancelled. The step runs on the timer's thread unless `delay` is zero.
  void after(std::chrono::milliseconds delay, std::function<void(bool go)> step) {
    std::unique_lock lock(mutex_);
    if (cancelled_ || delay.count() == 0) {
      const bool go = !cancelled_;
      lock.unlock();
      step(go);
      return;
    }
    // Under the lock: the callback takes it too, so it cannot see timer_id_ before it is set.
    timer_id_ = shared_.timer.schedule(delay, [this, step = std::move(step)](bool fired) {
      bool go = false;
      {
        const std::lock_guard callback_lock(mutex_);
        timer_id_ = 0;
        go = fired && !cancelled_;
      }
      step(go);
    });
  }

  // OnCancel: counts the cancellation if the call was still going on, and stops its delay.
  void cancel() {
    const std::lock_guard lock(mutex_);
    if (finishing_ || cancelled_) return;
    cancelled_ = true;
    shared_.counters.call_cancelled();
    // The timer runs the callback later, on its own thread, so cancelling under the lock is safe.
    if (timer_id_ != 0) shared_.timer.cancel(timer_id_);
  }

  // True the first time only: the caller then finishes the call.
  bool claim_finish() {
    const std::lock_guard lock(mutex_);
    if (finishing_) return false;
    finishing_ = true;
    return true;
  }

 private:
  Shared& shared_;
  std::mutex mutex_;
  bool cancelled_ = false;
  bool finishing_ = false;
  std::uint64_t timer_id_ = 0;
};

// The request metadata as EchoReply.metadata reports it: lower-case keys, binary (-bin) keys
// left out, the values of a repeated key joined with ", " in the order they came.
Metadata received_metadata(const grpc::CallbackServerContext& context) {
  Metadata metadata;
  for (const auto& [raw_key, raw_value] : context.client_metadata()) {
    std::string key(raw_key.data(), raw_key.size());
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (key.size() >= 4 && key.compare(key.size() - 4, 4, "-bin") == 0) continue;
    const std::string value(raw_value.data(), raw_value.size());
    const auto [entry, inserted] = metadata.emplace(key, value);
    if (!inserted) entry->second += ", " + value;
  }
  return metadata;
}

std::chrono::milliseconds delay_of(const EchoRequest& request) {
  return std::chrono::milliseconds(request.delay_ms());
}

// The status a request with a non-zero fail_code asks for.
grpc::Status requested_failure(const EchoRequest& request) {
  const int code = request.fail_code();
  if (code <= 0 || code > grpc::StatusCode::UNAUTHENTICATED) {
    return grpc::Status(
        grpc::StatusCode::INVALID_ARGUMENT,
        "fail_code must be a gRPC status code from 1 to 16, not " + std::to_string(code));
  }
  return grpc::Status(static_cast<grpc::StatusCode>(code), request.text());
}

grpc::Status cancelled_status() { return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"); }

EchoReply reply_to(const EchoRequest& request, std::uint32_t index, const Metadata& metadata) {
  EchoReply reply;
  reply.set_text(request.text());
  reply.set_payload(request.payload());
  reply.set_index(index);
  reply.mutable_metadata()->insert(metadata.begin(), metadata.end());
  return reply;
}

// The part of a reactor common to the four kinds of call. `Reactor` is the gRPC reactor base.
template <class Reactor>
class EchoCall : public Reactor {
 public:
  EchoCall(Shared& shared, grpc::CallbackServerContext* context)
      : context_(context), control_(shared), metadata_(received_metadata(*context)) {
    shared.counters.call_started();
    context_->AddInitialMetadata("x-echo-initial", "yes");
  }

  void OnCancel() override { control_.cancel(); }
  void OnDone() override { delete this; }

 protected:
  void finish(grpc::Status status) {
    if (!control_.claim_finish()) return;
    context_->AddTrailingMetadata("x-echo-trailing", "done");
    this->Finish(std::move(status));
  }

  grpc::CallbackServerContext* const context_;
  CallControl control_;
  const Metadata metadata_;
};

// Say: the request back, after its delay.
class SayCall final : public EchoCall<grpc::ServerUnaryReactor> {
 public:
  SayCall(Shared& shared, grpc::CallbackServerContext* context, const EchoRequest* request,
          EchoReply* reply)
      : EchoCall(shared, context), request_(*request), reply_(*reply) {
    control_.after(delay_of(request_), [this](bool go) { answer(go); });
  }

 private:
  void answer(bool go) {
    if (!go) return finish(cancelled_status());
    if (request_.fail_code() != 0) return finish(requested_failure(request_));
    reply_ = reply_to(request_, 0, metadata_);
    finish(grpc::Status::OK);
  }

  const EchoRequest& request_;
  EchoReply& reply_;
};

// Collect: reads to the end of the client's stream, waiting each request's delay after it
// arrives, then one reply with the texts joined by "," and the payloads concatenated.
class CollectCall final : public EchoCall<grpc::ServerReadReactor<EchoRequest>> {
 public:
  CollectCall(Shared& shared, grpc::CallbackServerContext* context, EchoReply* reply)
      : EchoCall(shared, context), reply_(*reply) {
    StartSendInitialMetadata();
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      // The client closed its side (or the call is over, and this status goes nowhere).
      if (context_->IsCancelled()) return finish(cancelled_status());
      reply_.set_index(received_);
      reply_.mutable_metadata()->insert(metadata_.begin(), metadata_.end());
      return finish(grpc::Status::OK);
    }
    if (received_ > 0) reply_.mutable_text()->append(",");
    reply_.mutable_text()->append(request_.text());
    reply_.mutable_payload()->append(request_.payload());
    ++received_;
    control_.after(delay_of(request_), [this](bool go) {
      if (!go) return finish(cancelled_status());
      if (request_.fail_code() != 0) return finish(requested_failure(request_));
      StartRead(&request_);
    });
  }

 private:
  EchoRequest request_;
  EchoReply& reply_;
  std::uint32_t received_ = 0;
};

// Expand: `repeat` replies (at least one), each after the request's delay.
class ExpandCall final : public EchoCall<grpc::ServerWriteReactor<EchoReply>> {
 public:
  ExpandCall(Shared& shared, grpc::CallbackServerContext* context, const EchoRequest* request)
      : EchoCall(shared, context),
        request_(*request),
        replies_(std::max<std::uint32_t>(request->repeat(), 1)) {
    StartSendInitialMetadata();
    write_next();
  }

  void OnWriteDone(bool ok) override {
    if (!ok) return finish(cancelled_status());
    if (++sent_ == replies_) return finish(grpc::Status::OK);
    write_next();
  }

 private:
  void write_next() {
    control_.after(delay_of(request_), [this](bool go) {
      if (!go) return finish(cancelled_status());
      if (request_.fail_code() != 0) return finish(requested_failure(request_));
      reply_ = reply_to(request_, sent_, metadata_);
      StartWrite(&reply_);
    });
  }

  const EchoRequest& request_;
  const std::uint32_t replies_;
  std::uint32_t sent_ = 0;
  EchoReply reply_;
};

// Chat: each request back (after its delay) before the next is read.
class ChatCall final : public EchoCall<grpc::ServerBidiReactor<EchoRequest, EchoReply>> {
 public:
  ChatCall(Shared& shared, grpc::CallbackServerContext* context) : EchoCall(shared, context) {
    StartSendInitialMetadata();
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) return finish(context_->IsCancelled() ? cancelled_status() : grpc::Status::OK);
    control_.after(delay_of(request_), [this](bool go) {
      if (!go) return finish(cancelled_status());
      if (request_.fail_code() != 0) return finish(requested_failure(request_));
      reply_ = reply_to(request_, position_++, metadata_);
      StartWrite(&reply_);
    });
  }

  void OnWriteDone(bool ok) override {
    if (!ok) return finish(cancelled_status());
    StartRead(&request_);
  }

 private:
  EchoRequest request_;
  EchoReply reply_;
  std::uint32_t position_ = 0;
};

class EchoService final : public Echo::CallbackService {
 public:
  explicit EchoService(Shared& shared) : shared_(shared) {}

  grpc::ServerUnaryReactor* Say(grpc::CallbackServerContext* context, const EchoRequest* request,
                                EchoReply* reply) override {
    return new SayCall(shared_, context, request, reply);
  }
  grpc::ServerReadReactor<EchoRequest>* Collect(grpc::CallbackServerContext* context,
                                                EchoReply* reply) override {
    return new CollectCall(shared_, context, reply);
  }
  grpc::ServerWriteReactor<EchoReply>* Expand(grpc::CallbackServerContext* context,
                                              const EchoRequest* request) override {
    return new ExpandCall(shared_, context, request);
  }
  grpc::ServerBidiReactor<EchoRequest, EchoReply>* Chat(
      grpc::CallbackServerContext* context) override {
    return new ChatCall(shared_, context);
  }

 private:
  Shared& shared_;
};

bool read_file(const std::string& path, std::string& contents) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return false;
  std::ostringstream buffer;
  buffer << file.rdbuf();
  contents = buffer.str();
  return !file.bad();
}

std::shared_ptr<grpc::ServerCredentials> credentials_for(const EchoServerOptions& options,
                                                         std::string& error) {
  if (options.tls_cert_path.empty() && options.tls_key_path.empty()) {
    return grpc::InsecureServerCredentials();
  }
  if (options.tls_cert_path.empty() || options.tls_key_path.empty()) {
    error = "TLS needs both a certificate and a key";
    return nullptr;
  }
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  if (!read_file(options.tls_cert_path, pair.cert_chain) || pair.cert_chain.empty()) {
    error = "cannot read the certificate " + options.tls_cert_path;
    return nullptr;
  }
  if (!read_file(options.tls_key_path, pair.private_key) || pair.private_key.empty()) {
    error = "cannot read the key " + options.tls_key_path;
    return nullptr;
  }
  grpc::SslServerCredentialsOptions ssl_options;
  ssl_options.pem_key_cert_pairs.push_back(std::move(pair));
  return grpc::SslServerCredentials(ssl_options);
}

}  // namespace

class EchoServer::Impl {
 public:
  // Declared first so that it goes last: the timer outlives every call.
  Shared shared;
  EchoService service{shared};
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  std::once_flag shut_down;
};

std::unique_ptr<EchoServer> EchoServer::start(const EchoServerOptions& options,
                                              std::string* error) {
  std::string why;
  auto impl = std::make_unique<Impl>();
  const std::shared_ptr<grpc::ServerCredentials> credentials = credentials_for(options, why);
  if (credentials) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort(options.address, credentials, &impl->port);
    builder.RegisterService(&impl->service);
    impl->server = builder.BuildAndStart();
    if (!impl->server || impl->port == 0) {
      why = "cannot listen on " + options.address;
      impl->server.reset();
    }
  }
  if (!impl->server) {
    if (error != nullptr) *error = why;
    return nullptr;
  }
  return std::unique_ptr<EchoServer>(new EchoServer(std::move(impl)));
}

EchoServer::EchoServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

EchoServer::~EchoServer() { shutdown(); }

std::uint16_t EchoServer::port() const { return static_cast<std::uint16_t>(impl_->port); }

void EchoServer::shutdown() {
  std::call_once(impl_->shut_down, [this] {
    // After the deadline gRPC cancels what is left; OnCancel then cuts any delay short.
    impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    impl_->server->Wait();
  });
}

std::size_t EchoServer::calls_started() const { return impl_->shared.counters.started(); }

std::size_t EchoServer::calls_cancelled() const { return impl_->shared.counters.cancelled(); }

bool EchoServer::wait_for_cancelled(std::size_t n, std::chrono::milliseconds limit) const {
  return impl_->shared.counters.wait_for_cancelled(n, limit);
}

}  // namespace l402::testing
