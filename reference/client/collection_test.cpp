#include "reference/client/collection.h"

#include <gtest/gtest.h>

namespace shapesim {
namespace {

ChangeMessage change(Operation op, std::string key, WireRow value, std::optional<uint64_t> lsn = std::nullopt,
                     uint64_t op_pos = 0) {
  ChangeMessage c{.key = std::move(key), .value = std::move(value), .op = op};
  if (lsn) {
    c.lsn = lsn;
    c.op_position = op_pos;
    c.txids = {*lsn + 1000};
  }
  return c;
}

TEST(Collection, AppliesInsertsMergesUpdatesAndDeletes) {
  Collection c;
  StreamUpdate u;
  u.changes = {change(Operation::kInsert, "a", {{"id", "1"}, {"title", "x"}, {"done", "f"}}),
               change(Operation::kUpdate, "a", {{"id", "1"}, {"title", "y"}}, 10, 0),
               change(Operation::kInsert, "b", {{"id", "2"}}, 10, 2),
               change(Operation::kDelete, "b", {{"id", "2"}}, 20, 0)};
  c.apply(u);
  ASSERT_EQ(c.rows().size(), 1u);
  EXPECT_EQ(c.rows().at("a").at("title"), "y");
  EXPECT_EQ(c.rows().at("a").at("done"), "f");
  EXPECT_TRUE(c.has_seen_txid(1010));
  EXPECT_FALSE(c.has_seen_txid(5));
  EXPECT_TRUE(c.anomalies().empty());
  EXPECT_EQ(c.duplicate_changes(), 0u);
}

TEST(Collection, CountsDuplicatesAndAnomalies) {
  Collection c;
  StreamUpdate u;
  u.changes = {change(Operation::kInsert, "a", {{"id", "1"}}, 10, 0)};
  c.apply(u);
  c.apply(u);  // the same log change again
  EXPECT_EQ(c.duplicate_changes(), 1u);
  EXPECT_EQ(c.changes_applied(), 1u);
  StreamUpdate bad;
  bad.changes = {change(Operation::kDelete, "zz", {}, 11, 0), change(Operation::kInsert, "a", {}, 12, 0)};
  c.apply(bad);
  EXPECT_EQ(c.anomalies().size(), 2u);
}

TEST(Collection, MustRefetchDropsRowsAndForgetsPositions) {
  Collection c;
  StreamUpdate u;
  u.changes = {change(Operation::kInsert, "a", {{"id", "1"}}, 10, 0)};
  c.apply(u);
  StreamUpdate refetch;
  refetch.must_refetch = true;
  c.apply(refetch);
  EXPECT_TRUE(c.rows().empty());
  c.apply(u);  // after a refetch the same change is legitimately seen again
  EXPECT_EQ(c.duplicate_changes(), 0u);
  EXPECT_EQ(c.rows().size(), 1u);
}

}  // namespace
}  // namespace shapesim
