# Sources of l402_client (jar), relative to this folder.
set(l402_client_jar_sources
  client_store.cpp
  open_database.cpp
  origin.cpp
  private_files.cpp
  records.cpp
  token_document.cpp
)
