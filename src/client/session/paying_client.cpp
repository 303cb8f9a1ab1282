#include "client/session/paying_client.hpp"

#include <ctime>

#include "client/http/header_text.hpp"

namespace l402::client {
namespace {

bool has_own_authorization(const HttpRequest& request) {
  for (const HttpHeader& header : request.headers) {
    if (equals_ignoring_case(header.name, "Authorization")) return true;
  }
  return false;
}

void stop(PerformResult& result, PerformOutcome outcome, Error error) {
  result.outcome = outcome;
  result.error = std::move(error);
}

}  // namespace

ProgressEvent progress_event(ProgressKind kind, std::string url, std::string service, Msat amount,
                             Msat fee, std::string message) {
  ProgressEvent event;
  event.kind = kind;
  event.url = std::move(url);
  event.service = std::move(service);
  event.amount = amount;
  event.fee = fee;
  event.message = std::move(message);
  return event;
}

std::chrono::milliseconds elapsed_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

PerformOutcome outcome_for(Refusal refusal) {
  switch (refusal) {
    case Refusal::kOverMaxPrice:
    case Refusal::kOverHostBudget:
    case Refusal::kOverTotalBudget:
      return PerformOutcome::kBudgetRefused;
    case Refusal::kBadChallenge:
    case Refusal::kHashMismatch:
    case Refusal::kWrongNetwork:
    case Refusal::kInvoiceExpired:
    case Refusal::kTokenExpired:
    case Refusal::kNoAmount:
      return PerformOutcome::kBadChallenge;
  }
  return PerformOutcome::kBadChallenge;
}

std::int64_t PayingClient::now() const {
  if (options_.now) return options_.now();
  return static_cast<std::int64_t>(std::time(nullptr));
}

void PayingClient::emit(ProgressEvent event) const {
  if (options_.progress) options_.progress(event);
}

void PayingClient::emit_status(const PerformResult& result) const {
  ProgressEvent event = progress_event(ProgressKind::kStatus, result.url);
  event.status = result.status;
  emit(std::move(event));
}

Result<Network> PayingClient::wallet_network() {
  if (network_.has_value()) return *network_;
  Result<NodeInfo> info = wallet_->get_info();
  if (!info.ok()) return info.error().with_context("asking the wallet for its network");
  network_ = info->network;
  return *network_;
}

Result<Exchange> PayingClient::send(const HttpRequest& request, BodySink& sink,
                                    TokenChooser& chooser, PerformResult& result) {
  MemorySink challenge_sink(options_.max_challenge_body_bytes, MemorySink::Overflow::kTruncate);
  const ChooseSink choose = [&](const ResponseHead& head) -> Result<BodySink*> {
    // The 402 of an origin where the caller sent its own credential is the caller's answer.
    if (head.status == 402 && !chooser.last_hop_caller_authorized()) return &challenge_sink;
    return &sink;
  };
  const Authorize authorize = [&](const ParsedUrl& url) { return chooser.choose(url); };
  const auto started = std::chrono::steady_clock::now();
  Result<Exchange> exchange = transport_->exchange(request, choose, authorize);
  result.request_time += elapsed_since(started);
  result.token_id.reset();
  if (chooser.last_token().has_value()) result.token_id = chooser.last_token()->token_id;
  if (chooser.error().has_value()) return *chooser.error();
  if (!exchange.ok()) return exchange;
  result.status = exchange->head.status;
  result.head = exchange->head;
  result.url = exchange->url.url;
  result.body_bytes = exchange->body_bytes;
  result.challenge_body = challenge_sink.data();
  return exchange;
}

PerformResult PayingClient::perform(const HttpRequest& request, BodySink& sink) {
  PerformResult result;
  Result<RecoveryReport> recovered = recover_pending();
  if (!recovered.ok()) {
    stop(result, PerformOutcome::kStoreError, recovered.error());
    return result;
  }
  Result<std::string> origin = canonical_origin(request.url);
  if (!origin.ok()) {
    stop(result, PerformOutcome::kHttpError, origin.error());
    return result;
  }
  const bool caller_authorized = has_own_authorization(request);
  TokenChooser chooser(*store_, now(), *origin, caller_authorized);
  Result<Exchange> first = send(request, sink, chooser, result);
  if (!first.ok()) {
    const bool store_failed = chooser.error().has_value();
    stop(result, store_failed ? PerformOutcome::kStoreError : PerformOutcome::kHttpError,
         first.error());
    return result;
  }
  if (first->head.status != 402 || chooser.last_hop_caller_authorized()) {
    emit_status(result);
    return result;
  }
  if (chooser.last_token().has_value()) {
    // Answered with a fresh 402: expired or revoked. Never sent again.
    Result<void> marked = store_->mark_stale(chooser.last_token()->token_id);
    if (!marked.ok()) {
      stop(result, PerformOutcome::kStoreError, marked.error());
      return result;
    }
  }
  std::optional<StoredToken> token = buy(*first, result);
  if (!token.has_value()) return result;

  emit(progress_event(ProgressKind::kRetrying, request.url, token->service));
  TokenChooser retry_chooser(*store_, now(), *origin, caller_authorized, token);
  Result<Exchange> second = send(request, sink, retry_chooser, result);
  if (!second.ok()) {
    const bool store_failed = retry_chooser.error().has_value();
    stop(result, store_failed ? PerformOutcome::kStoreError : PerformOutcome::kHttpError,
         second.error());
    return result;
  }
  if (second->head.status == 402 && !retry_chooser.last_hop_caller_authorized()) {
    stop(result, PerformOutcome::kPaymentLoop,
         Error(ErrorCode::kFailedPrecondition,
               result.url + " answered 402 again after the purchase of token " +
                   token->token_id.substr(0, 16) + "; not paying twice"));
    return result;
  }
  emit_status(result);
  return result;
}

}  // namespace l402::client

namespace l402 {

std::string_view perform_outcome_name(PerformOutcome outcome) {
  switch (outcome) {
    case PerformOutcome::kDone:
      return "done";
    case PerformOutcome::kDryRun:
      return "dry_run";
    case PerformOutcome::kBudgetRefused:
      return "budget_refused";
    case PerformOutcome::kBadChallenge:
      return "bad_challenge";
    case PerformOutcome::kPaymentFailed:
      return "payment_failed";
    case PerformOutcome::kPaymentLoop:
      return "payment_loop";
    case PerformOutcome::kPurchasePending:
      return "purchase_pending";
    case PerformOutcome::kHttpError:
      return "http_error";
    case PerformOutcome::kStoreError:
      return "store_error";
  }
  return "unknown";
}

Result<std::unique_ptr<Client>> Client::open(ClientOptions options,
                                             std::unique_ptr<Backend> wallet) {
  if (!wallet) return Error(ErrorCode::kInvalidArgument, "a Client needs a wallet");
  L402_ASSIGN_OR_RETURN(std::unique_ptr<ClientStore> store,
                        ClientStore::open(options.data_dir.string(), options.store));
  L402_ASSIGN_OR_RETURN(std::unique_ptr<client::Transport> transport,
                        client::Transport::create(options.http));
  return std::unique_ptr<Client>(new client::PayingClient(std::move(options), std::move(wallet),
                                                          std::move(store), std::move(transport)));
}

}  // namespace l402
