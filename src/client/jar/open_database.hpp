// Opening the token jar's database (private to src/client/jar/): private files, pragmas,
// start-up checks and migrations.
#pragma once

#include <memory>
#include <string>

#include "client/jar/sqlite.hpp"
#include "l402/client_store.hpp"
#include "l402/result.hpp"

namespace l402::client_jar {

// Prepares `directory` and its database file (private_files.hpp), opens it in WAL mode with
// synchronous=FULL and secure_delete=ON (deleted preimages are overwritten, not left in free
// pages), checks that it is writable and passes PRAGMA quick_check, and applies the
// migrations of schema.hpp.
Result<std::unique_ptr<Connection>> open_database(const std::string& directory,
                                                  const ClientStoreOptions& options);

}  // namespace l402::client_jar
