# Sources of l402_client (session), relative to this folder.
set(l402_client_session_sources
  paying_client.cpp
  purchase.cpp
  recovery.cpp
  token_chooser.cpp
)
