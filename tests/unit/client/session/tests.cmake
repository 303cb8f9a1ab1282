# Test sources of l402_client (session), relative to this folder; further libraries in
# l402_client_session_test_deps.
set(l402_client_session_tests
)
