# Sources of l402_gateway_policy, relative to this folder.
set(l402_gateway_policy_sources
  auth_request.cpp
  challenge_limiter.cpp
  client_address.cpp
  credential_cache.cpp
  forward_plan.cpp
  forwarded.cpp
  gateway_handler.cpp
  header_fields.cpp
  ip_address.cpp
  ledger_batch.cpp
  policy_snapshot.cpp
  replies.cpp
  request_path.cpp
  routing.cpp
  settlement_recorder.cpp
)
