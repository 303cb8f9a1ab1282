# Sources of l402_gateway_proxy, relative to this folder.
set(l402_gateway_proxy_sources
  header_edits.cpp
  wire_format.cpp
  upstream_pool.cpp
  tunnel.cpp
  session.cpp
  proxy_protocol.cpp
  proxy_protocol_reader.cpp
  proxy_server.cpp
)
