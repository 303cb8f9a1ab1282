# Sources of the LND REST client, relative to src/lightning/.
list(APPEND l402_lnd_sources)
