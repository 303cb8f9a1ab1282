# Sources of l402_client (jar), relative to this folder.
set(l402_client_jar_sources
)
