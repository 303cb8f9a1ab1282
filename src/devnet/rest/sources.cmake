# Sources of the LND REST server in front of DevnetNode, relative to src/devnet/.
list(APPEND l402_devnet_rest_sources)
