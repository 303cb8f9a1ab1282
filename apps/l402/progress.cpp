#include "progress.hpp"

#include "units.hpp"

namespace l402::cli {
namespace {

std::string service_text(const ProgressEvent& event) {
  return event.service.empty() ? std::string("no service named") : "service " + event.service;
}

std::string with_message(std::string line, const std::string& message) {
  if (!message.empty()) line += ": " + message;
  return line;
}

}  // namespace

std::string progress_line(const ProgressEvent& event) {
  switch (event.kind) {
    case ProgressKind::kRecovered:
      return with_message("recovered an interrupted purchase", event.message);
    case ProgressKind::kChallenged:
      if (event.amount == Msat()) return "402 from " + event.url;
      return "402 from " + event.url + ": " + service_text(event) + ", price " +
             sat_text(event.amount);
    case ProgressKind::kRefused:
      return with_message("not paying", event.message);
    case ProgressKind::kWouldPay:
      return "dry run: would pay " + sat_text(event.amount) + " (fee at most " +
             sat_text(event.fee) + ") for " + service_text(event) + "; nothing paid";
    case ProgressKind::kPaying:
      return "paying " + sat_text(event.amount) + " (fee at most " + sat_text(event.fee) + ")";
    case ProgressKind::kPaid:
      return "paid " + sat_text(event.amount) + " + " + sat_text(event.fee) + " fee in " +
             std::to_string(event.elapsed.count()) + " ms";
    case ProgressKind::kRetrying:
      return "retrying " + event.url + " with the new token";
    case ProgressKind::kStatus:
      return "HTTP " + std::to_string(event.status) + " from " + event.url;
  }
  return with_message("progress", event.message);
}

}  // namespace l402::cli
