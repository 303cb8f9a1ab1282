# Test sources of l402_gateway_admin, relative to this folder.
set(l402_gateway_admin_tests
)
