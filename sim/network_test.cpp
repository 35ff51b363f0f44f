#include "sim/network.h"

#include <gtest/gtest.h>

namespace shapesim::sim {
namespace {

const NodeId kServer{0}, kA{1}, kB{2};
const Timestamp kNow{1000};

TEST(Network, LatencyIsBasePlusJitterAndLossMatchesRate) {
  Network net({.base_latency = Duration::millis(5), .jitter_mean = Duration::millis(10), .loss = 0.2}, Random(3));
  int lost = 0, delivered = 0;
  double total_ms = 0;
  for (int i = 0; i < 20000; ++i) {
    Transit t = net.transit(kA, kServer, kNow);
    if (t.count == 0) {
      ++lost;
      continue;
    }
    ASSERT_EQ(t.count, 1);
    EXPECT_GE(t.delays[0], Duration::millis(5));
    total_ms += t.delays[0].micros / 1000.0;
    ++delivered;
  }
  EXPECT_NEAR(lost / 20000.0, 0.2, 0.02);
  EXPECT_NEAR(total_ms / delivered, 15.0, 0.6);
}

TEST(Network, DuplicationDeliversTwoCopiesAtTheConfiguredRate) {
  Network net({.duplicate = 0.25}, Random(4));
  int duplicated = 0;
  for (int i = 0; i < 20000; ++i) {
    Transit t = net.transit(kA, kServer, kNow);
    ASSERT_GE(t.count, 1);
    if (t.count == 2) {
      ++duplicated;
      EXPECT_TRUE(t.duplicated);
    }
  }
  EXPECT_NEAR(duplicated / 20000.0, 0.25, 0.02);
}

TEST(Network, LongTailIsRareButLong) {
  Network net({.base_latency = Duration::millis(1), .jitter_mean = Duration::millis(1), .tail_probability = 0.05,
               .tail_scale = Duration::millis(500)},
              Random(5));
  int tails = 0;
  Duration longest{0};
  for (int i = 0; i < 20000; ++i) {
    Transit t = net.transit(kA, kServer, kNow);
    if (t.long_tail) ++tails;
    longest = std::max(longest, t.delays[0]);
    EXPECT_LE(t.delays[0], Duration::seconds(61));
  }
  EXPECT_NEAR(tails / 20000.0, 0.05, 0.01);
  EXPECT_GT(longest, Duration::seconds(2));  // Pareto: some deliveries take seconds
}

TEST(Network, TwoWayPartitionsCutBothDirectionsAndHeal) {
  Network net({}, Random(1));
  net.cut(kB, kServer, true);
  EXPECT_EQ(net.transit(kServer, kB, kNow).count, 0);
  EXPECT_EQ(net.transit(kB, kServer, kNow).count, 0);
  EXPECT_EQ(net.transit(kA, kServer, kNow).count, 1);
  net.heal_all();
  EXPECT_EQ(net.transit(kB, kServer, kNow).count, 1);
}

TEST(Network, OneWayPartitionCutsOnlyItsDirection) {
  Network net({}, Random(1));
  net.cut(kServer, kB, false);  // the server's answers to B are lost; B's requests arrive
  EXPECT_EQ(net.transit(kServer, kB, kNow).count, 0);
  EXPECT_EQ(net.transit(kB, kServer, kNow).count, 1);
  EXPECT_FALSE(net.connected(kServer, kB));
  EXPECT_TRUE(net.connected(kB, kServer));
}

TEST(Network, ClogHoldsMessagesUntilItEnds) {
  Network net({.base_latency = Duration::millis(5), .jitter_mean = Duration{0}}, Random(1));
  net.clog(kB, kNow + Duration::millis(300));
  EXPECT_TRUE(net.clogged(kB, kNow));
  EXPECT_EQ(net.transit(kB, kServer, kNow).delays[0], Duration::millis(305));  // from B
  EXPECT_EQ(net.transit(kServer, kB, kNow).delays[0], Duration::millis(305));  // to B
  EXPECT_EQ(net.transit(kA, kServer, kNow).delays[0], Duration::millis(5));    // others unaffected
  EXPECT_FALSE(net.clogged(kB, kNow + Duration::millis(300)));
}

TEST(Network, CuttingOrClogglingALinkDoesNotShiftOtherDraws) {
  Network a({.loss = 0.3, .duplicate = 0.1, .tail_probability = 0.1}, Random(9));
  Network b({.loss = 0.3, .duplicate = 0.1, .tail_probability = 0.1}, Random(9));
  b.cut(NodeId{5}, kServer, true);
  b.clog(NodeId{6}, kNow + Duration::seconds(1));
  for (int i = 0; i < 100; ++i) {
    (void)a.transit(NodeId{5}, kServer, kNow);
    (void)b.transit(NodeId{5}, kServer, kNow);
    (void)a.transit(NodeId{6}, kServer, kNow);
    (void)b.transit(NodeId{6}, kServer, kNow);
    Transit x = a.transit(kA, kServer, kNow), y = b.transit(kA, kServer, kNow);
    ASSERT_EQ(x.count, y.count);
    for (int k = 0; k < x.count; ++k) EXPECT_EQ(x.delays[k], y.delays[k]);
  }
}

TEST(Network, StopFaultsEndsLossDuplicationAndTails) {
  Network net({.loss = 0.5, .duplicate = 0.5, .tail_probability = 0.5, .response_loss = 0.5}, Random(2));
  net.stop_faults();
  EXPECT_FALSE(net.config().any_fault());
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(net.transit(kA, kServer, kNow).count, 1);
}

}  // namespace
}  // namespace shapesim::sim
