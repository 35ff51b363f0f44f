#include "reference/server/shape_log.h"

#include <gtest/gtest.h>

namespace shapesim {
namespace {

std::vector<std::string> texts(const ShapeLog::ReadResult& r) {
  std::vector<std::string> out;
  for (auto m : r.messages) out.emplace_back(m);
  return out;
}

// Electric's sequence: -1 -> chunk 0 at 0_0, 0_0 -> chunk 1 at 0_1, ..., the last chunk's
// offset -> the transaction log.
TEST(ShapeLog, SnapshotChunksAreNamedByTheirIndexAndTheLastHandsOverToTheLog) {
  ShapeLog log(10);
  log.set_snapshot({"aaaaaa", "bbbbbb", "cccccc", "dddddd", "eeeeee"}, "END");
  EXPECT_EQ(log.snapshot_chunk_count(), 3u);  // 12 bytes close a chunk
  auto first = log.read_initial();
  EXPECT_TRUE(first.snapshot);
  EXPECT_EQ(texts(first), (std::vector<std::string>{"aaaaaa", "bbbbbb"}));
  EXPECT_EQ(first.next, LogOffset::snapshot_chunk(0));
  auto second = log.read_after(first.next);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(texts(*second), (std::vector<std::string>{"cccccc", "dddddd"}));
  EXPECT_EQ(second->next, LogOffset::snapshot_chunk(1));
  auto third = log.read_after(second->next);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(texts(*third), (std::vector<std::string>{"eeeeee", "END"}));
  EXPECT_EQ(third->next, LogOffset::snapshot_chunk(2));
  EXPECT_TRUE(third->snapshot);
  log.append_transaction({{LogOffset{100, 0}, "tx"}});
  auto tail = log.read_after(third->next);  // the last chunk's offset reads the log
  ASSERT_TRUE(tail.ok());
  EXPECT_FALSE(tail->snapshot);
  EXPECT_EQ(texts(*tail), std::vector<std::string>{"tx"});
  EXPECT_TRUE(tail->reached_end);
  EXPECT_EQ(texts(*log.read_after(LogOffset::snapshot_end())), std::vector<std::string>{"tx"});
  EXPECT_FALSE(log.read_after(LogOffset::snapshot_chunk(3)).ok());  // never named a chunk here
}

TEST(ShapeLog, OneChunkSnapshotAnswersZeroZeroThenTheLog) {
  ShapeLog log(10);
  log.set_snapshot({}, "END");
  auto first = log.read_initial();
  EXPECT_EQ(texts(first), std::vector<std::string>{"END"});
  EXPECT_EQ(first.next, LogOffset::snapshot_chunk(0));
  auto tail = log.read_after(first.next);
  ASSERT_TRUE(tail.ok());
  EXPECT_FALSE(tail->snapshot);
  EXPECT_TRUE(tail->messages.empty());
  EXPECT_TRUE(tail->reached_end);
  EXPECT_EQ(tail->next, LogOffset::snapshot_end());
  EXPECT_FALSE(log.read_after(LogOffset::snapshot_chunk(1)).ok());
}

// One transaction larger than the threshold is cut into chunks of about the threshold, each
// ending at an entry a client can resume from.
TEST(ShapeLog, ChunksInsideATransaction) {
  ShapeLog log(10000);
  log.set_snapshot({}, "END");
  std::vector<ShapeLog::Entry> tx;
  for (uint64_t op = 0; op < 35; ++op) tx.push_back({LogOffset{500, op * 2}, std::string(1000, 'x')});
  log.append_transaction(std::move(tx));
  LogOffset at = LogOffset::snapshot_end();
  std::vector<size_t> sizes;
  bool end = false;
  while (!end) {
    auto r = log.read_after(at);
    ASSERT_TRUE(r.ok());
    size_t bytes = 0;
    for (auto m : r->messages) bytes += m.size();
    sizes.push_back(bytes);
    if (!r->reached_end) {
      EXPECT_GE(bytes, 8000u);  // the threshold - 20%
      EXPECT_LE(bytes, 12000u);  // the threshold + 20%
    }
    EXPECT_GT(r->next, at);
    at = r->next;
    end = r->reached_end;
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{10000, 10000, 10000, 5000}));
  EXPECT_EQ(at, (LogOffset{500, 68}));
  auto mid = log.read_after(LogOffset{500, 18});  // the end of the first chunk
  ASSERT_TRUE(mid.ok());
  EXPECT_EQ(mid->messages.size(), 10u);
  EXPECT_EQ(mid->next, (LogOffset{500, 38}));
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
