# Test sources of l402_gateway_proxy, relative to this folder.
set(l402_gateway_proxy_tests
  header_edits_test.cpp
  forwarding_test.cpp
  limits_test.cpp
  proxy_protocol_test.cpp
  proxy_protocol_listener_test.cpp
  websocket_test.cpp
)
set(l402_gateway_proxy_test_deps OpenSSL::SSL OpenSSL::Crypto)
