# Sources of l402_gateway_grpc, relative to this folder.
set(l402_gateway_grpc_sources
  grpc_mapping.cpp
  pem_file.cpp
  upstream_channels.cpp
  grpc_call.cpp
  grpc_proxy.cpp
)
