#include "client/grpc/hijacked_call.hpp"

#include <grpcpp/impl/codegen/proto_utils.h>

#include <string_view>

#include "l402/grpc_client.hpp"

namespace l402::grpc_client {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::InterceptorBatchMethods;

constexpr std::string_view kChallengeKey = "www-authenticate";

Metadata copy_metadata(const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  Metadata copy;
  copy.reserve(metadata.size());
  for (const auto& [key, value] : metadata) {
    copy.emplace_back(std::string(key.data(), key.size()), std::string(value.data(), value.size()));
  }
  return copy;
}

// Writes `message` into the caller's response object, whose type the options name.
bool deliver_message(GrpcMessages messages, const grpc::ByteBuffer& message, void* destination) {
  switch (messages) {
    case GrpcMessages::kByteBuffer:
      *static_cast<grpc::ByteBuffer*>(destination) = message;
      return true;
    case GrpcMessages::kProtobuf: {
      grpc::ByteBuffer copy(message);  // Deserialize consumes its buffer
      return grpc::SerializationTraits<grpc::protobuf::MessageLite>::Deserialize(
                 &copy, static_cast<grpc::protobuf::MessageLite*>(destination))
          .ok();
    }
  }
  return false;
}

}  // namespace

std::vector<std::string> metadata_values(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata, std::string_view key) {
  std::vector<std::string> values;
  const auto [first, last] = metadata.equal_range(grpc::string_ref(key.data(), key.size()));
  for (auto it = first; it != last; ++it) values.emplace_back(it->second.data(), it->second.size());
  return values;
}

std::vector<std::string> metadata_values(const Metadata& metadata, std::string_view key) {
  std::vector<std::string> values;
  for (const auto& [name, value] : metadata) {
    if (name == key) values.push_back(value);
  }
  return values;
}

// ---- Attempt

void Attempt::begin(grpc::GenericStub& stub, const std::string& method) {
  stream_ = stub.PrepareCall(&context_, method, &queue_);
  const std::lock_guard<std::mutex> lock(mu_);
  outstanding_ = 2;
  stream_->StartCall(&start_op_);
  // The first read also receives the initial metadata; the wait for the status starts once
  // it completed (both would ask for the initial metadata before).
  stream_->Read(&response_, &read_op_);
}

bool Attempt::issue() {
  const std::lock_guard<std::mutex> lock(mu_);
  if (done_) return false;
  ++outstanding_;
  return true;
}

bool Attempt::write(const grpc::ByteBuffer& message) {
  if (!issue()) return false;
  outgoing_ = message;
  stream_->Write(outgoing_, &write_op_);
  return true;
}

void Attempt::writes_done() {
  if (issue()) stream_->WritesDone(&writes_done_op_);
}

void Attempt::read_next() {
  if (issue()) stream_->Read(&response_, &read_op_);
}

void Attempt::report_initial_metadata() {
  if (initial_metadata_reported_) return;
  initial_metadata_reported_ = true;
  call_.on_initial_metadata(copy_metadata(context_.GetServerInitialMetadata()));
}

void Attempt::on_complete(Kind kind, bool ok) {
  switch (kind) {
    case Kind::kStart:
      call_.on_started();
      break;
    case Kind::kWritesDone:
    case Kind::kFinish:
      break;
    case Kind::kRead:
      if (!finish_requested_ && issue()) {
        finish_requested_ = true;
        stream_->Finish(&status_, &finish_op_);
      }
      if (ok) {
        report_initial_metadata();  // the first read asked for it
        call_.on_message(std::move(response_));
        response_.Clear();
      } else {
        call_.on_read_end();
      }
      break;
    case Kind::kWrite:
      call_.on_write_done(ok);
      break;
  }
  bool report = false;
  {
    const std::lock_guard<std::mutex> lock(mu_);
    if (kind == Kind::kFinish) finished_ = true;
    --outstanding_;
    report = finished_ && outstanding_ == 0 && !done_;
    if (report) done_ = true;
  }
  if (!report) return;
  // Every operation completed: the initial metadata (if any came) is in the context.
  report_initial_metadata();
  // Last: the call may end inside on_done, and this object with it.
  call_.on_done(*this, status_);
}

// ---- HijackedCall: the caller's side

HijackedCall::HijackedCall(PaymentDesk& desk, std::string method, grpc::ClientContext& caller,
                           std::shared_ptr<grpc::ChannelInterface> channel)
    : desk_(desk),
      method_(std::move(method)),
      url_(desk.url_for(method_)),
      caller_(caller),
      messages_(desk.options().messages),
      max_replay_bytes_(desk.options().max_replay_bytes),
      stub_(std::move(channel)) {}

void HijackedCall::start(const std::multimap<std::string, std::string>& metadata) {
  {
    const std::lock_guard<std::mutex> lock(mu_);
    request_metadata_ = metadata;
  }
  desk_.post([self = shared_from_this()] { self->launch(self->desk_.token_for(self->url_)); });
}

bool HijackedCall::send(InterceptorBatchMethods* batch, const grpc::ByteBuffer& message) {
  Actions actions;
  bool at_once = true;
  {
    const std::lock_guard<std::mutex> lock(mu_);
    if (outcome_.has_value()) {
      if (batch != nullptr) batch->FailHijackedSendMessage();
      return true;
    }
    log_bytes_ += message.Length();
    if (log_bytes_ > max_replay_bytes_) replayable_ = false;
    Sent sent{message, nullptr};
    // Beyond the log's bound the caller waits for the attempt, as it would for the network.
    if (!replayable_ && batch != nullptr) {
      sent.batch = batch;
      at_once = false;
    }
    log_.push_back(std::move(sent));
    pump_locked(actions);
  }
  run(actions);
  return at_once;
}

void HijackedCall::close_sends() {
  Actions actions;
  {
    const std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    pump_locked(actions);
  }
  run(actions);
}

void HijackedCall::receive(InterceptorBatchMethods* batch) {
  Receiving receiving;
  receiving.batch = batch;
  receiving.initial_metadata =
      batch->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_RECV_INITIAL_METADATA);
  receiving.message = batch->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_RECV_MESSAGE);
  receiving.status = batch->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_RECV_STATUS);
  const std::shared_ptr<HijackedCall> self = shared_from_this();
  Actions actions;
  {
    const std::lock_guard<std::mutex> lock(mu_);
    receiving_.push_back(receiving);
    take_ready_locked(actions);
  }
  run(actions);
}

void HijackedCall::cancel() {
  Attempt* attempt = nullptr;
  Actions actions;
  {
    const std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    if (!outcome_.has_value()) attempt = current_;
    pump_locked(actions);
  }
  if (attempt != nullptr) attempt->context().TryCancel();
  run(actions);
}

// ---- HijackedCall: the attempts' side

void HijackedCall::launch(const std::optional<ChosenToken>& token) {
  Attempt* attempt = nullptr;
  {
    const std::lock_guard<std::mutex> lock(mu_);
    if (!cancelled_) {
      attempts_.push_back(std::make_unique<Attempt>(*this, desk_.completion_queue()));
      attempt = attempts_.back().get();
      grpc::ClientContext& context = attempt->context();
      for (const auto& [key, value] : request_metadata_) context.AddMetadata(key, value);
      if (token.has_value()) context.AddMetadata("authorization", token->authorization);
      context.set_deadline(caller_.raw_deadline());
      if (caller_.credentials()) context.set_credentials(caller_.credentials());
      if (caller_.compression_algorithm() != GRPC_COMPRESS_NONE) {
        context.set_compression_algorithm(caller_.compression_algorithm());
      }
      current_ = attempt;
      live_ = false;
      sent_token_id_.reset();
      if (token.has_value()) sent_token_id_ = token->token_id;
      written_ = log_start_;
      writing_ = false;
      close_sent_ = false;
      sending_over_ = false;
      committed_ = false;
      reading_ = true;
      read_ended_ = false;
      initial_metadata_.reset();
      received_.clear();
    }
  }
  if (attempt == nullptr) {
    finish(Outcome{grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"), {}, {}});
    return;
  }
  attempt->begin(stub_, method_);
}

void HijackedCall::on_started() {
  Actions actions;
  {
    const std::lock_guard<std::mutex> lock(mu_);
    live_ = true;
    pump_locked(actions);
  }
  run(actions);
}

void HijackedCall::on_initial_metadata(Metadata metadata) {
  const std::shared_ptr<HijackedCall> self = shared_from_this();
  Actions actions;
  {
    const std::lock_guard<std::mutex> lock(mu_);
    initial_metadata_ = std::move(metadata);
    take_ready_locked(actions);
  }
  run(actions);
}

void HijackedCall::on_message(grpc::ByteBuffer message) {
  const std::shared_ptr<HijackedCall> self = shared_from_this();
  Actions actions;
  {
    const std::lock_guard<std::mutex> lock(mu_);
    // An answer: the call is the caller's now, and the log need not be kept.
    committed_ = true;
    replayable_ = false;
    forget_written_locked();
    reading_ = false;
    received_.push_back(std::move(message));
    take_ready_locked(actions);
  }
  run(actions);
}

void HijackedCall::on_read_end() {
  Actions actions;
  {
    const std::lock_guard<std::mutex> lock(mu_);
    reading_ = false;
    read_ended_ = true;  // the call is over: no more writes
    pump_locked(actions);
  }
  run(actions);
}

void HijackedCall::on_write_done(bool ok) {
  Actions actions;
  {
    const std::lock_guard<std::mutex> lock(mu_);
    writing_ = false;
    if (ok) {
      Sent& sent = log_[written_ - log_start_];
      if (sent.batch != nullptr) actions.proceed.push_back(std::exchange(sent.batch, nullptr));
      ++written_;
      if (!replayable_) forget_written_locked();
    } else {
      read_ended_ = true;  // a failed write means the stream is gone
    }
    pump_locked(actions);
  }
  run(actions);
}

void HijackedCall::on_done(Attempt& attempt, const grpc::Status& status) {
  const std::shared_ptr<HijackedCall> self = shared_from_this();
  Outcome outcome{status, {}, copy_metadata(attempt.context().GetServerTrailingMetadata())};
  bool pay = false;
  bool retry = false;
  std::vector<std::string> challenges;
  std::optional<std::string> refused;
  {
    const std::lock_guard<std::mutex> lock(mu_);
    live_ = false;
    outcome.initial_metadata = initial_metadata_.value_or(Metadata());
    // A challenge to the retry is not paid again.
    if (!cancelled_ && attempts_.size() == 1 && is_payment_required(status)) {
      challenges = metadata_values(outcome.trailing_metadata, kChallengeKey);
      if (challenges.empty()) challenges = metadata_values(outcome.initial_metadata, kChallengeKey);
      pay = !challenges.empty();
      retry = pay && !committed_ && replayable_ && log_start_ == 0;
      refused = sent_token_id_;
    }
  }
  if (!pay) {
    finish(std::move(outcome));
    return;
  }
  // Paying blocks: never on a gRPC thread. A call that cannot be sent again ends with its
  // challenge, and the token serves the next call.
  desk_.post([self, retry, outcome = std::move(outcome), challenges = std::move(challenges),
              refused = std::move(refused)]() mutable {
    std::optional<ChosenToken> token =
        self->desk_.obtain(self->url_, self->method_, challenges, refused);
    if (token.has_value() && retry) {
      self->launch(token);
    } else {
      self->finish(std::move(outcome));
    }
  });
}

void HijackedCall::finish(Outcome outcome) {
  const std::shared_ptr<HijackedCall> self = shared_from_this();
  Actions actions;
  {
    const std::lock_guard<std::mutex> lock(mu_);
    outcome_ = std::move(outcome);
    live_ = false;
    reading_ = false;
    read_ended_ = true;
    // Writes no attempt will make fail.
    for (Sent& sent : log_) {
      if (sent.batch == nullptr) continue;
      sent.batch->FailHijackedSendMessage();
      actions.proceed.push_back(std::exchange(sent.batch, nullptr));
    }
    take_ready_locked(actions);
  }
  run(actions);
}

// ---- Moving messages

void HijackedCall::pump_locked(Actions& actions) {
  if (!live_ || sending_over_ || current_ == nullptr) return;
  const bool over = read_ended_ || cancelled_;
  if (!over && !writing_) {
    if (written_ < log_end_locked()) {
      writing_ = true;
      actions.write = current_;
      actions.message = log_[written_ - log_start_].message;
      return;
    }
    if (closed_ && !close_sent_) {
      close_sent_ = true;
      actions.writes_done = current_;
    }
  }
  if (over || close_sent_) sending_over_ = true;
}

void HijackedCall::forget_written_locked() {
  while (log_start_ < written_ && !log_.empty()) {
    log_bytes_ -= log_.front().message.Length();
    log_.pop_front();
    ++log_start_;
  }
}

bool HijackedCall::ready_locked(const Receiving& receiving) const {
  const bool ended = outcome_.has_value();
  if (receiving.initial_metadata && !ended && !(committed_ && initial_metadata_.has_value())) {
    return false;
  }
  if (receiving.message && !ended && received_.empty()) return false;
  if (receiving.status && !ended) return false;
  return true;
}

void HijackedCall::add_metadata_locked(std::multimap<grpc::string_ref, grpc::string_ref>& map,
                                       const Metadata& metadata) {
  for (const auto& [key, value] : metadata) {
    const std::string& stored_key = delivered_strings_.emplace_back(key);
    const std::string& stored_value = delivered_strings_.emplace_back(value);
    map.emplace(grpc::string_ref(stored_key), grpc::string_ref(stored_value));
  }
}

void HijackedCall::fill_locked(const Receiving& receiving) {
  InterceptorBatchMethods* batch = receiving.batch;
  if (receiving.initial_metadata) {
    const Metadata& initial =
        outcome_.has_value() ? outcome_->initial_metadata : initial_metadata_.value();
    add_metadata_locked(*batch->GetRecvInitialMetadata(), initial);
  }
  if (receiving.message) {
    void* destination = batch->GetRecvMessage();
    if (received_.empty() || destination == nullptr) {
      batch->FailHijackedRecvMessage();
    } else {
      if (!deliver_message(messages_, received_.front(), destination)) {
        batch->FailHijackedRecvMessage();
      }
      received_.pop_front();
    }
  }
  if (receiving.status) {
    *batch->GetRecvStatus() = outcome_->status;
    add_metadata_locked(*batch->GetRecvTrailingMetadata(), outcome_->trailing_metadata);
  }
}

void HijackedCall::take_ready_locked(Actions& actions) {
  for (auto it = receiving_.begin(); it != receiving_.end();) {
    if (!ready_locked(*it)) {
      ++it;
      continue;
    }
    fill_locked(*it);
    actions.proceed.push_back(it->batch);
    it = receiving_.erase(it);
  }
  // One message is buffered at most: the next read starts once the caller took it.
  if (received_.empty() && !reading_ && !read_ended_ && live_ && committed_) {
    reading_ = true;
    actions.read = current_;
  }
}

void HijackedCall::run(Actions& actions) {
  if (actions.write != nullptr && !actions.write->write(actions.message)) on_write_done(false);
  if (actions.writes_done != nullptr) actions.writes_done->writes_done();
  if (actions.read != nullptr) actions.read->read_next();
  for (InterceptorBatchMethods* batch : actions.proceed) batch->Proceed();
}

}  // namespace l402::grpc_client
