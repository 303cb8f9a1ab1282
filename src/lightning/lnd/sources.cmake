# Sources of the LND REST client, relative to src/lightning/.
list(APPEND l402_lnd_sources
  lnd/lnd_json.cpp lnd/lnd_errors.cpp lnd/ndjson.cpp lnd/http_transport.cpp lnd/lnd_rpc.cpp
  lnd/lnd_backend.cpp lnd/lnd_pay.cpp lnd/lnd_subscription.cpp)
