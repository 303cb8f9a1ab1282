// The REST server's TLS identity, made the way LND makes its own (cert/selfsigned.go): an
// ECDSA P-256 key and a self-signed CA certificate for localhost, 127.0.0.1 and ::1, written
// once into the data directory as tls.cert and tls.key (mode 0600) and reused afterwards.
// Private to src/devnet/rest/.
//
// Thread safety: stateless; the caller keeps two servers from creating the files of one
// directory at once.
#pragma once

#include <filesystem>
#include <string>

#include "l402/result.hpp"

namespace l402::devnet_rest {

struct TlsIdentity {
  std::filesystem::path cert_path;
  std::string cert_pem;
  std::string key_pem;
};

// Reads tls.cert and tls.key from `dir`, creating both when either is missing. Errors:
// kFailedPrecondition naming the file that cannot be written, read or parsed, or when the key
// does not belong to the certificate.
Result<TlsIdentity> load_or_create_tls_identity(const std::filesystem::path& dir);

}  // namespace l402::devnet_rest
