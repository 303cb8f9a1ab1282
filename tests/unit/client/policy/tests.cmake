# Test sources of l402_client (policy), relative to this folder; further libraries in
# l402_client_policy_test_deps.
set(l402_client_policy_tests
  budget_test.cpp
  plan_purchase_test.cpp
  select_token_test.cpp
  utc_day_test.cpp
)
