# Sources of l402_client (policy), relative to this folder.
set(l402_client_policy_sources
  amount_text.cpp
  budget.cpp
  plan_purchase.cpp
  select_token.cpp
  utc_day.cpp
)
