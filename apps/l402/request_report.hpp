// How `l402 get/request` ends: the exit code of a PerformResult, the message for people, and
// the --json object.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "l402/client.hpp"

namespace l402::cli {

// The documented exit code (exit_codes.hpp) for `result`.
int request_exit_code(const PerformResult& result);

// Why the request did not end well, for stderr ("" when it did).
std::string request_failure_message(const PerformResult& result);

// The --json object: url, status, outcome, paid_msat, fee_msat, token_id, purchase, refusal,
// error, body_bytes, output, timings_ms {request, payment, total}.
nlohmann::ordered_json request_json(const PerformResult& result,
                                    const std::optional<std::string>& output_file,
                                    std::chrono::milliseconds total);

}  // namespace l402::cli
