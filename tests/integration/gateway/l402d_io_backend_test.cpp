// l402d runs on Asio's io_uring backend where the kernel allows it, and hands over to
// l402d-epoll where it does not (src/CMakeLists.txt). L402D_IO_BACKEND=epoll asks for the
// hand-over as a refusing kernel would force it.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <memory>
#include <string>

#include "gateway_fixture.hpp"
#include "http_client.hpp"

#if L402_IO_URING_BUILD
#include <liburing.h>
#endif

namespace l402::test {
namespace {

using IoBackendTest = GatewayTest;

bool io_uring_works_here() {
#if L402_IO_URING_BUILD
  io_uring ring{};
  if (io_uring_queue_init(16384, &ring, 0) < 0) return false;
  io_uring_queue_exit(&ring);
  return true;
#else
  return false;
#endif
}

TEST_F(IoBackendTest, RunsOnIoUringWhereTheKernelAllowsIt) {
  EXPECT_EQ(gateway().ready_line().value("io", ""), io_uring_works_here() ? "io_uring" : "epoll");
}

TEST_F(IoBackendTest, HandsOverToTheEpollBuildWhichServesPaidRequestsAndSignals) {
  ASSERT_EQ(setenv("L402D_IO_BACKEND", "epoll", 1), 0);
  GatewaySetup setup;
  setup.services = standard_services(upstream_url());
  Gateway& handed_over = start_gateway(setup, "epoll");
  unsetenv("L402D_IO_BACKEND");
  ASSERT_TRUE(handed_over.ready()) << handed_over.log_tail();
  EXPECT_EQ(handed_over.ready_line().value("io", ""), "epoll");
#if L402_IO_URING_BUILD
  EXPECT_NE(handed_over.log_tail().find("L402D_IO_BACKEND=epoll: running"), std::string::npos)
      << handed_over.log_tail();
#endif

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Backend> payer, open_payer(handed_over));
  ASSERT_OK_AND_ASSIGN(const Purchase purchase, buy(handed_over, *payer, "/api/hello"));
  const HttpResponse paid =
      http_get(handed_over.url() + "/api/hello", {"Authorization: " + purchase.authorization});
  EXPECT_EQ(paid.status, 200) << paid.body;

  // The hand-over replaced the process: the one that was started takes SIGTERM and exits 0.
  EXPECT_EQ(handed_over.stop(SIGTERM, std::chrono::seconds(10)), 0);
}

}  // namespace
}  // namespace l402::test
