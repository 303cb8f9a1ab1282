# Test sources of l402_client (jar), relative to this folder; further libraries in
# l402_client_jar_test_deps.
set(l402_client_jar_tests
)
