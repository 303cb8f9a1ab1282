# Test sources of l402_gateway_observe, relative to this folder.
set(l402_gateway_observe_tests
  metrics_test.cpp log_test.cpp
)
