# Test sources of l402_client (jar), relative to this folder; further libraries in
# l402_client_jar_test_deps.
set(l402_client_jar_tests
  ledger_test.cpp
  open_test.cpp
  origin_test.cpp
  purchase_journal_test.cpp
  shared_file_test.cpp
  token_document_test.cpp
  tokens_test.cpp
)
# The damaged-database tests edit the file behind the store's back.
find_package(SQLite3 REQUIRED)
set(l402_client_jar_test_deps SQLite::SQLite3)
