# Test sources of l402_client (http), relative to this folder; further libraries in
# l402_client_http_test_deps.
find_package(Boost 1.81 REQUIRED)
find_package(Threads REQUIRED)
set(l402_client_http_tests
  head_parser_test.cpp
  header_text_test.cpp
  hop_plan_test.cpp
  redirect_test.cpp
  tls_test.cpp
  transport_test.cpp
  url_test.cpp
  verbose_test.cpp
)
set(l402_client_http_test_deps Boost::headers OpenSSL::SSL Threads::Threads l402_devnet_rest)
