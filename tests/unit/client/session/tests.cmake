# Test sources of l402_client (session), relative to this folder; further libraries in
# l402_client_session_test_deps.
find_package(Boost 1.74 REQUIRED)
find_package(Threads REQUIRED)
set(l402_client_session_tests
  buy_test.cpp
  perform_test.cpp
  recovery_test.cpp
)
set(l402_client_session_test_deps Boost::headers OpenSSL::SSL Threads::Threads l402_devnet)
