# Test sources of l402_gateway_admin, relative to this folder.
set(l402_gateway_admin_tests
  admin_target_test.cpp admin_credential_test.cpp admin_server_test.cpp admin_client_test.cpp
)
set(l402_gateway_admin_test_deps l402_devnet)
