# Unit tests of l402_gateway_grpc, relative to this folder.
set(l402_gateway_grpc_tests
  grpc_mapping_test.cpp
)
