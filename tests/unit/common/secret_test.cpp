#include "l402/secret.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

// The array forms of operator new/delete are replaced so that a test can look at a buffer at the
// moment it is released: the only point where "wiped before it is freed" can be observed without
// reading freed memory. malloc/free back both forms, which keeps sanitizers' pairing checks happy.
namespace {

struct ReleaseWatch {
  const void* address = nullptr;
  std::size_t size = 0;
  bool released = false;
  bool was_zero = false;
};
ReleaseWatch g_watch;

void inspect_release(void* pointer) {
  if (pointer == nullptr || pointer != g_watch.address) return;
  const auto* bytes = static_cast<const unsigned char*>(pointer);
  g_watch.was_zero =
      std::all_of(bytes, bytes + g_watch.size, [](unsigned char b) { return b == 0; });
  g_watch.released = true;
  g_watch.address = nullptr;
}

}  // namespace

void* operator new[](std::size_t size) {
  void* pointer = std::malloc(size == 0 ? 1 : size);
  if (pointer == nullptr) throw std::bad_alloc();
  return pointer;
}
void operator delete[](void* pointer) noexcept {
  inspect_release(pointer);
  std::free(pointer);
}
void operator delete[](void* pointer, std::size_t /*size*/) noexcept {
  inspect_release(pointer);
  std::free(pointer);
}

namespace l402 {
namespace {

void watch_release(const void* address, std::size_t size) {
  g_watch = {address, size, false, false};
}

template <typename T>
concept Streamable = requires(std::ostream& out, const T& value) {
  out << value;
};

// The positive case keeps the negative one honest: the concept does detect operator<<.
static_assert(Streamable<std::string>);
static_assert(!Streamable<SecretBytes>, "a secret must not be printable");

static_assert(!std::is_copy_constructible_v<SecretBytes>);
static_assert(!std::is_copy_assignable_v<SecretBytes>);
static_assert(std::is_nothrow_move_constructible_v<SecretBytes>);
static_assert(std::is_nothrow_move_assignable_v<SecretBytes>);
// A string_view must not silently become a secret (or a secret a string).
static_assert(!std::is_convertible_v<std::string_view, SecretBytes>);
static_assert(!std::is_convertible_v<SecretBytes, std::string_view>);

// Includes a zero byte so that a strlen-style copy would be caught.
constexpr std::string_view kKey("root\0key-material-0123456789abcd", 32);

TEST(SecretBytes, DefaultIsEmpty) {
  const SecretBytes secret;
  EXPECT_TRUE(secret.empty());
  EXPECT_EQ(secret.size(), 0u);
  EXPECT_TRUE(secret.view().empty());
}

TEST(SecretBytes, HoldsACopyOfTheBytes) {
  std::string source(kKey);
  const SecretBytes secret(source);
  source.assign(source.size(), 'x');
  EXPECT_FALSE(secret.empty());
  EXPECT_EQ(secret.size(), kKey.size());
  EXPECT_EQ(secret.view(), kKey);
  EXPECT_EQ(secret.data()[4], 0u);
}

TEST(SecretBytes, EmptyInputGivesEmptySecret) {
  const SecretBytes secret{std::string_view()};
  EXPECT_TRUE(secret.empty());
  EXPECT_EQ(secret.view(), "");
}

TEST(SecretBytes, MoveConstructionTransfersAndEmptiesTheSource) {
  SecretBytes source(kKey);
  const std::uint8_t* buffer = source.data();
  SecretBytes target(std::move(source));
  EXPECT_EQ(target.view(), kKey);
  // The heap buffer changes owner; no second copy of the secret is made.
  EXPECT_EQ(target.data(), buffer);
  // A moved-from secret owns nothing, so the bytes have exactly one owner.
  // NOLINTBEGIN(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
  EXPECT_TRUE(source.empty());
  EXPECT_EQ(source.size(), 0u);
  EXPECT_TRUE(source.view().empty());
  EXPECT_EQ(source.data(), nullptr);
  // NOLINTEND(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
}

TEST(SecretBytes, MoveAssignmentReplacesTheOldSecret) {
  SecretBytes target("old secret");
  SecretBytes source(kKey);
  target = std::move(source);
  EXPECT_EQ(target.view(), kKey);
  EXPECT_TRUE(source.empty());  // NOLINT(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
}

TEST(SecretBytes, SelfMoveAssignmentKeepsTheSecret) {
  SecretBytes secret(kKey);
  SecretBytes& alias = secret;
  secret = std::move(alias);
  EXPECT_EQ(secret.view(), kKey);
}

TEST(SecretBytes, MovedFromObjectCanBeReused) {
  SecretBytes source(kKey);
  SecretBytes target(std::move(source));
  source = SecretBytes("fresh");  // NOLINT(bugprone-use-after-move,clang-analyzer-cplusplus.Move)
  EXPECT_EQ(source.view(), "fresh");
  EXPECT_EQ(target.view(), kKey);
}

TEST(ReleaseWatch, SeesABufferFreedWithoutWiping) {
  // Control for the wipe tests below: the watch must report bytes left in place.
  auto* buffer = new std::uint8_t[8];
  std::fill(buffer, buffer + 8, std::uint8_t{0x42});
  watch_release(buffer, 8);
  delete[] buffer;
  EXPECT_TRUE(g_watch.released);
  EXPECT_FALSE(g_watch.was_zero);
}

TEST(SecretBytes, WipesItsBufferOnDestruction) {
  {
    const SecretBytes secret(kKey);
    watch_release(secret.data(), secret.size());
  }
  ASSERT_TRUE(g_watch.released);
  EXPECT_TRUE(g_watch.was_zero);
}

TEST(SecretBytes, MoveAssignmentWipesTheReplacedBuffer) {
  SecretBytes target(kKey);
  watch_release(target.data(), target.size());
  target = SecretBytes("other");
  ASSERT_TRUE(g_watch.released);
  EXPECT_TRUE(g_watch.was_zero);
  EXPECT_EQ(target.view(), "other");
}

TEST(SecretBytes, MoveDoesNotReleaseTheBuffer) {
  SecretBytes source(kKey);
  watch_release(source.data(), source.size());
  SecretBytes target(std::move(source));
  EXPECT_FALSE(g_watch.released);
  EXPECT_EQ(target.view(), kKey);
  target = SecretBytes();
  ASSERT_TRUE(g_watch.released);
  EXPECT_TRUE(g_watch.was_zero);
}

TEST(SecretBytes, CloneIsAnIndependentCopy) {
  const SecretBytes original(kKey);
  SecretBytes copy = original.clone();
  EXPECT_EQ(copy.view(), original.view());
  EXPECT_NE(copy.data(), original.data());
  copy = SecretBytes();
  EXPECT_EQ(original.view(), kKey);
}

TEST(SecretBytes, CloneOfEmptyIsEmpty) {
  const SecretBytes empty;
  EXPECT_TRUE(empty.clone().empty());
}

TEST(SecureWipe, ZeroesTheWholeBuffer) {
  std::array<std::uint8_t, 67> buffer;
  buffer.fill(0xa5);
  secure_wipe(buffer.data(), buffer.size());
  for (std::size_t i = 0; i < buffer.size(); ++i) EXPECT_EQ(buffer[i], 0u) << "byte " << i;
}

TEST(SecureWipe, TouchesOnlyTheGivenRange) {
  std::array<std::uint8_t, 16> buffer;
  buffer.fill(0xff);
  secure_wipe(buffer.data() + 4, 8);
  for (std::size_t i = 0; i < buffer.size(); ++i) {
    const std::uint8_t expected = (i >= 4 && i < 12) ? 0x00 : 0xff;
    EXPECT_EQ(buffer[i], expected) << "byte " << i;
  }
}

TEST(SecureWipe, AcceptsNullAndZeroLength) {
  secure_wipe(nullptr, 0);
  secure_wipe(nullptr, 16);
  std::uint8_t byte = 0x7f;
  secure_wipe(&byte, 0);
  EXPECT_EQ(byte, 0x7f);
}

}  // namespace
}  // namespace l402
