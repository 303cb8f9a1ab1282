// The admin credential file: created once with mode 0600, reused, refused when others can
// read it, and created by exactly one of several concurrent callers.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "gateway/admin/admin_server.hpp"
#include "result_matchers.hpp"
#include "temp_dir.hpp"

namespace l402::gateway {
namespace {

using ::l402::test::HasError;
using ::l402::test::HasErrorMentioning;
using ::l402::test::IsOk;
using ::l402::test::TempDir;

unsigned mode_of(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return 0xffff;
  return info.st_mode & 07777;
}

TEST(AdminCredential, CreatesA64HexCredentialInAFileOfMode0600) {
  TempDir dir;
  const std::string path = dir.file("admin.token");
  const Result<std::string> credential = load_or_create_admin_credential(path, system_random());
  ASSERT_TRUE(IsOk(credential));
  EXPECT_EQ(credential->size(), 64u);
  EXPECT_EQ(credential->find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(mode_of(path), 0600u);
  std::ifstream file(path);
  std::string line;
  std::getline(file, line);
  EXPECT_EQ(line, *credential);
  // No temporary file is left beside it.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            1);
}

TEST(AdminCredential, TheSecondCallReadsTheSameCredential) {
  TempDir dir;
  const std::string path = dir.file("admin.token");
  const auto first = load_or_create_admin_credential(path, system_random());
  const auto second = load_or_create_admin_credential(path, system_random());
  ASSERT_TRUE(IsOk(first));
  ASSERT_TRUE(IsOk(second));
  EXPECT_EQ(*first, *second);
}

TEST(AdminCredential, CreatesTheMissingDirectory) {
  TempDir dir;
  const std::string path = dir.file("nested/deeper/admin.token");
  ASSERT_TRUE(IsOk(load_or_create_admin_credential(path, system_random())));
  EXPECT_EQ(mode_of(path), 0600u);
}

TEST(AdminCredential, KeepsACredentialTheOperatorWrote) {
  TempDir dir;
  const std::string path = dir.file("admin.token");
  std::ofstream(path) << "my-own-credential\n";
  std::filesystem::permissions(
      path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const auto credential = load_or_create_admin_credential(path, system_random());
  ASSERT_TRUE(IsOk(credential));
  EXPECT_EQ(*credential, "my-own-credential");
}

TEST(AdminCredential, RefusesAFileOthersCanReadAndSaysHowToFixIt) {
  TempDir dir;
  const std::string path = dir.file("admin.token");
  ASSERT_TRUE(IsOk(load_or_create_admin_credential(path, system_random())));
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  const auto refused = load_or_create_admin_credential(path, system_random());
  EXPECT_TRUE(HasErrorMentioning(refused, ErrorCode::kFailedPrecondition, "chmod"));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("0640"), std::string::npos);
  ASSERT_EQ(::chmod(path.c_str(), 0604), 0);
  EXPECT_TRUE(HasError(load_or_create_admin_credential(path, system_random()),
                       ErrorCode::kFailedPrecondition));
}

TEST(AdminCredential, RefusesAnEmptyOrUnusableFileWithoutPrintingIt) {
  TempDir dir;
  const std::string path = dir.file("admin.token");
  std::ofstream(path) << "two words-secretish\n";
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  const auto refused = load_or_create_admin_credential(path, system_random());
  EXPECT_TRUE(HasError(refused, ErrorCode::kFailedPrecondition));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message().find("secretish"), std::string::npos);
  std::ofstream(path, std::ios::trunc) << "";
  EXPECT_TRUE(HasError(load_or_create_admin_credential(path, system_random()),
                       ErrorCode::kFailedPrecondition));
}

TEST(AdminCredential, ConcurrentCallersAllGetTheOneCredential) {
  TempDir dir;
  const std::string path = dir.file("admin.token");
  constexpr int kThreads = 8;
  std::vector<std::string> seen(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      const auto credential = load_or_create_admin_credential(path, system_random());
      if (credential.ok()) seen[static_cast<std::size_t>(i)] = *credential;
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const std::string& credential : seen) {
    EXPECT_EQ(credential.size(), 64u);
    EXPECT_EQ(credential, seen.front());
  }
}

}  // namespace
}  // namespace l402::gateway
