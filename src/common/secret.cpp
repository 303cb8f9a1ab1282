#include "l402/secret.hpp"

#include <string.h>  // explicit_bzero

#include <cstring>

namespace l402 {

void secure_wipe(void* data, std::size_t size) {
  // glibc's explicit_bzero is memset (vectorised) behind a barrier the optimiser may not remove;
  // OPENSSL_cleanse stores a byte at a time, which showed in the verify benchmark.
  if (data != nullptr && size != 0) explicit_bzero(data, size);
}

SecretBytes::SecretBytes(std::string_view bytes)
    : data_(bytes.empty() ? nullptr : new std::uint8_t[bytes.size()]), size_(bytes.size()) {
  if (size_ != 0) std::memcpy(data_.get(), bytes.data(), size_);
}

SecretBytes::~SecretBytes() { wipe(); }

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::move(other.data_)), size_(other.size_) {
  other.size_ = 0;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    wipe();
    data_ = std::move(other.data_);
    size_ = other.size_;
    other.size_ = 0;
  }
  return *this;
}

void SecretBytes::wipe() {
  secure_wipe(data_.get(), size_);
  data_.reset();
  size_ = 0;
}

}  // namespace l402
