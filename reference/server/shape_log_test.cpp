#include "reference/server/shape_log.h"

#include <gtest/gtest.h>

namespace shapesim {
namespace {

std::vector<std::string> texts(const ShapeLog::ReadResult& r) {
  std::vector<std::string> out;
  for (auto m : r.messages) out.emplace_back(m);
  return out;
}

TEST(ShapeLog, SnapshotChunksThenSnapshotEnd) {
  ShapeLog log(10);
  log.set_snapshot({"aaaaaa", "bbbbbb", "cccccc"}, "END");
  EXPECT_EQ(log.snapshot_chunk_count(), 2u);  // 12 bytes close the first chunk
  auto first = log.read_initial();
  EXPECT_EQ(texts(first), (std::vector<std::string>{"aaaaaa", "bbbbbb"}));
  EXPECT_EQ(first.next, LogOffset::snapshot_chunk(0));
  auto second = log.read_after(first.next);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(texts(*second), (std::vector<std::string>{"cccccc", "END"}));
  EXPECT_EQ(second->next, LogOffset::snapshot_end());
  EXPECT_FALSE(log.read_after(LogOffset::snapshot_chunk(1)).ok());  // no chunk after the last
}

TEST(ShapeLog, EmptySnapshotIsOneChunkWithSnapshotEnd) {
  ShapeLog log(10);
  log.set_snapshot({}, "END");
  auto first = log.read_initial();
  EXPECT_EQ(texts(first), std::vector<std::string>{"END"});
  EXPECT_EQ(first.next, LogOffset::snapshot_end());
  auto tail = log.read_after(LogOffset::snapshot_end());
  ASSERT_TRUE(tail.ok());
  EXPECT_TRUE(tail->messages.empty());
  EXPECT_TRUE(tail->reached_end);
}

TEST(ShapeLog, ReadsUpToTheEndOfTheChunkHoldingTheOffset) {
  ShapeLog log(10);
  log.set_snapshot({}, "END");
  log.append_transaction({{LogOffset{100, 0}, "tx1-a"}, {LogOffset{100, 2}, "tx1-b"}});  // 10 bytes: chunk closes
  log.append_transaction({{LogOffset{200, 0}, "tx2"}});
  auto from_start = log.read_after(LogOffset::snapshot_end());
  ASSERT_TRUE(from_start.ok());
  EXPECT_EQ(texts(*from_start), (std::vector<std::string>{"tx1-a", "tx1-b"}));
  EXPECT_EQ(from_start->next, (LogOffset{100, 2}));
  EXPECT_FALSE(from_start->reached_end);
  auto mid = log.read_after(LogOffset{100, 0});
  EXPECT_EQ(texts(*mid), std::vector<std::string>{"tx1-b"});
  auto tail = log.read_after(LogOffset{100, 2});
  EXPECT_EQ(texts(*tail), std::vector<std::string>{"tx2"});
  EXPECT_TRUE(tail->reached_end);
  EXPECT_EQ(tail->next, (LogOffset{200, 0}));
  auto at_head = log.read_after(LogOffset{200, 0});
  EXPECT_TRUE(at_head->messages.empty());
  EXPECT_TRUE(at_head->reached_end);
  EXPECT_FALSE(log.read_after(LogOffset{300, 0}).ok());  // beyond the head
}

}  // namespace
}  // namespace shapesim
