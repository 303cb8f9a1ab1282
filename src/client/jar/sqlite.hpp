// The token jar's names for the SQLite layer it shares with the gateway's store and devnet
// (src/store/sqlite_db.hpp): one connection with its cache of prepared statements, statements
// that reset themselves, SQLite result codes mapped to l402 errors. Private to src/client/jar/.
#pragma once

#include "store/sqlite_db.hpp"

namespace l402::client_jar {

using sqlite::Connection;
using sqlite::in_transaction;
using sqlite::query_int;
using sqlite::Statement;

}  // namespace l402::client_jar
