// The token jar's files readable by their owner only (private to src/client/jar/). The rule
// (client_store.hpp): the directory is created 0700 or tightened to 0700; the database file
// is created 0600; an existing database, -wal or -shm file that others may read is refused.
#pragma once

#include <string>

#include "l402/result.hpp"

namespace l402::client_jar {

// Creates `directory` (parents with the default mode) with mode 0700, or tightens an
// existing one of ours to 0700. Errors (kFailedPrecondition, naming the path): cannot create,
// not a directory, owned by another user, cannot change its mode.
Result<void> prepare_private_directory(const std::string& directory);

// Creates the database file 0600 when missing (never through a symlink), then checks it and
// any -wal and -shm beside it: a regular file, owned by this user, no group or other access.
// Errors: kFailedPrecondition naming the file and the fix.
Result<void> prepare_private_database(const std::string& path);

}  // namespace l402::client_jar
