# Sources of the Core Lightning JSON-RPC client, relative to src/lightning/.
list(APPEND l402_cln_sources)
