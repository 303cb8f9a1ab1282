// GatewayHandler: the order of decisions for one request, and which of them run where.
//
//   route (404) -> free path, auth off or price 0 (forward) -> CORS preflight (204)
//   -> credential: verify inline (or find the grant in this thread's CredentialCache) ->
//      granted (forward, counted for the ledger) or denied
//   -> no credential: freebie left? (store, on the worker pool) -> forward
//   -> challenge: the client network's challenge limit (429), then the backend, on the worker
//      pool: 402, or 503 when no invoice can be made.
//
// Challenges and paid requests go to the ledger in batches (LedgerBatch, written by flush()).
//
// Jobs on the worker pool hold the configuration snapshot they started with and the shared
// state (State), never the handler itself, so a job still queued when the handler goes away
// only touches objects that outlive it (GatewayDeps are owned by l402d's main).
#include "gateway/policy/gateway_handler.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "gateway/policy/challenge_limiter.hpp"
#include "gateway/policy/client_address.hpp"
#include "gateway/policy/credential_cache.hpp"
#include "gateway/policy/forward_plan.hpp"
#include "gateway/policy/header_fields.hpp"
#include "gateway/policy/ledger_batch.hpp"
#include "gateway/policy/policy_snapshot.hpp"
#include "gateway/policy/replies.hpp"
#include "gateway/policy/request_path.hpp"
#include "l402/encoding.hpp"

namespace l402::gateway {
namespace {

constexpr std::int64_t kFreebieWindowSeconds = 24 * 3600;

using Done = std::function<void(Decision)>;

std::uint64_t unsigned_now(std::int64_t now) {
  return now < 0 ? 0 : static_cast<std::uint64_t>(now);
}

// What a request needs once its route is known; copied into worker jobs.
struct Request {
  std::shared_ptr<const PolicySnapshot> snapshot;
  const Route* route = nullptr;
  // The caller's head while the request is decided inline; a job's own copy (owned_head) once
  // it goes to the worker pool, since the caller's is gone by then.
  const RequestHead* head = nullptr;
  std::optional<RequestHead> owned_head;
  std::string path;
  ClientAddress client;
  RequestOutcome outcome;
};

// The part of the handler that worker jobs share.
struct State {
  explicit State(GatewayDeps d) : deps(std::move(d)) {}
  GatewayDeps deps;
  LedgerBatch ledger;
  ChallengeLimiter challenge_limiter;
  // The ledger's drop counts already reported to the metrics.
  std::atomic<std::uint64_t> reported_dropped_challenges{0};
  std::atomic<std::uint64_t> reported_dropped_paid_requests{0};
};

}  // namespace

struct GatewayHandler::Impl {
  std::shared_ptr<State> state;
  mutable std::mutex snapshot_mutex;
  std::shared_ptr<const PolicySnapshot> snapshot;  // guarded by snapshot_mutex

  std::shared_ptr<const PolicySnapshot> current() const {
    const std::lock_guard lock(snapshot_mutex);
    return snapshot;
  }
};

namespace {

void forward(Request& request, const VerifiedCredential* paid, std::string_view outcome,
             const Done& done) {
  request.outcome.outcome = std::string(outcome);
  done(Decision{
      make_forward_plan(*request.route->service, *request.head, request.path, request.client, paid),
      std::move(request.outcome)});
}

void reply(Request& request, Reply answer, std::string_view outcome, const Done& done) {
  request.outcome.outcome = std::string(outcome);
  done(Decision{std::move(answer), std::move(request.outcome)});
}

// Answers a request that gets no challenge after all: a bad credential is still answered as
// such (its holder can act on that), anything else with `fallback`.
void reply_without_challenge(Request& request, const std::optional<Denial>& denial, Reply fallback,
                             std::string_view outcome, const Done& done) {
  if (denial && denial->http_status == 401) {
    reply(request, denial_reply(*request.snapshot->config, *request.head, *denial), "denied", done);
    return;
  }
  reply(request, std::move(fallback), outcome, done);
}

// Mints a challenge and answers with it (on a worker thread: the backend blocks). `denial`:
// the credential's denial when there was one.
void answer_with_challenge(State& state, Request& request, const std::optional<Denial>& denial,
                           const Done& done) {
  const GatewayConfig& config = *request.snapshot->config;
  const ServiceConfig& service = *request.route->service;
  const std::int64_t now = state.deps.now();
  Result<MintedChallenge> minted = request.snapshot->authority->mint(
      offer_for(service, config), service.price, unsigned_now(now));
  if (!minted.ok()) {
    // kFailedPrecondition is the keyring's (no active key), not the backend's.
    if (minted.error().code() != ErrorCode::kFailedPrecondition) {
      state.deps.metrics.count_backend_error("create_invoice");
    }
    state.deps.logger.warn("cannot create a challenge",
                           {{"service", service.name},
                            {"code", error_code_name(minted.error().code())},
                            {"error", minted.error().message()}});
    reply_without_challenge(
        request, denial,
        unavailable_reply(config, *request.head, "the Lightning backend cannot create invoices"),
        "unavailable", done);
    return;
  }
  const std::int64_t expires_at = now + static_cast<std::int64_t>(std::min<std::uint64_t>(
                                            config.invoice_expiry_seconds, INT64_MAX / 2));
  const IssuedChallenge issued{
      minted->token_id, minted->payment_hash, service.name, service.price, now, expires_at};
  // Recorded with the next flush: one durable commit per batch, not one per challenge.
  state.ledger.add_challenge(issued);
  state.deps.metrics.count_challenge(service.name);
  const ChallengeBody body{&*minted, service.name, service.price, expires_at};
  reply(request, challenge_reply(config, *request.head, body, denial ? &*denial : nullptr),
        denial ? "denied" : "challenged", done);
}

// Whether the client's network has had its challenges for now; if so, answers for it.
bool refused_by_challenge_limit(State& state, Request& request, const std::optional<Denial>& denial,
                                const Done& done) {
  const GatewayConfig& config = *request.snapshot->config;
  const ChallengeLimit limit{config.challenge_network_limit, config.challenge_network_burst};
  const std::optional<std::chrono::seconds> wait =
      state.challenge_limiter.take(request.client.network, limit, state.deps.steady_now());
  if (!wait) return false;
  reply_without_challenge(request, denial, too_many_challenges_reply(config, *request.head, *wait),
                          "limited", done);
  return true;
}

// Moves `request` to the heap for a worker job, with a copy of its head.
std::shared_ptr<Request> detach(Request&& request) {
  auto shared_request = std::make_shared<Request>(std::move(request));
  shared_request->owned_head = *shared_request->head;
  shared_request->head = &*shared_request->owned_head;
  return shared_request;
}

void submit_challenge(const std::shared_ptr<State>& state, Request request,
                      std::optional<Denial> denial, const Done& done) {
  if (refused_by_challenge_limit(*state, request, denial, done)) return;
  auto shared_request = detach(std::move(request));
  const bool queued = state->deps.workers.try_submit([state, shared_request, denial, done] {
    answer_with_challenge(*state, *shared_request, denial, done);
  });
  if (queued) return;
  const GatewayConfig& config = *shared_request->snapshot->config;
  reply_without_challenge(*shared_request, denial,
                          unavailable_reply(config, *shared_request->head, "busy"), "busy", done);
}

// On a worker thread: counts the request against the client network's free requests for today.
void answer_freebie(const std::shared_ptr<State>& state, Request& request, const Done& done) {
  const ServiceConfig& service = *request.route->service;
  const std::int64_t now = state->deps.now();
  const CounterKey key{
      request.client.network, service.name,
      now - ((now % kFreebieWindowSeconds) + kFreebieWindowSeconds) % kFreebieWindowSeconds};
  const Result<std::uint64_t> total = state->deps.store.add_to_counter(key, 1);
  if (total.ok() && *total <= service.freebies) {
    forward(request, nullptr, "freebie", done);
    return;
  }
  if (!total.ok()) {
    // Fail closed: without the counter nothing is free.
    state->deps.logger.warn("cannot count a free request",
                            {{"service", service.name}, {"error", total.error().message()}});
  }
  if (refused_by_challenge_limit(*state, request, std::nullopt, done)) return;
  answer_with_challenge(*state, request, std::nullopt, done);
}

void submit_freebie(const std::shared_ptr<State>& state, Request request, const Done& done) {
  auto shared_request = detach(std::move(request));
  const bool queued = state->deps.workers.try_submit(
      [state, shared_request, done] { answer_freebie(state, *shared_request, done); });
  if (queued) return;
  reply(*shared_request,
        unavailable_reply(*shared_request->snapshot->config, *shared_request->head, "busy"), "busy",
        done);
}

// The request's one Authorization value with the L402 scheme; empty when there is none or
// more than one (parse_credential then decides which counts, and nothing is cached).
std::string_view sole_l402_authorization(const RequestHead& head) {
  std::string_view found;
  for (const Field& field : head.fields) {
    if (!iequals(field.name, "authorization") || !is_l402_authorization(field.value)) continue;
    if (!found.empty()) return {};
    found = field.value;
  }
  return found;
}

// Each I/O thread decides its requests inline: a cache per thread needs no lock.
CredentialCache& thread_credential_cache() {
  thread_local CredentialCache cache;
  return cache;
}

// A granted request: counted for the ledger, then forwarded with the credential.
void forward_paid(State& state, Request& request, const CredentialCache::Entry& granted,
                  std::int64_t now, const Done& done) {
  const ServiceConfig& service = *request.route->service;
  const Grant& grant = granted.grant;
  request.outcome.token_id = granted.token_id_hex.substr(0, 8);
  if (state.ledger.add_paid_request(
          {grant.token_id, grant.payment_hash, service.name, service.price, now})) {
    state.deps.metrics.count_paid_token(service.name, service.price.value());
  }
  const VerifiedCredential paid{granted.forwarded_authorization, granted.token_id_hex};
  forward(request, &paid, "paid", done);
}

std::vector<HeaderField> header_fields(const RequestHead& head) {
  std::vector<HeaderField> fields;
  fields.reserve(head.fields.size());
  for (const Field& field : head.fields) fields.push_back({field.name, field.value});
  return fields;
}

void handle_request(const std::shared_ptr<State>& state, Request request, const Done& done) {
  const Route& route = *request.route;
  const ServiceConfig& service = *route.service;
  const GatewayConfig& config = *request.snapshot->config;
  const Authority& authority = *request.snapshot->authority;

  // A price of 0 sells nothing: let the request through, as Aperture does.
  if (service.auth == AuthMode::kOff || service.price == Msat(0) ||
      route.is_free_path(request.path)) {
    forward(request, nullptr, "free", done);
    return;
  }
  if (is_cors_preflight(*request.head)) {
    reply(request, preflight_reply(config.cors, *request.head), "free", done);
    return;
  }

  const Target target{service.name, route.capability_for(request.path), route.limit_conditions};
  const std::int64_t now = state->deps.now();
  const auto started = std::chrono::steady_clock::now();
  const auto record_verify_time = [&] {
    request.outcome.verify_time = std::chrono::steady_clock::now() - started;
    state->deps.metrics.observe_verify(request.outcome.verify_time);
  };
  CredentialCache& cache = thread_credential_cache();
  const CredentialCache::Scope scope{sole_l402_authorization(*request.head), &route,
                                     target.capability};
  if (!scope.authorization.empty()) {
    cache.use_snapshots(request.snapshot, authority.key_snapshot());
    if (const CredentialCache::Entry* hit = cache.find(scope)) {
      if (!authority.grant_lapsed(hit->grant, unsigned_now(now))) {
        record_verify_time();
        forward_paid(*state, request, *hit, now, done);
        return;
      }
      // Verified again below, for the denial's reason.
      cache.erase(scope);
    }
  }

  const std::vector<HeaderField> fields = header_fields(*request.head);
  Result<Credential> credential = parse_credential(fields, authority.options().limits);
  if (!credential.ok() && credential.error().code() == ErrorCode::kNotFound) {
    if (service.auth == AuthMode::kFreebie && service.freebies > 0) {
      submit_freebie(state, std::move(request), done);
    } else {
      submit_challenge(state, std::move(request), std::nullopt, done);
    }
    return;
  }

  const Verdict verdict = credential.ok()
                              ? authority.verify(*credential, target, unsigned_now(now))
                              : authority.verify_request(fields, target, unsigned_now(now));
  record_verify_time();

  if (verdict.granted()) {
    CredentialCache::Entry made{verdict.grant(), format_authorization(*credential),
                                hex::encode(verdict.grant().token_id)};
    // The credential came from the one L402 Authorization value only if that is its form.
    const CredentialCache::Entry& entry =
        !scope.authorization.empty() && credential->form == CredentialForm::kAuthorization
            ? cache.insert(scope, std::move(made))
            : made;
    forward_paid(*state, request, entry, now, done);
    return;
  }

  const Denial& denial = verdict.denial();
  const std::string_view code = denial_code_name(denial.code);
  request.outcome.denial = std::string(code);
  state->deps.metrics.count_denial(service.name, code);
  if (state->deps.logger.enabled(LogLevel::kDebug)) {
    state->deps.logger.log(
        LogLevel::kDebug, "credential denied",
        {{"service", service.name}, {"denial", code}, {"client", request.client.address}});
  }
  if (!denial.fresh_challenge) {
    reply(request, denial_reply(config, *request.head, denial), "denied", done);
    return;
  }
  submit_challenge(state, std::move(request), denial, done);
}

}  // namespace

Result<std::unique_ptr<GatewayHandler>> GatewayHandler::create(
    GatewayDeps deps, std::shared_ptr<const GatewayConfig> config) {
  auto impl = std::make_unique<Impl>();
  impl->state = std::make_shared<State>(std::move(deps));
  State& state = *impl->state;
  L402_ASSIGN_OR_RETURN(impl->snapshot, compile_snapshot(std::move(config), state.deps.shared,
                                                         state.deps.backend, state.deps.random));
  return std::unique_ptr<GatewayHandler>(new GatewayHandler(std::move(impl)));
}

GatewayHandler::GatewayHandler(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

GatewayHandler::~GatewayHandler() = default;

void GatewayHandler::handle(const RequestHead& head, std::function<void(Decision)> done) {
  Request request;
  request.snapshot = impl_->current();
  const std::string_view raw_path = path_of(head.target);
  request.path = normalize_path(raw_path);
  request.route =
      request.snapshot->router.match(host_without_port(head.host), request.path, head.grpc);
  if (request.route == nullptr) {
    request.outcome.outcome = "not_found";
    request.outcome.client_address =
        resolve_client(head, request.snapshot->trusted_proxies).address;
    done(Decision{not_found_reply(*request.snapshot->config, head), std::move(request.outcome)});
    return;
  }
  request.client = resolve_client(head, request.snapshot->trusted_proxies);
  request.outcome.service = request.route->service->name;
  request.outcome.client_address = request.client.address;
  request.head = &head;
  handle_request(impl_->state, std::move(request), done);
}

Result<void> GatewayHandler::reload(std::shared_ptr<const GatewayConfig> config) {
  State& state = *impl_->state;
  L402_ASSIGN_OR_RETURN(std::shared_ptr<const PolicySnapshot> snapshot,
                        compile_snapshot(std::move(config), state.deps.shared, state.deps.backend,
                                         state.deps.random));
  const std::lock_guard lock(impl_->snapshot_mutex);
  impl_->snapshot = std::move(snapshot);
  return ok_result();
}

std::shared_ptr<const GatewayConfig> GatewayHandler::config() const {
  return impl_->current()->config;
}

Result<void> GatewayHandler::flush() {
  State& state = *impl_->state;
  Result<void> flushed = state.ledger.flush(state.deps.store);
  Metrics& metrics = state.deps.metrics;
  metrics.set_ledger_pending(state.ledger.pending_challenges(),
                             state.ledger.pending_paid_requests());
  const auto report = [&](std::string_view kind, std::uint64_t total,
                          std::atomic<std::uint64_t>& reported) {
    const std::uint64_t before = reported.exchange(total);
    if (total > before) metrics.count_ledger_dropped(kind, total - before);
  };
  report("challenge", state.ledger.dropped_challenges(), state.reported_dropped_challenges);
  report("paid_request", state.ledger.dropped_paid_requests(),
         state.reported_dropped_paid_requests);
  return flushed;
}

}  // namespace l402::gateway
