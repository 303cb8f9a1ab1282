// A plain TCP connection to 127.0.0.1 for the tests that must misbehave at the byte level
// (a head trickled byte by byte, an oversized head): send what the test says, read with a
// time limit, and tell when the peer closed.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace l402::test {

class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // False when the peer has closed or reset the connection.
  bool send(std::string_view bytes);
  // Bytes that arrive within `limit`: "" when none did; nullopt when the peer closed (or
  // reset) the connection before sending anything more.
  std::optional<std::string> receive(std::chrono::milliseconds limit);
  // Everything until the peer closes, or until `limit` passes (then `closed` stays false).
  std::string receive_until_closed(std::chrono::milliseconds limit, bool& closed);

 private:
  int fd_ = -1;
};

// A loopback port nothing listens on (bound, then released).
std::uint16_t unused_port();

}  // namespace l402::test
