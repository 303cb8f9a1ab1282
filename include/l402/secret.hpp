// Secret byte strings (root keys, preimages, node keys): never printed, wiped when destroyed.
//
// SecretBytes owns a fixed-size heap buffer that is overwritten with zeros before it is
// released. It cannot be streamed or formatted, and copying is explicit (clone()), so a secret
// does not end up in a log line or a stray copy by accident.
//
// Thread safety: a plain value; concurrent reads of one object are safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string_view>

namespace l402 {

// Overwrites `size` bytes at `data` with zeros in a way the compiler may not elide.
void secure_wipe(void* data, std::size_t size);

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::string_view bytes);
  ~SecretBytes();

  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  // A second owner of the same bytes; spelled out so that copies are visible in review.
  SecretBytes clone() const { return SecretBytes(view()); }

  // The secret bytes. The view is valid while this object lives and is not moved from.
  std::string_view view() const { return {reinterpret_cast<const char*>(data_.get()), size_}; }
  const std::uint8_t* data() const { return data_.get(); }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  void wipe();

  std::unique_ptr<std::uint8_t[]> data_;
  std::size_t size_ = 0;
};

// Secrets are not printable: this overload exists only to turn `out << secret` into a
// compile error with a readable name.
std::ostream& operator<<(std::ostream&, const SecretBytes&) = delete;

}  // namespace l402
