# Test sources of l402_gateway_policy, relative to this folder.
set(l402_gateway_policy_tests
  auth_request_test.cpp
  challenge_limiter_test.cpp
  client_address_test.cpp
  credential_cache_test.cpp
  forward_plan_test.cpp
  header_fields_test.cpp
  gateway_free_access_test.cpp
  gateway_handler_test.cpp
  ledger_batch_test.cpp
  replies_test.cpp
  request_path_test.cpp
  routing_test.cpp
  settlement_recorder_test.cpp
)
# ledger_batch_test holds SQLite's write lock from a connection of its own.
find_package(SQLite3 REQUIRED)
set(l402_gateway_policy_test_deps l402_devnet SQLite::SQLite3)
