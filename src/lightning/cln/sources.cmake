# Sources of the Core Lightning JSON-RPC client, relative to src/lightning/.
list(APPEND l402_cln_sources cln/unix_socket_connection.cpp cln/json_rpc.cpp cln/cln_json.cpp
     cln/cln_backend.cpp)
