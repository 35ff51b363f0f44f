#include "reference/common/log_offset.h"

#include <gtest/gtest.h>

namespace shapesim {
namespace {

TEST(LogOffset, ParsesAndFormats) {
  auto o = LogOffset::parse("1234_4");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->tx, 1234u);
  EXPECT_EQ(o->op, 4u);
  EXPECT_EQ(o->to_string(), "1234_4");
  auto inf = LogOffset::parse("0_inf");
  ASSERT_TRUE(inf.ok());
  EXPECT_EQ(*inf, LogOffset::snapshot_end());
  EXPECT_EQ(inf->to_string(), "0_inf");
}

TEST(LogOffset, RejectsMalformed) {
  for (const char* bad : {"", "_", "1_", "_1", "-1", "1_-2", "a_1", "1_1_1", " 1_1", "1_1 ",
                          "99999999999999999999_0", "1_18446744073709551615", "+1_2"}) {
    EXPECT_FALSE(LogOffset::parse(bad).ok()) << bad;
  }
}

TEST(LogOffset, OrdersByTxThenOp) {
  EXPECT_LT(LogOffset::snapshot_chunk(3), LogOffset::snapshot_end());
  EXPECT_LT(LogOffset::snapshot_end(), (LogOffset{1, 0}));
  EXPECT_LT((LogOffset{5, 2}), (LogOffset{5, 4}));
  EXPECT_LT((LogOffset{5, 100}), (LogOffset{6, 0}));
}

}  // namespace
}  // namespace shapesim
