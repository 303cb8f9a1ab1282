#include "client/jar/open_database.hpp"

#include <string>
#include <utility>

#include "client/jar/private_files.hpp"
#include "client/jar/schema.hpp"

namespace l402::client_jar {

namespace {

Error unusable(const Connection& connection, const std::string& what) {
  return Error(ErrorCode::kFailedPrecondition, "token store " + connection.path() + ": " + what);
}

Result<void> configure_token_store(Connection& connection) {
  L402_RETURN_IF_ERROR(sqlite::use_wal(connection));
  return connection.exec(
      "PRAGMA synchronous=FULL; PRAGMA secure_delete=ON; PRAGMA trusted_schema=OFF", "open");
}

Result<void> migrate_token_store(Connection& connection) {
  return in_transaction(connection, /*write=*/true, "migrate", [&]() -> Result<void> {
    L402_RETURN_IF_ERROR(connection.exec(schema::kCreateVersionTable, "migrate"));
    L402_ASSIGN_OR_RETURN(const std::int64_t version,
                          query_int(connection, schema::kSelectVersion, "migrate"));
    if (version > schema::kSchemaVersion) {
      return unusable(connection, "schema version " + std::to_string(version) +
                                      " is newer than this build reads (" +
                                      std::to_string(schema::kSchemaVersion) +
                                      "); run a newer l402");
    }
    for (const schema::Migration& migration : schema::kMigrations) {
      if (migration.version <= version) continue;
      L402_RETURN_IF_ERROR(connection.exec(migration.sql, "migrate"));
      L402_ASSIGN_OR_RETURN(
          Statement record,
          connection.prepare("INSERT INTO schema_version (version) VALUES (?1)", "migrate"));
      record.bind(1, migration.version);
      L402_RETURN_IF_ERROR(record.run());
    }
    return ok_result();
  });
}

}  // namespace

Result<std::unique_ptr<Connection>> open_database(const std::string& directory,
                                                  const ClientStoreOptions& options) {
  L402_RETURN_IF_ERROR(prepare_private_directory(directory));
  const std::string path = directory + "/" + std::string(kClientStoreFileName);
  L402_RETURN_IF_ERROR(prepare_private_database(path));
  L402_ASSIGN_OR_RETURN(std::unique_ptr<Connection> connection,
                        Connection::open(path, /*create=*/false, options.busy_timeout));
  L402_RETURN_IF_ERROR(configure_token_store(*connection));
  L402_RETURN_IF_ERROR(sqlite::check_usable(*connection));
  L402_RETURN_IF_ERROR(migrate_token_store(*connection));
  return connection;
}

}  // namespace l402::client_jar
