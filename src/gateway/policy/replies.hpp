// The responses the gateway makes itself: 402 with a challenge, 401 for a credential that is
// not genuine (spec status mode), 404 when no service matches, 429 when the client's network
// has had too many challenges, 503 when no challenge can be made, and 204 for a CORS preflight.
// Every one carries `Cache-Control: no-store` and the CORS fields; the body is JSON when the
// client's Accept asks for it, else one line of text.
//
// Thread safety: stateless.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/config/config.hpp"
#include "gateway/exchange.hpp"
#include "l402/amount.hpp"
#include "l402/authority.hpp"

namespace l402::gateway {

// Seconds a client should wait after a 503.
inline constexpr int kRetryAfterSeconds = 5;

// Accept names application/json (or */json).
bool wants_json(const RequestHead& head);

// Access-Control-Allow-Origin ("*", or the request's Origin when listed, with Vary: Origin)
// and Access-Control-Expose-Headers: WWW-Authenticate.
std::vector<Field> cors_fields(const CorsConfig& cors, const RequestHead& head);

// OPTIONS with Origin and Access-Control-Request-Method.
bool is_cors_preflight(const RequestHead& head);

// 204 with the CORS allow fields.
Reply preflight_reply(const CorsConfig& cors, const RequestHead& head);

// A freshly minted challenge and what the body says about it.
struct ChallengeBody {
  const MintedChallenge* minted = nullptr;
  std::string_view service;
  Msat price;
  std::int64_t expires_at = 0;  // the invoice's expiry, Unix seconds
};

// 402 (or denial->http_status) with the challenge's WWW-Authenticate values. `denial` may be
// null (no credential); its code and reason go into the body.
Reply challenge_reply(const GatewayConfig& config, const RequestHead& head,
                      const ChallengeBody& challenge, const Denial* denial);

// A denial without a challenge (denial.http_status, normally 401).
Reply denial_reply(const GatewayConfig& config, const RequestHead& head, const Denial& denial);

Reply not_found_reply(const GatewayConfig& config, const RequestHead& head);

// 429 with Retry-After: the client's network has had its challenges for now.
Reply too_many_challenges_reply(const GatewayConfig& config, const RequestHead& head,
                                std::chrono::seconds retry_after);

// 503 with Retry-After; `reason` is shown to the client ("busy", "lightning backend ...").
Reply unavailable_reply(const GatewayConfig& config, const RequestHead& head,
                        std::string_view reason);

}  // namespace l402::gateway
