# Sources of the LND REST server in front of DevnetNode, relative to src/devnet/.
# Only server.cpp includes Beast/Asio (they dominate compile time); the rest is plain C++.
list(APPEND l402_devnet_rest_sources
  rest/lnd_json_writer.cpp
  rest/request_reader.cpp
  rest/invoice_feed.cpp
  rest/routes.cpp
  rest/server.cpp)
