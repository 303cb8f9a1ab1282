// A gRPC call relayed to its upstream (see grpc_call.hpp).
//
// Two reactors make one call: the server side (the client's call to us) and the upstream side
// (our call to the upstream). The upstream side's object is freed by gRPC right after its
// OnDone, so an operation started on it from outside its own reactions must be covered by a
// hold (AddHold), or it could land on a finished call. Holds taken here:
//   - `reading_hold_`: while the client's messages are being passed on (released when the
//     client half-closes, or when the upstream will take no more);
//   - one per request message being written to the upstream;
//   - one per response message being written to the client (the next upstream read starts
//     from the server side's OnWriteDone);
//   - one while the upstream's initial metadata is sent on.
// The server side finishes only from the upstream side's OnDone (or with the gateway's own
// answer when there is no upstream call), so no server operation starts after Finish.
#include "gateway/grpc/grpc_call.hpp"

#include <grpcpp/client_context.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/client_callback.h>
#include <grpcpp/support/status.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "gateway/grpc/grpc_mapping.hpp"
#include "gateway/observe/access_log.hpp"

namespace l402::gateway {
namespace {

using Clock = std::chrono::steady_clock;

std::string to_string(grpc::string_ref ref) { return std::string(ref.data(), ref.size()); }

bool is_reserved_response_key(std::string_view key) {
  return key.starts_with("grpc-") || key == "content-type" || key.starts_with(':');
}

class GrpcCall final : public grpc::ServerGenericBidiReactor {
 public:
  GrpcCall(grpc::GenericCallbackServerContext* context, GrpcCallDeps& deps)
      : context_(context), deps_(deps), upstream_(*this), started_(Clock::now()) {
    deps_.active_calls.fetch_add(1);
    for (const auto& [key, value] : context_->client_metadata()) {
      client_metadata_.push_back({to_string(key), to_string(value)});
    }
    bool tls = false;
    if (const auto auth = context_->auth_context()) {
      for (const auto& type : auth->FindPropertyValues("transport_security_type")) {
        tls = tls || to_string(type) == "ssl";
      }
    }
    head_ = grpc_request_head(context_->method(), context_->host(), client_metadata_,
                              grpc_peer_address(context_->peer()), tls);
    deps_.handler.handle(head_, [this](Decision decision) { on_decision(std::move(decision)); });
  }

  // ---- Server side (the client's call) --------------------------------------------------

  void OnReadDone(bool ok) override {
    if (!ok) {
      // The client half-closed (or the call ended): the upstream gets no more messages.
      std::unique_lock lock(mutex_);
      if (!reading_hold_) return;
      reading_hold_ = false;
      lock.unlock();
      upstream_.StartWritesDone();
      upstream_.RemoveHold();
      return;
    }
    bytes_in_ += request_.Length();
    if (request_.Length() > max_message_bytes_) {
      refuse_upstream(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                   "request message of " + std::to_string(request_.Length()) +
                                       " bytes is larger than the service's max_body (" +
                                       std::to_string(max_message_bytes_) + " bytes)"));
      return;
    }
    {
      // The upstream side may have released reading_hold_ meanwhile (it takes no more).
      const std::lock_guard lock(mutex_);
      if (!reading_hold_) return;
      upstream_.AddHold();  // released in on_upstream_write
    }
    upstream_.StartWrite(&request_);
  }

  void OnWriteDone(bool ok) override {
    if (ok) {
      upstream_.StartRead(&response_);
    } else {
      client_context_.TryCancel();  // the client is gone
    }
    upstream_.RemoveHold();
  }

  void OnSendInitialMetadataDone(bool /*ok*/) override { upstream_.RemoveHold(); }

  void OnCancel() override {
    const std::lock_guard lock(mutex_);
    cancelled_ = true;
    if (upstream_started_) client_context_.TryCancel();
  }

  void OnDone() override {
    record();
    release();
  }

  // ---- Upstream side (our call to the upstream) -----------------------------------------

  class Upstream final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
   public:
    explicit Upstream(GrpcCall& call) : call_(call) {}

    void OnReadInitialMetadataDone(bool ok) override { call_.on_upstream_initial_metadata(ok); }
    void OnReadDone(bool ok) override { call_.on_upstream_read(ok); }
    void OnWriteDone(bool ok) override { call_.on_upstream_write(ok); }
    void OnDone(const grpc::Status& status) override { call_.on_upstream_done(status); }

   private:
    GrpcCall& call_;
  };

 private:
  ~GrpcCall() override { deps_.active_calls.fetch_sub(1); }

  void on_decision(Decision decision) {
    outcome_ = std::move(decision.outcome);
    if (auto* reply = std::get_if<Reply>(&decision.action)) {
      const GrpcAnswer answer = grpc_answer(*reply);
      for (const Field& field : answer.trailing_metadata) {
        context_->AddTrailingMetadata(field.name, field.value);
      }
      finish(grpc::Status(static_cast<grpc::StatusCode>(answer.code), answer.message));
      return;
    }
    start_upstream(std::get<ForwardPlan>(std::move(decision.action)));
  }

  void start_upstream(ForwardPlan plan) {
    service_ = outcome_.service;
    max_message_bytes_ = plan.max_body_bytes;
    Result<std::shared_ptr<grpc::Channel>> channel = deps_.channels.get(plan.upstream);
    if (!channel.ok()) {
      deps_.metrics.count_upstream_error(service_, "connect");
      finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          "upstream unavailable: " + channel.error().message()));
      return;
    }
    for (const Field& field : grpc_upstream_metadata(plan, client_metadata_)) {
      client_context_.AddMetadata(field.name, field.value);
    }
    if (std::string authority = grpc_upstream_authority(plan, head_); !authority.empty()) {
      client_context_.set_authority(authority);
    }
    if (context_->deadline() != std::chrono::system_clock::time_point::max()) {
      client_context_.set_deadline(context_->deadline());
    }
    bool cancelled;
    {
      const std::lock_guard lock(mutex_);
      cancelled = cancelled_;
      if (!cancelled) {
        upstream_started_ = true;
        reading_hold_ = true;
        ++parts_;
      }
    }
    if (cancelled) {
      finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client"));
      return;
    }
    stub_.emplace(*channel);
    stub_->PrepareBidiStreamingCall(&client_context_, plan.target, grpc::StubOptions(), &upstream_);
    upstream_.AddHold();  // reading_hold_
    upstream_.StartRead(&response_);
    upstream_sent_at_ = Clock::now();
    upstream_.StartCall();
    StartRead(&request_);
  }

  // The upstream's first message may be read before its initial metadata is seen (the two
  // reactions can run at once on different threads): the first write to the client waits for
  // the metadata, which must be in the client's initial metadata before anything is sent.
  void on_upstream_initial_metadata(bool ok) {
    bool any = false;
    if (ok) {
      for (const auto& [key, value] : client_context_.GetServerInitialMetadata()) {
        const std::string name = to_string(key);
        if (is_reserved_response_key(name)) continue;
        context_->AddInitialMetadata(name, to_string(value));
        any = true;
      }
      deps_.metrics.observe_upstream(service_, Clock::now() - upstream_sent_at_);
    }
    // Start* under the lock: the server side's reactions are never run inline, and only one of
    // the two may send the initial metadata.
    const std::lock_guard lock(mutex_);
    initial_metadata_seen_ = true;
    if (write_waiting_) {
      write_waiting_ = false;
      StartWrite(&response_);  // its hold was taken in on_upstream_read
    } else if (any) {
      // Headers without a message yet (a stream that starts later) reach the client now.
      upstream_.AddHold();
      StartSendInitialMetadata();
    }
  }

  void on_upstream_read(bool ok) {
    if (!ok) {
      // The upstream sent its last message; it will take none either.
      release_reading_hold();
      return;
    }
    bytes_out_ += response_.Length();
    upstream_.AddHold();  // released in OnWriteDone, which starts the next read
    const std::lock_guard lock(mutex_);
    if (initial_metadata_seen_) {
      StartWrite(&response_);
    } else {
      write_waiting_ = true;
    }
  }

  void on_upstream_write(bool ok) {
    if (!ok) {
      release_reading_hold();
    } else {
      bool reading;
      {
        const std::lock_guard lock(mutex_);
        reading = reading_hold_;
      }
      if (reading) StartRead(&request_);
    }
    upstream_.RemoveHold();
  }

  void on_upstream_done(const grpc::Status& upstream_status) {
    grpc::Status status = upstream_status;
    {
      const std::lock_guard lock(mutex_);
      if (refusal_) status = *refusal_;
    }
    for (const auto& [key, value] : client_context_.GetServerTrailingMetadata()) {
      const std::string name = to_string(key);
      if (is_reserved_response_key(name)) continue;
      context_->AddTrailingMetadata(name, to_string(value));
    }
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE && bytes_out_ == 0) {
      deps_.metrics.count_upstream_error(service_, "unavailable");
    } else if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      deps_.metrics.count_upstream_error(service_, "timeout");
    }
    finish(status);
    release();
  }

  // Ends the call with `status` whatever the upstream says: it is cancelled, and its OnDone
  // finishes the client's call.
  void refuse_upstream(grpc::Status status) {
    {
      const std::lock_guard lock(mutex_);
      refusal_ = std::move(status);
    }
    client_context_.TryCancel();
    release_reading_hold();
  }

  void release_reading_hold() {
    {
      const std::lock_guard lock(mutex_);
      if (!reading_hold_) return;
      reading_hold_ = false;
    }
    upstream_.RemoveHold();
  }

  void finish(grpc::Status status) {
    status_ = status;
    Finish(std::move(status));
  }

  void release() {
    if (parts_.fetch_sub(1) == 1) delete this;
  }

  void record() {
    AccessEntry entry;
    entry.method = "grpc";
    entry.path = head_.target;
    entry.status = static_cast<std::int64_t>(status_.error_code());
    entry.bytes_in = bytes_in_;
    entry.bytes_out = bytes_out_;
    entry.duration = Clock::now() - started_;
    entry.peer_address = head_.peer_address;
    record_request(deps_.metrics, deps_.logger, outcome_, entry);
  }

  grpc::GenericCallbackServerContext* const context_;
  GrpcCallDeps& deps_;
  Upstream upstream_;
  const Clock::time_point started_;
  Clock::time_point upstream_sent_at_;

  std::vector<Field> client_metadata_;
  RequestHead head_;
  RequestOutcome outcome_;
  std::string service_;
  std::uint64_t max_message_bytes_ = 0;

  grpc::ClientContext client_context_;
  std::optional<grpc::GenericStub> stub_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  std::uint64_t bytes_in_ = 0;  // each written by one side only, read once the call is over
  std::uint64_t bytes_out_ = 0;
  grpc::Status status_;

  std::atomic<int> parts_{1};  // the server side, plus the upstream side once started
  std::mutex mutex_;
  bool cancelled_ = false;
  bool upstream_started_ = false;
  bool reading_hold_ = false;
  bool initial_metadata_seen_ = false;
  bool write_waiting_ = false;  // a response message read before the initial metadata
  std::optional<grpc::Status> refusal_;
};

}  // namespace

grpc::ServerGenericBidiReactor* start_grpc_call(grpc::GenericCallbackServerContext* context,
                                                GrpcCallDeps& deps) {
  return new GrpcCall(context, deps);
}

}  // namespace l402::gateway
