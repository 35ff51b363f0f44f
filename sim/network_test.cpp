#include "sim/network.h"

#include <gtest/gtest.h>

namespace shapesim::sim {
namespace {

TEST(Network, LatencyIsBasePlusTailAndLossMatchesRate) {
  Network net({.base_latency = Duration::millis(5), .jitter_mean = Duration::millis(10), .loss = 0.2}, Random(3));
  int lost = 0;
  double total_ms = 0;
  int delivered = 0;
  for (int i = 0; i < 20000; ++i) {
    auto d = net.transit(NodeId{1}, NodeId{0});
    if (!d) {
      ++lost;
      continue;
    }
    EXPECT_GE(*d, Duration::millis(5));
    total_ms += d->micros / 1000.0;
    ++delivered;
  }
  EXPECT_NEAR(lost / 20000.0, 0.2, 0.02);
  EXPECT_NEAR(total_ms / delivered, 15.0, 0.6);
}

TEST(Network, PartitionsAreTwoWayAndHeal) {
  Network net({}, Random(1));
  net.cut(NodeId{2}, NodeId{0});
  EXPECT_FALSE(net.transit(NodeId{0}, NodeId{2}));
  EXPECT_FALSE(net.transit(NodeId{2}, NodeId{0}));
  EXPECT_TRUE(net.transit(NodeId{1}, NodeId{0}));
  net.heal_all();
  EXPECT_TRUE(net.transit(NodeId{2}, NodeId{0}));
}

TEST(Network, CuttingALinkDoesNotShiftOtherDraws) {
  Network a({.loss = 0.3}, Random(9)), b({.loss = 0.3}, Random(9));
  b.cut(NodeId{5}, NodeId{0});
  for (int i = 0; i < 100; ++i) {
    (void)a.transit(NodeId{5}, NodeId{0});
    (void)b.transit(NodeId{5}, NodeId{0});
    EXPECT_EQ(a.transit(NodeId{1}, NodeId{0}), b.transit(NodeId{1}, NodeId{0}));
  }
}

}  // namespace
}  // namespace shapesim::sim
