# Test sources of l402_client (http), relative to this folder; further libraries in
# l402_client_http_test_deps.
set(l402_client_http_tests
)
