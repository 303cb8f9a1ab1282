// A TCP relay on 127.0.0.1 that holds every chunk of the server's answers for a while before
// passing it on: put between the buyer and its wallet, it makes a payment that the wallet has
// already made look "in flight" to the buyer, the moment a kill -9 is most dangerous (paid,
// token not yet stored). Bytes pass unchanged (TLS works through it). One thread per
// connection; everything stops and is joined when the object goes.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace l402::test {

class DelayingProxy {
 public:
  // Relays to 127.0.0.1:`target_port`, delaying server-to-client data by `delay`.
  DelayingProxy(std::uint16_t target_port, std::chrono::milliseconds delay);
  ~DelayingProxy();
  DelayingProxy(const DelayingProxy&) = delete;
  DelayingProxy& operator=(const DelayingProxy&) = delete;

  std::uint16_t port() const { return port_; }  // 0 when it could not listen

 private:
  void accept_loop();
  void relay(int client, int server);

  std::uint16_t target_port_;
  std::chrono::milliseconds delay_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<std::thread> relays_;
};

}  // namespace l402::test
