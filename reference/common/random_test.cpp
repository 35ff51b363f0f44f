#include "reference/common/random.h"

#include <map>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shapesim {
namespace {

TEST(Random, SameSeedSameDraws) {
  Random a(7), b(7), c(8);
  std::vector<uint64_t> da, db, dc;
  for (int i = 0; i < 100; ++i) {
    da.push_back(a.next_u64());
    db.push_back(b.next_u64());
    dc.push_back(c.next_u64());
  }
  EXPECT_EQ(da, db);
  EXPECT_NE(da, dc);
}

TEST(Random, KnownFirstDrawPinsTheAlgorithm) {
  // xoshiro256** seeded by SplitMix64(0): pinned so a change of generator is noticed,
  // because it would change every recorded trace hash.
  Random r(0);
  EXPECT_EQ(r.next_u64(), 0x99ec5f36cb75f2b4ull);
}

TEST(Random, StreamsAreIndependentOfDrawsAndOfEachOther) {
  Random a(99);
  Random s1 = a.stream(1);
  a.next_u64();
  Random s1_again = a.stream(1);
  EXPECT_EQ(s1.next_u64(), s1_again.next_u64());
  EXPECT_NE(a.stream(1).next_u64(), a.stream(2).next_u64());
}

RC_GTEST_PROP(Random, UniformStaysInBounds, (uint64_t seed, uint64_t lo, uint32_t width)) {
  Random r(seed);
  uint64_t hi = lo + width < lo ? UINT64_MAX : lo + width;
  for (int i = 0; i < 20; ++i) {
    uint64_t v = r.uniform(lo, hi);
    RC_ASSERT(v >= lo);
    RC_ASSERT(v <= hi);
  }
}

TEST(Random, UniformIsRoughlyFlat) {
  Random r(123);
  std::map<uint64_t, int> counts;
  const int n = 60000;
  for (int i = 0; i < n; ++i) counts[r.uniform(1, 6)]++;
  ASSERT_EQ(counts.size(), 6u);
  for (auto [face, count] : counts) {
    EXPECT_NEAR(count, n / 6, n / 60) << "face " << face;
  }
}

TEST(Random, BernoulliAndExponentialHaveTheRightMeans) {
  Random r(5);
  int hits = 0;
  double sum = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    hits += r.bernoulli(0.25);
    sum += r.exponential(10.0);
  }
  EXPECT_NEAR(hits / double(n), 0.25, 0.01);
  EXPECT_NEAR(sum / n, 10.0, 0.2);
  EXPECT_FALSE(r.bernoulli(0));
  EXPECT_TRUE(r.bernoulli(1));
}

}  // namespace
}  // namespace shapesim
