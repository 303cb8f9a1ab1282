#include <sodium.h>

#include <cstdlib>

#include "l402/crypto.hpp"

namespace l402::secretbox {
namespace {

static_assert(kKeySize == crypto_secretbox_KEYBYTES);
static_assert(kNonceSize == crypto_secretbox_NONCEBYTES);
static_assert(kMacSize == crypto_secretbox_MACBYTES);

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

void ensure_sodium() {
  // sodium_init() is idempotent and thread-safe; it fails only when no entropy source exists.
  static const bool ready = sodium_init() >= 0;
  if (!ready) std::abort();
}

}  // namespace

std::string seal(std::string_view key, std::string_view nonce, std::string_view plaintext) {
  if (key.size() != kKeySize || nonce.size() != kNonceSize) std::abort();
  ensure_sodium();
  std::string box(plaintext.size() + kMacSize, '\0');
  crypto_secretbox_easy(reinterpret_cast<unsigned char*>(box.data()), bytes(plaintext),
                        plaintext.size(), bytes(nonce), bytes(key));
  return box;
}

Result<std::string> open(std::string_view key, std::string_view nonce, std::string_view box) {
  if (key.size() != kKeySize || nonce.size() != kNonceSize) {
    return Error(ErrorCode::kInvalidArgument, "secretbox: wrong key or nonce size");
  }
  if (box.size() < kMacSize) {
    return Error(ErrorCode::kInvalidArgument, "secretbox: box shorter than its tag");
  }
  ensure_sodium();
  std::string plaintext(box.size() - kMacSize, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plaintext.data()), bytes(box),
                                 box.size(), bytes(nonce), bytes(key)) != 0) {
    return Error(ErrorCode::kUnauthenticated, "secretbox: authentication failed");
  }
  return plaintext;
}

}  // namespace l402::secretbox
