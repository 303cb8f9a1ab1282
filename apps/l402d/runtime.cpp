// Start order: data directory, logger, store, shared keyring/deny-list, Lightning backend,
// worker pool, payment policy, admin API, then the public listeners last, so that a
// request can never arrive before what answers it exists. Stop order is the reverse, with
// the listeners drained first.
#include "runtime.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "gateway/admin/admin_server.hpp"
#include "gateway/grpc/grpc_proxy.hpp"
#include "gateway/observe/log.hpp"
#include "gateway/observe/metrics.hpp"
#include "gateway/policy/auth_request.hpp"
#include "gateway/policy/gateway_handler.hpp"
#include "gateway/policy/settlement_recorder.hpp"
#include "gateway/proxy/proxy_server.hpp"
#include "io_backend.hpp"
#include "l402/crypto.hpp"
#include "l402/store.hpp"
#include "l402/worker_pool.hpp"
#include "lightning_setup.hpp"
#include "version.hpp"

namespace l402::l402d {
namespace {

using gateway::GatewayConfig;

std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

std::string host_for_url(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

// Settings the running process cannot change: named so the operator knows to restart.
std::vector<std::string> settings_needing_restart(const GatewayConfig& running,
                                                  const GatewayConfig& next) {
  std::vector<std::string> changed;
  if (running.data_dir != next.data_dir) changed.push_back("data_dir");
  bool listeners_differ = running.listeners.size() != next.listeners.size();
  for (std::size_t i = 0; !listeners_differ && i < running.listeners.size(); ++i) {
    const auto& a = running.listeners[i];
    const auto& b = next.listeners[i];
    listeners_differ = a.host != b.host || a.port != b.port || a.tls.enabled != b.tls.enabled ||
                       a.tls.cert_file != b.tls.cert_file || a.tls.key_file != b.tls.key_file ||
                       a.tls.self_signed != b.tls.self_signed ||
                       a.header_timeout != b.header_timeout || a.idle_timeout != b.idle_timeout ||
                       a.body_timeout != b.body_timeout || a.max_connections != b.max_connections ||
                       a.max_header_bytes != b.max_header_bytes || a.role != b.role ||
                       a.proxy_protocol != b.proxy_protocol ||
                       a.upgrade_idle_timeout != b.upgrade_idle_timeout;
  }
  if (listeners_differ) changed.push_back("listen");
  if (running.admin.enabled != next.admin.enabled || running.admin.host != next.admin.host ||
      running.admin.port != next.admin.port ||
      running.admin.credential_file != next.admin.credential_file) {
    changed.push_back("admin");
  }
  const auto& la = running.lightning;
  const auto& lb = next.lightning;
  if (la.kind != lb.kind || la.devnet_dir != lb.devnet_dir || la.devnet_serve != lb.devnet_serve ||
      la.devnet_host != lb.devnet_host || la.devnet_port != lb.devnet_port ||
      la.lnd_url != lb.lnd_url || la.lnd_tls_cert != lb.lnd_tls_cert ||
      la.lnd_macaroon != lb.lnd_macaroon || la.cln_socket != lb.cln_socket ||
      la.timeout != lb.timeout) {
    changed.push_back("lightning");
  }
  if (running.store.kind != next.store.kind ||
      running.store.sqlite_path != next.store.sqlite_path ||
      running.store.postgres_dsn != next.store.postgres_dsn) {
    changed.push_back("store");
  }
  return changed;
}

Result<std::unique_ptr<Store>> open_store(const gateway::StoreConfig& config) {
  if (config.kind == gateway::StoreKind::kPostgres) {
    PostgresOptions options;
    options.dsn = config.postgres_dsn;
    return open_postgres_store(options);
  }
  SqliteOptions options;
  options.path = config.sqlite_path.string();
  return open_sqlite_store(options);
}

// Data directory with owner-only access: it holds the root keys' database and credentials.
Result<void> prepare_data_dir(const std::filesystem::path& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return Error(ErrorCode::kFailedPrecondition,
                 "cannot create data directory " + dir.string() + ": " + error.message());
  }
  ::chmod(dir.c_str(), 0700);
  return {};
}

}  // namespace

struct Runtime::Parts {
  std::filesystem::path config_path;
  std::vector<gateway::ListenerConfig> configured_listeners;  // as the file says (port 0 stays 0)
  std::atomic<std::shared_ptr<const GatewayConfig>> config;
  std::unique_ptr<gateway::Logger> logger;
  gateway::Metrics metrics;
  std::unique_ptr<Store> store;
  std::unique_ptr<SharedState> shared;
  LightningParts lightning;
  std::unique_ptr<WorkerPool> workers;
  std::unique_ptr<gateway::GatewayHandler> handler;
  std::unique_ptr<gateway::SettlementRecorder> settlements;  // used by the housekeeper only
  // Listeners with role auth_request: the same handler, answering a front proxy's subrequests.
  std::unique_ptr<gateway::AuthRequestHandler> auth_handler;
  std::unique_ptr<gateway::AdminServer> admin;
  std::unique_ptr<gateway::ProxyServer> proxy;  // null when every listener has role grpc
  std::unique_ptr<gateway::GrpcProxy> grpc;     // null when no listener has role grpc

  // The bound port of each configured listener, in the configuration's order (HTTP listeners
  // are the ProxyServer's, gRPC ones the GrpcProxy's).
  std::vector<std::uint16_t> listener_ports(const GatewayConfig& running) const {
    const std::vector<std::uint16_t> http = proxy ? proxy->ports() : std::vector<std::uint16_t>();
    const std::vector<std::uint16_t> grpc_ports =
        grpc ? grpc->ports() : std::vector<std::uint16_t>();
    std::vector<std::uint16_t> out;
    std::size_t next_http = 0;
    std::size_t next_grpc = 0;
    for (const gateway::ListenerConfig& listener : running.listeners) {
      const bool is_grpc = listener.role == gateway::ListenerRole::kGrpc;
      const auto& from = is_grpc ? grpc_ports : http;
      std::size_t& next = is_grpc ? next_grpc : next_http;
      out.push_back(next < from.size() ? from[next] : 0);
      ++next;
    }
    return out;
  }

  // Writes paid requests to the ledger about once a second and prunes old rows hourly.
  std::thread housekeeper;
  std::mutex housekeeper_mutex;
  std::condition_variable housekeeper_wake;
  bool stopping = false;

  // After the ledger's flush, so that the challenges of these settlements are stored.
  bool settlements_failing = false;
  void record_settlements() {
    Result<void> done = settlements->subscribe_if_due(std::chrono::steady_clock::now());
    if (done.ok()) done = settlements->write();
    if (!done.ok() && !settlements_failing) {
      logger->warn("cannot record the node's settlements yet; will retry",
                   {{"error", done.error().message()}});
    }
    if (done.ok() && settlements_failing) logger->info("recording the node's settlements");
    settlements_failing = !done.ok();
  }

  void run_housekeeping() {
    auto last_prune = std::chrono::steady_clock::now() - std::chrono::hours(2);
    std::unique_lock lock(housekeeper_mutex);
    while (!stopping) {
      housekeeper_wake.wait_for(lock, std::chrono::seconds(1));
      lock.unlock();
      if (Result<void> flushed = handler->flush(); !flushed.ok()) {
        logger->warn("ledger flush failed; will retry", {{"error", flushed.error().message()}});
      }
      record_settlements();
      if (std::chrono::steady_clock::now() - last_prune > std::chrono::hours(1)) {
        last_prune = std::chrono::steady_clock::now();
        const std::int64_t now = unix_now();
        (void)store->prune_challenges(now, 1'000'000);
        (void)store->prune_counters(now - 2 * 86400);
      }
      lock.lock();
    }
  }
};

Runtime::Runtime(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Runtime::~Runtime() { shut_down(); }

Result<std::unique_ptr<Runtime>> Runtime::start(GatewayConfig config,
                                                std::filesystem::path config_path) {
  auto parts = std::make_unique<Parts>();
  parts->config_path = std::move(config_path);
  L402_RETURN_IF_ERROR(prepare_data_dir(config.data_dir));
  parts->logger = std::make_unique<gateway::Logger>(config.log);
  gateway::Logger& logger = *parts->logger;

  { L402_ASSIGN_OR_RETURN(parts->store, open_store(config.store)); }
  { L402_ASSIGN_OR_RETURN(parts->shared, SharedState::start(*parts->store, system_random())); }
  { L402_ASSIGN_OR_RETURN(parts->lightning, open_lightning(config.lightning)); }
  // Invoices (backend calls) and store writes wait here, never on an I/O thread. The queue
  // bound turns a stalled backend into quick 503s instead of unbounded memory. A remote node
  // keeps a call waiting on the network, so many calls are in flight at once; the embedded
  // devnet signs and stores on the calling thread, so threads beyond the cores only take
  // turns on them.
  const std::size_t worker_threads =
      config.lightning.kind == gateway::LightningKind::kDevnet
          ? std::max<std::size_t>(2, std::thread::hardware_concurrency())
          : 16;
  parts->workers = std::make_unique<WorkerPool>(worker_threads, 4096);

  auto shared_config = std::make_shared<const GatewayConfig>(std::move(config));
  parts->config.store(shared_config);
  gateway::GatewayDeps deps{
      *parts->lightning.backend, *parts->shared, *parts->store, *parts->workers,
      system_random(),           parts->metrics, logger,        unix_now};
  { L402_ASSIGN_OR_RETURN(parts->handler, gateway::GatewayHandler::create(deps, shared_config)); }
  parts->settlements =
      std::make_unique<gateway::SettlementRecorder>(*parts->lightning.backend, *parts->store);

  if (shared_config->admin.enabled) {
    L402_ASSIGN_OR_RETURN(std::string credential,
                          gateway::load_or_create_admin_credential(
                              shared_config->admin.credential_file, system_random()));
    Parts* raw = parts.get();
    gateway::AdminDeps admin_deps{*parts->store,
                                  *parts->shared,
                                  *parts->lightning.backend,
                                  *parts->workers,
                                  parts->metrics,
                                  logger,
                                  [raw] { return raw->config.load(); },
                                  unix_now,
                                  kVersion};
    L402_ASSIGN_OR_RETURN(parts->admin,
                          gateway::AdminServer::start(shared_config->admin, std::move(credential),
                                                      std::move(admin_deps)));
  }

  gateway::ProxyOptions proxy_options;
  gateway::GrpcProxyOptions grpc_options;
  for (const gateway::ListenerConfig& listener : shared_config->listeners) {
    (listener.role == gateway::ListenerRole::kGrpc ? grpc_options.listeners
                                                   : proxy_options.listeners)
        .push_back(listener);
  }
  proxy_options.data_dir = shared_config->data_dir;
  grpc_options.data_dir = shared_config->data_dir;
  grpc_options.services = shared_config->services;
  parts->auth_handler = std::make_unique<gateway::AuthRequestHandler>(*parts->handler);
  proxy_options.auth_handler = parts->auth_handler.get();
  if (!proxy_options.listeners.empty()) {
    L402_ASSIGN_OR_RETURN(parts->proxy, gateway::ProxyServer::start(proxy_options, *parts->handler,
                                                                    parts->metrics, logger));
  }
  if (!grpc_options.listeners.empty()) {
    L402_ASSIGN_OR_RETURN(parts->grpc, gateway::GrpcProxy::start(grpc_options, *parts->handler,
                                                                 parts->metrics, logger));
  }

  // From here on the running configuration names the ports actually bound (a listener on port
  // 0 gets an ephemeral one), so that the admin API reports where l402d really listens.
  parts->configured_listeners = shared_config->listeners;
  {
    auto bound = std::make_shared<GatewayConfig>(*shared_config);
    const std::vector<std::uint16_t> ports = parts->listener_ports(*shared_config);
    for (std::size_t i = 0; i < ports.size() && i < bound->listeners.size(); ++i) {
      bound->listeners[i].port = ports[i];
    }
    shared_config = bound;
    parts->config.store(shared_config);
  }

  Parts* raw = parts.get();
  parts->housekeeper = std::thread([raw] { raw->run_housekeeping(); });
  logger.info("l402d started",
              {{"version", kVersion},
               {"services", static_cast<std::uint64_t>(shared_config->services.size())}});
  return std::unique_ptr<Runtime>(new Runtime(std::move(parts)));
}

std::string Runtime::ready_line() const {
  const auto config = parts_->config.load();
  nlohmann::ordered_json ready;
  ready["event"] = "ready";
  nlohmann::ordered_json listeners = nlohmann::ordered_json::array();
  const std::vector<std::uint16_t> ports = parts_->listener_ports(*config);
  for (std::size_t i = 0; i < ports.size() && i < config->listeners.size(); ++i) {
    const auto& listener = config->listeners[i];
    listeners.push_back(gateway::listener_scheme(listener) + "://" + host_for_url(listener.host) +
                        ":" + std::to_string(ports[i]));
  }
  ready["listeners"] = listeners;
  if (parts_->admin) {
    ready["admin"] =
        "http://" + host_for_url(config->admin.host) + ":" + std::to_string(parts_->admin->port());
    ready["admin_credential_file"] = config->admin.credential_file.string();
  }
  ready["data_dir"] = config->data_dir.string();
  ready["io"] = std::string(io_backend());
  switch (config->lightning.kind) {
    case gateway::LightningKind::kDevnet:
      ready["lightning"] = "devnet";
      ready["devnet_dir"] = config->lightning.devnet_dir.string();
      if (parts_->lightning.devnet_rest) {
        ready["devnet_url"] = parts_->lightning.devnet_rest->url();
        ready["devnet_tls_cert"] = parts_->lightning.devnet_rest->tls_cert_path().string();
        ready["devnet_payer_macaroon"] =
            parts_->lightning.devnet->macaroon_path("default").string();
      }
      break;
    case gateway::LightningKind::kLnd:
      ready["lightning"] = "lnd";
      break;
    case gateway::LightningKind::kCln:
      ready["lightning"] = "cln";
      break;
  }
  if (const auto cert =
          parts_->proxy ? parts_->proxy->self_signed_cert_path() : std::filesystem::path();
      !cert.empty()) {
    ready["tls_cert"] = cert.string();
  } else if (parts_->grpc && !parts_->grpc->self_signed_cert_path().empty()) {
    ready["tls_cert"] = parts_->grpc->self_signed_cert_path().string();
  }
  return ready.dump();
}

std::string Runtime::guidance() const {
  const auto config = parts_->config.load();
  std::ostringstream out;
  const std::vector<std::uint16_t> ports = parts_->listener_ports(*config);
  for (std::size_t i = 0; i < ports.size() && i < config->listeners.size(); ++i) {
    out << "l402d: gateway listening on " << gateway::listener_scheme(config->listeners[i]) << "://"
        << host_for_url(config->listeners[i].host) << ':' << ports[i] << '\n';
  }
  for (const auto& service : config->services) {
    out << "l402d: service " << service.name << ": host " << service.host_regex << " path "
        << service.path_regex << " -> " << service.upstream.origin();
    if (service.auth == gateway::AuthMode::kOff) {
      out << " (free)";
    } else {
      out << " at " << service.price.value() << " msat";
    }
    out << '\n';
  }
  if (config->lightning.kind == gateway::LightningKind::kDevnet) {
    out << "l402d: Lightning: embedded devnet, a SIMULATED node: no real money.\n";
    if (parts_->lightning.devnet_rest) {
      out << "l402d: buyers pay through devnet's LND REST API at "
          << parts_->lightning.devnet_rest->url() << " (data in "
          << config->lightning.devnet_dir.string() << ")\n";
    }
  }
  if (parts_->admin) {
    out << "l402d: admin API on http://" << host_for_url(config->admin.host) << ':'
        << parts_->admin->port() << " (credential in " << config->admin.credential_file.string()
        << "; try `l402d admin info`)\n";
  }
  if (parts_->config_path.empty()) {
    out << "l402d: running the built-in defaults. Start your API on 127.0.0.1:8080 (or run the "
           "demo upstream, l402-demo-upstream), or write a configuration: see "
           "docs/configuration.md and examples/l402d.yaml, then `l402d --config FILE`.\n";
  }
  return out.str();
}

void Runtime::reload() {
  gateway::Logger& logger = *parts_->logger;
  if (parts_->config_path.empty()) {
    logger.warn("reload requested but l402d runs without a configuration file; nothing to do");
    return;
  }
  const gateway::ConfigLoad load =
      gateway::load_config_file(parts_->config_path, gateway::ConfigEnvironment::system());
  if (!load.config) {
    for (const auto& error : load.errors) {
      logger.error(
          "reload refused: configuration error; the running configuration stays",
          {{"file", parts_->config_path.string()}, {"line", error.line}, {"error", error.message}});
    }
    return;
  }
  for (const auto& warning : load.warnings) {
    logger.warn("configuration warning", {{"line", warning.line}, {"warning", warning.message}});
  }
  const auto running = parts_->config.load();
  auto next = std::make_shared<GatewayConfig>(*load.config);
  GatewayConfig running_as_configured = *running;
  running_as_configured.listeners = parts_->configured_listeners;
  const std::vector<std::string> restart = settings_needing_restart(running_as_configured, *next);
  for (const std::string& section : restart) {
    logger.warn("changed setting needs a restart; the running value stays", {{"key", section}});
  }
  // Keep what cannot change live, so that what the admin API reports is what runs.
  next->data_dir = running->data_dir;
  next->listeners = running->listeners;
  next->admin = running->admin;
  next->lightning = running->lightning;
  next->store = running->store;
  std::shared_ptr<const GatewayConfig> applied = std::move(next);
  if (Result<void> reloaded = parts_->handler->reload(applied); !reloaded.ok()) {
    logger.error("reload refused", {{"error", reloaded.error().message()}});
    return;
  }
  parts_->config.store(applied);
  logger.set_config(applied->log);
  logger.info("configuration reloaded",
              {{"services", static_cast<std::uint64_t>(applied->services.size())}});
}

void Runtime::shut_down() {
  if (!parts_ || !parts_->handler) return;
  const auto config = parts_->config.load();
  // Both kinds of listener drain at once, each within drain_timeout.
  std::size_t grpc_cut = 0;
  std::thread grpc_drain;
  if (parts_->grpc) {
    grpc_drain = std::thread([&] { grpc_cut = parts_->grpc->drain(config->drain_timeout); });
  }
  const std::size_t cut = parts_->proxy ? parts_->proxy->drain(config->drain_timeout) : 0;
  if (grpc_drain.joinable()) grpc_drain.join();
  parts_->logger->info("listeners drained",
                       {{"requests_cut", static_cast<std::uint64_t>(cut)},
                        {"grpc_calls_cut", static_cast<std::uint64_t>(grpc_cut)}});
  parts_->grpc.reset();
  parts_->proxy.reset();
  if (parts_->admin) {
    parts_->admin->stop();
    parts_->admin.reset();
  }
  {
    std::lock_guard lock(parts_->housekeeper_mutex);
    parts_->stopping = true;
  }
  parts_->housekeeper_wake.notify_all();
  if (parts_->housekeeper.joinable()) parts_->housekeeper.join();
  parts_->workers->stop();
  if (Result<void> flushed = parts_->handler->flush(); !flushed.ok()) {
    parts_->logger->error("last ledger flush failed", {{"error", flushed.error().message()}});
  }
  if (Result<void> written = parts_->settlements->write(); !written.ok()) {
    parts_->logger->warn("last settlements not recorded; they come again at the next start",
                         {{"error", written.error().message()}});
  }
  parts_->settlements.reset();
  parts_->handler.reset();
  parts_->lightning.devnet_rest.reset();
  parts_->lightning.backend.reset();
  parts_->lightning.devnet.reset();
  parts_->shared.reset();
  parts_->store.reset();
  parts_->logger->info("l402d stopped");
}

}  // namespace l402::l402d
