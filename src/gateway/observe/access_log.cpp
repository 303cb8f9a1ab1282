// requests_total and the access log line (see access_log.hpp).
#include "gateway/observe/access_log.hpp"

namespace l402::gateway {

void record_request(Metrics& metrics, Logger& logger, const RequestOutcome& outcome,
                    const AccessEntry& entry) {
  // Both arms string_view: with "error" and a std::string the result would be a temporary
  // std::string, and the view would dangle.
  const std::string_view name =
      outcome.outcome.empty() ? std::string_view("error") : std::string_view(outcome.outcome);
  metrics.count_request(outcome.service, name);
  if (!logger.access_log_enabled()) return;
  const double duration_ms = std::chrono::duration<double, std::milli>(entry.duration).count();
  logger.info("request", {{"method", entry.method},
                          {"path", entry.path},
                          {"status", entry.status},
                          {"bytes_in", entry.bytes_in},
                          {"bytes_out", entry.bytes_out},
                          {"duration_ms", duration_ms},
                          {"service", std::string_view(outcome.service)},
                          {"outcome", name},
                          {"denial", std::string_view(outcome.denial)},
                          {"token", std::string_view(outcome.token_id)},
                          {"client", outcome.client_address.empty()
                                         ? entry.peer_address
                                         : std::string_view(outcome.client_address)}});
}

}  // namespace l402::gateway
