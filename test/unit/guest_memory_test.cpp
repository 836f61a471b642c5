// The checked view of guest memory that WASI and WASI-NN read every guest
// pointer through: the edges of the memory, 32-bit wrap-around, a missing
// memory, and records read and written unaligned.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "wasmnn/common/guest_memory.h"

namespace {

using wasmnn::GuestMemory;

struct Pair {
  uint32_t a;
  uint16_t b;
  uint8_t c, d;
};

TEST(GuestMemoryTest, RangesEndExactlyAtTheMemorysEnd) {
  std::vector<uint8_t> bytes(64);
  GuestMemory m(bytes.data(), bytes.size());
  EXPECT_TRUE(m.contains(0, 64));
  EXPECT_TRUE(m.contains(64, 0));
  EXPECT_FALSE(m.contains(64, 1));
  EXPECT_FALSE(m.contains(65, 0));
  EXPECT_FALSE(m.contains(1, 64));
  EXPECT_EQ(m.at(60, 4), bytes.data() + 60);
  EXPECT_EQ(m.at(61, 4), nullptr);
  EXPECT_FALSE(m.read<uint32_t>(61));
  EXPECT_FALSE(m.store<uint64_t>(57, 1));
}

TEST(GuestMemoryTest, PointerPlusLengthNeverWraps) {
  std::vector<uint8_t> bytes(64);
  GuestMemory m(bytes.data(), bytes.size());
  EXPECT_FALSE(m.contains(8, UINT64_MAX - 4)) << "8 + len wraps to 3 in 64 bits";
  EXPECT_FALSE(m.contains(UINT32_MAX, 2));
  EXPECT_FALSE(m.span<uint8_t>(16, UINT32_MAX));
}

TEST(GuestMemoryTest, NoMemoryRefusesEverything) {
  GuestMemory none;
  EXPECT_FALSE(none.present());
  EXPECT_FALSE(none.contains(0, 0));
  EXPECT_EQ(none.at(0, 0), nullptr);
  std::vector<uint8_t> empty;
  GuestMemory zero(empty.data(), 0);
  EXPECT_TRUE(zero.present());
  EXPECT_TRUE(zero.contains(0, 0)) << "an empty range of an empty memory is fine";
  EXPECT_FALSE(zero.read<uint8_t>(0));
}

TEST(GuestMemoryTest, RecordsAreReadAndWrittenUnalignedLittleEndian) {
  std::vector<uint8_t> bytes(32, 0);
  GuestMemory m(bytes.data(), bytes.size());
  ASSERT_TRUE(m.store(3, Pair{0x04030201, 0x0605, 7, 8}));
  EXPECT_EQ(bytes[3], 1);
  EXPECT_EQ(bytes[6], 4);
  EXPECT_EQ(bytes[7], 5);
  EXPECT_EQ(bytes[10], 8);
  std::optional<Pair> p = m.read<Pair>(3);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->a, 0x04030201u);
  EXPECT_EQ(p->b, 0x0605);
  auto span = m.span<const uint8_t>(3, 4);
  ASSERT_TRUE(span);
  EXPECT_EQ((*span)[3], 4);
}

}  // namespace
