// The gateway's own responses (see replies.hpp).
#include "gateway/policy/replies.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "gateway/policy/header_fields.hpp"
#include "l402/encoding.hpp"
#include "l402/token_header.hpp"

namespace l402::gateway {
namespace {

constexpr std::string_view kTextType = "text/plain; charset=utf-8";
constexpr std::string_view kJsonType = "application/json";

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Fields every reply carries, then `status` and a body.
Reply base_reply(const GatewayConfig& config, const RequestHead& head, int status) {
  Reply reply;
  reply.status = status;
  reply.fields.push_back({"Cache-Control", "no-store"});
  for (Field& field : cors_fields(config.cors, head)) reply.fields.push_back(std::move(field));
  return reply;
}

void set_body(Reply& reply, const RequestHead& head, const nlohmann::json& json, std::string text) {
  if (wants_json(head)) {
    reply.fields.push_back({"Content-Type", std::string(kJsonType)});
    reply.body = json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  } else {
    reply.fields.push_back({"Content-Type", std::string(kTextType)});
    reply.fields.push_back({"X-Content-Type-Options", "nosniff"});
    reply.body = std::move(text);
  }
}

std::string denial_title(const Denial& denial) {
  return denial.http_status == 401 ? "invalid credential" : "payment required";
}

}  // namespace

bool wants_json(const RequestHead& head) {
  const std::optional<std::string_view> accept = find_field(head, "Accept");
  if (!accept) return false;
  const std::string value = lower(*accept);
  return value.find("application/json") != std::string::npos ||
         value.find("*/json") != std::string::npos;
}

std::vector<Field> cors_fields(const CorsConfig& cors, const RequestHead& head) {
  std::vector<Field> fields;
  const std::optional<std::string_view> origin = find_field(head, "Origin");
  const bool any = std::find(cors.allow_origins.begin(), cors.allow_origins.end(), "*") !=
                   cors.allow_origins.end();
  if (any) {
    fields.push_back({"Access-Control-Allow-Origin", "*"});
  } else if (origin && std::find(cors.allow_origins.begin(), cors.allow_origins.end(), *origin) !=
                           cors.allow_origins.end()) {
    fields.push_back({"Access-Control-Allow-Origin", std::string(*origin)});
    fields.push_back({"Vary", "Origin"});
  } else if (!cors.allow_origins.empty()) {
    fields.push_back({"Vary", "Origin"});  // the answer depends on the Origin sent
  }
  if (!cors.allow_origins.empty()) {
    fields.push_back({"Access-Control-Expose-Headers", "WWW-Authenticate"});
  }
  return fields;
}

bool is_cors_preflight(const RequestHead& head) {
  return head.method == "OPTIONS" && find_field(head, "Origin").has_value() &&
         find_field(head, "Access-Control-Request-Method").has_value();
}

Reply preflight_reply(const CorsConfig& cors, const RequestHead& head) {
  Reply reply;
  reply.status = 204;
  reply.fields = cors_fields(cors, head);
  reply.fields.push_back(
      {"Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"});
  const std::optional<std::string_view> asked = find_field(head, "Access-Control-Request-Headers");
  reply.fields.push_back(
      {"Access-Control-Allow-Headers",
       asked ? std::string(*asked)
             : std::string("Authorization, Content-Type, Grpc-Metadata-Macaroon, Macaroon")});
  reply.fields.push_back({"Access-Control-Max-Age", "600"});
  return reply;
}

Reply challenge_reply(const GatewayConfig& config, const RequestHead& head,
                      const ChallengeBody& challenge, const Denial* denial) {
  Reply reply = base_reply(config, head, denial != nullptr ? denial->http_status : 402);
  const MintedChallenge& minted = *challenge.minted;
  for (std::string& value :
       format_challenge(minted.macaroon_binary, minted.invoice, config.challenge_style)) {
    reply.fields.push_back({"WWW-Authenticate", std::move(value)});
  }
  const std::string title = denial != nullptr ? denial_title(*denial) : "payment required";
  nlohmann::json json = {
      {"error", title},
      {"service", challenge.service},
      {"price_msat", challenge.price.value()},
      {"invoice", minted.invoice},
      {"macaroon", base64::encode_std(minted.macaroon_binary)},
      {"payment_hash", hex::encode(minted.payment_hash)},
      {"expires_at", challenge.expires_at},
  };
  std::string text = title + "\n";
  if (denial != nullptr) {
    json["denial"] = denial_code_name(denial->code);
    json["reason"] = denial->reason;
    text =
        title + " (" + std::string(denial_code_name(denial->code)) + "): " + denial->reason + "\n";
  }
  set_body(reply, head, json, std::move(text));
  return reply;
}

Reply denial_reply(const GatewayConfig& config, const RequestHead& head, const Denial& denial) {
  Reply reply = base_reply(config, head, denial.http_status);
  const std::string title = denial_title(denial);
  const nlohmann::json json = {
      {"error", title}, {"denial", denial_code_name(denial.code)}, {"reason", denial.reason}};
  set_body(
      reply, head, json,
      title + " (" + std::string(denial_code_name(denial.code)) + "): " + denial.reason + "\n");
  return reply;
}

Reply not_found_reply(const GatewayConfig& config, const RequestHead& head) {
  Reply reply = base_reply(config, head, 404);
  constexpr std::string_view kMessage = "no service for this host and path";
  set_body(reply, head, nlohmann::json{{"error", kMessage}}, std::string(kMessage) + "\n");
  return reply;
}

Reply too_many_challenges_reply(const GatewayConfig& config, const RequestHead& head,
                                std::chrono::seconds retry_after) {
  Reply reply = base_reply(config, head, 429);
  const std::string seconds = std::to_string(retry_after.count());
  reply.fields.push_back({"Retry-After", seconds});
  set_body(reply, head,
           nlohmann::json{{"error", "too many challenges"},
                          {"reason", "too many unpaid requests from this network"},
                          {"retry_after", retry_after.count()}},
           "too many challenges from this network; retry in " + seconds + " s\n");
  return reply;
}

Reply unavailable_reply(const GatewayConfig& config, const RequestHead& head,
                        std::string_view reason) {
  Reply reply = base_reply(config, head, 503);
  reply.fields.push_back({"Retry-After", std::to_string(kRetryAfterSeconds)});
  set_body(reply, head, nlohmann::json{{"error", "service unavailable"}, {"reason", reason}},
           "service unavailable: " + std::string(reason) + "\n");
  return reply;
}

}  // namespace l402::gateway
