# Test sources of l402_gateway_proxy, relative to this folder.
set(l402_gateway_proxy_tests
  header_edits_test.cpp
  forwarding_test.cpp
  limits_test.cpp
  proxy_protocol_test.cpp
  proxy_protocol_listener_test.cpp
  timed_socket_test.cpp
  websocket_test.cpp
)
set(l402_gateway_proxy_test_deps OpenSSL::SSL OpenSSL::Crypto)

# Its own binary: it replaces getaddrinfo for everything linked into it.
if(TARGET l402_gateway_proxy)
  l402_unit_test(l402_gateway_proxy_resolve_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/resolve_test.cpp
    DEPS l402_gateway_proxy nlohmann_json::nlohmann_json OpenSSL::SSL OpenSSL::Crypto ${CMAKE_DL_LIBS})
  target_include_directories(l402_gateway_proxy_resolve_test PRIVATE "${PROJECT_SOURCE_DIR}/src")
endif()
