# Test sources of l402_gateway_proxy, relative to this folder.
set(l402_gateway_proxy_tests
)
