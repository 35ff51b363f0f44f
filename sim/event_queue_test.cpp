#include "sim/event_queue.h"

#include <string>

#include <gtest/gtest.h>

namespace shapesim::sim {
namespace {

TEST(EventQueue, RunsByTimeThenBySchedulingOrder) {
  EventQueue q;
  std::string order;
  q.schedule(Timestamp{20}, [&] { order += "c"; });
  q.schedule(Timestamp{10}, [&] { order += "a"; });
  q.schedule(Timestamp{10}, [&] { order += "b"; });
  q.schedule(Timestamp{5}, [&] { order += "0"; });
  EXPECT_EQ(q.next_time(), Timestamp{5});
  while (auto e = q.pop()) e->action();
  EXPECT_EQ(order, "0abc");
  EXPECT_TRUE(q.empty());
  EXPECT_FALSE(q.next_time().has_value());
}

}  // namespace
}  // namespace shapesim::sim
