// What the kernel charges for the system calls a proxy makes per request, on a loopback TCP
// connection: the floor under bench/gateway_wrk.sh's figures. A read that finds nothing
// (Asio's speculative read before it waits), re-arming an epoll registration (Asio's readiness
// wait), an epoll_wait with nothing ready, and one small message sent and received. On a
// virtual machine the mode switch alone can cost more than the work a call does.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <cstring>

namespace {

// A connected loopback pair: `client` as a proxy's peer, `server` non-blocking as a proxy
// holds its sockets.
class LoopbackPair {
 public:
  LoopbackPair() {
    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (listener < 0 || bind(listener, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        listen(listener, 1) != 0 ||
        getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      std::abort();
    }
    client = socket(AF_INET, SOCK_STREAM, 0);
    if (client < 0 || connect(client, reinterpret_cast<sockaddr*>(&address), length) != 0) {
      std::abort();
    }
    server = accept(listener, nullptr, nullptr);
    close(listener);
    if (server < 0) std::abort();
    const int on = 1;
    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    fcntl(server, F_SETFL, fcntl(server, F_GETFL) | O_NONBLOCK);
  }
  ~LoopbackPair() {
    close(client);
    close(server);
  }
  LoopbackPair(const LoopbackPair&) = delete;
  LoopbackPair& operator=(const LoopbackPair&) = delete;

  int client = -1;
  int server = -1;
};

void BM_RecvFindingNothing(benchmark::State& state) {
  const LoopbackPair pair;
  std::array<char, 4096> buffer{};
  for (auto _ : state) {
    benchmark::DoNotOptimize(recv(pair.server, buffer.data(), buffer.size(), 0));
  }
}
BENCHMARK(BM_RecvFindingNothing);

void BM_EpollCtlRearm(benchmark::State& state) {
  const LoopbackPair pair;
  const int epoll = epoll_create1(EPOLL_CLOEXEC);
  epoll_event event{};
  event.events = EPOLLIN | EPOLLOUT | EPOLLET;
  epoll_ctl(epoll, EPOLL_CTL_ADD, pair.server, &event);
  for (auto _ : state) {
    benchmark::DoNotOptimize(epoll_ctl(epoll, EPOLL_CTL_MOD, pair.server, &event));
  }
  close(epoll);
}
BENCHMARK(BM_EpollCtlRearm);

void BM_EpollWaitNothingReady(benchmark::State& state) {
  const LoopbackPair pair;
  const int epoll = epoll_create1(EPOLL_CLOEXEC);
  epoll_event event{};
  event.events = EPOLLIN | EPOLLET;
  epoll_ctl(epoll, EPOLL_CTL_ADD, pair.server, &event);
  std::array<epoll_event, 8> ready{};
  for (auto _ : state) {
    benchmark::DoNotOptimize(epoll_wait(epoll, ready.data(), ready.size(), 0));
  }
  close(epoll);
}
BENCHMARK(BM_EpollWaitNothingReady);

// Two calls per iteration: a 100-byte message through the loopback, sent and then received.
void BM_SendThenReceiveSmallMessage(benchmark::State& state) {
  const LoopbackPair pair;
  std::array<char, 100> message{};
  std::array<char, 4096> buffer{};
  for (auto _ : state) {
    if (send(pair.client, message.data(), message.size(), 0) !=
            static_cast<ssize_t>(message.size()) ||
        recv(pair.server, buffer.data(), buffer.size(), 0) !=
            static_cast<ssize_t>(message.size())) {
      state.SkipWithError("the loopback did not carry the message at once");
      break;
    }
  }
}
BENCHMARK(BM_SendThenReceiveSmallMessage);

}  // namespace

BENCHMARK_MAIN();
