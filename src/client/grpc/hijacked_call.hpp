// A call the interceptor took over (hijacked) so that it can be sent again after paying. The
// caller's metadata and messages are kept (the messages in a bounded replay log), the call runs
// as a generic bidirectional call on ByteBuffers on the channel's next interceptor (an
// Attempt), and what the attempt receives is handed to the caller's waiting batches. An attempt
// that ends with a challenge before any message arrived, while the log still holds every
// message sent, is not shown to the caller: the desk obtains a token and a second attempt
// replays the log with it (and goes on with what the caller sends next); its answer, or the
// first one's when no token could be had, is the caller's. Private to src/client/grpc.
//
// Thread safety: every member may be called from any thread (one mutex). Batches are
// Proceed()ed, and attempts started, written to or cancelled, with the mutex released: gRPC
// may run completions inline.
#pragma once

#include <grpcpp/client_context.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/interceptor.h>
#include <grpcpp/support/status.h>

#include <cstddef>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "client/grpc/payment_desk.hpp"

namespace l402::grpc_client {

using Metadata = std::vector<std::pair<std::string, std::string>>;

class HijackedCall;

// One run of the call on the channel, with gRPC's async API on the desk's completion queue
// (CompletionPoller): nothing of it depends on the caller's channel object. Owned by its
// HijackedCall, which outlives it. It reports to the HijackedCall on the poller's thread, and
// calls on_done() once, when its status is known and none of its operations is outstanding;
// no operation starts after that.
class Attempt final {
 public:
  Attempt(HijackedCall& call, grpc::CompletionQueue& queue) : call_(call), queue_(queue) {}

  grpc::ClientContext& context() { return context_; }
  // Starts the call and its first read.
  void begin(grpc::GenericStub& stub, const std::string& method);
  // Returns false, writing nothing, once the call is over. Requires: no write outstanding.
  bool write(const grpc::ByteBuffer& message);
  void writes_done();
  // Requires: the previous read completed with a message.
  void read_next();

 private:
  enum class Kind { kStart, kRead, kWrite, kWritesDone, kFinish };
  class Op final : public CompletionPoller::Operation {
   public:
    Op(Attempt& attempt, Kind kind) : attempt_(attempt), kind_(kind) {}
    void complete(bool ok) override { attempt_.on_complete(kind_, ok); }

   private:
    Attempt& attempt_;
    const Kind kind_;
  };

  // Counts an operation about to start; false once the call is over.
  bool issue();
  void on_complete(Kind kind, bool ok);
  void report_initial_metadata();

  HijackedCall& call_;
  grpc::CompletionQueue& queue_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> stream_;
  grpc::ByteBuffer outgoing_;
  grpc::ByteBuffer response_;
  grpc::Status status_;
  Op start_op_{*this, Kind::kStart};
  Op read_op_{*this, Kind::kRead};
  Op write_op_{*this, Kind::kWrite};
  Op writes_done_op_{*this, Kind::kWritesDone};
  Op finish_op_{*this, Kind::kFinish};

  std::mutex mu_;
  int outstanding_ = 0;    // guarded by mu_
  bool finished_ = false;  // guarded by mu_: the status arrived
  bool done_ = false;      // guarded by mu_: on_done() was called
  // On the poller's thread only.
  bool finish_requested_ = false;
  bool initial_metadata_reported_ = false;
};

class HijackedCall : public std::enable_shared_from_this<HijackedCall> {
 public:
  // `caller` is the intercepted call's context (its deadline and call credentials carry
  // over); `channel` the intercepted channel (the interceptors after ours).
  HijackedCall(PaymentDesk& desk, std::string method, grpc::ClientContext& caller,
               std::shared_ptr<grpc::ChannelInterface> channel);

  // ---- The caller's side (its batches, in order)

  // The first batch: `metadata` to send; the first attempt starts (on the desk, which looks
  // up the token to send).
  void start(const std::multimap<std::string, std::string>& metadata);
  // A PRE_SEND_MESSAGE batch. Returns true when the caller may go on at once (the message is
  // in the replay log, or the call is over: the send then failed); false when the batch is
  // Proceed()ed once an attempt wrote the message (the log is full). `batch` is null for the
  // first batch, which the call always takes at once.
  bool send(grpc::experimental::InterceptorBatchMethods* batch, const grpc::ByteBuffer& message);
  // The caller half-closed (PRE_SEND_CLOSE).
  void close_sends();
  // A batch with PRE_RECV_* hook points: filled and Proceed()ed once what it asks for is
  // known (possibly at once, on this thread).
  void receive(grpc::experimental::InterceptorBatchMethods* batch);
  // PRE_SEND_CANCEL: the running attempt is cancelled; none is started after.
  void cancel();

  // ---- The attempts' side

  // The call started: it may be written to (its StartCall and writes share one batch).
  void on_started();
  void on_initial_metadata(Metadata metadata);
  void on_message(grpc::ByteBuffer message);
  void on_read_end();
  void on_write_done(bool ok);
  void on_done(Attempt& attempt, const grpc::Status& status);

 private:
  struct Outcome {
    grpc::Status status;
    Metadata initial_metadata;
    Metadata trailing_metadata;
  };
  struct Receiving {
    grpc::experimental::InterceptorBatchMethods* batch = nullptr;
    bool initial_metadata = false;
    bool message = false;
    bool status = false;
  };
  struct Sent {
    grpc::ByteBuffer message;
    // The caller's write, Proceed()ed once an attempt wrote the message; null when it was
    // let go at once.
    grpc::experimental::InterceptorBatchMethods* batch = nullptr;
  };
  // What to do once mu_ is released, in this order.
  struct Actions {
    Attempt* write = nullptr;  // write log_[written_] (copied into `message`)
    grpc::ByteBuffer message;
    Attempt* writes_done = nullptr;
    Attempt* read = nullptr;
    std::vector<grpc::experimental::InterceptorBatchMethods*> proceed;
  };

  // On the desk: starts an attempt sending `token` (if any), or ends the call when cancelled.
  void launch(const std::optional<ChosenToken>& token);
  // Makes `outcome` the call's, and hands it to the waiting batches.
  void finish(Outcome outcome);

  // Requires: mu_ held.
  void pump_locked(Actions& actions);
  void take_ready_locked(Actions& actions);
  bool ready_locked(const Receiving& receiving) const;
  void fill_locked(const Receiving& receiving);
  void add_metadata_locked(std::multimap<grpc::string_ref, grpc::string_ref>& map,
                           const Metadata& metadata);
  void forget_written_locked();
  std::size_t log_end_locked() const { return log_start_ + log_.size(); }

  // With mu_ released.
  void run(Actions& actions);

  // Constant after construction.
  PaymentDesk& desk_;
  const std::string method_;
  const std::string url_;
  grpc::ClientContext& caller_;
  const GrpcMessages messages_;
  const std::size_t max_replay_bytes_;
  grpc::GenericStub stub_;

  std::mutex mu_;
  // What the caller sends (guarded by mu_).
  std::multimap<std::string, std::string> request_metadata_;
  std::deque<Sent> log_;       // messages from index log_start_ on
  std::size_t log_start_ = 0;  // messages before it were dropped: no replay possible
  std::size_t log_bytes_ = 0;
  bool replayable_ = true;  // the log holds every message sent, within max_replay_bytes_
  bool closed_ = false;
  bool cancelled_ = false;
  // The attempts, kept until the call ends (a finished one may still be unwinding on_done).
  std::vector<std::unique_ptr<Attempt>> attempts_;
  // The current attempt.
  Attempt* current_ = nullptr;
  bool live_ = false;  // started, and may be written to
  std::optional<std::string> sent_token_id_;
  std::size_t written_ = 0;  // index of the next message to write
  bool writing_ = false;
  bool close_sent_ = false;
  bool sending_over_ = false;  // no more writes to the current attempt
  bool committed_ = false;     // a message arrived: the call is the caller's, never retried
  bool reading_ = false;
  bool read_ended_ = false;
  std::optional<Metadata> initial_metadata_;
  std::deque<grpc::ByteBuffer> received_;
  // The call's end, once known, and the caller's batches waiting for answers.
  std::optional<Outcome> outcome_;
  std::vector<Receiving> receiving_;
  // The strings the caller's metadata maps point into (stable addresses).
  std::list<std::string> delivered_strings_;
};

// The values of every `key` entry of `metadata`.
std::vector<std::string> metadata_values(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata, std::string_view key);
std::vector<std::string> metadata_values(const Metadata& metadata, std::string_view key);

}  // namespace l402::grpc_client
