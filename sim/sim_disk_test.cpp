#include "sim/sim_disk.h"

#include <gtest/gtest.h>

#include "reference/server/embedded_store.h"
#include "reference/server/test_tables.h"

namespace shapesim::sim {
namespace {

WriteBatch insert_batch(const std::string& id, int64_t key) {
  return WriteBatch{id, {Mutation{ChangeKind::kInsert, "public", "tasks", {}, Row{{"id", Value(key)}, {"title", Value("t")}}}}};
}

TableSchema tasks() { return TableSchema{"public", "tasks", {{"id", ColumnType::kInt8, true}, {"title", ColumnType::kText}}, {"id"}}; }

size_t row_count(EmbeddedStore& store) {
  size_t n = 0;
  (void)store.scan(*store.find_table("public", "tasks"), [&](const std::vector<Value>&) { ++n; });
  return n;
}

TEST(SimDisk, CommittedWritesSurviveACrash) {
  SimDisk disk("server", Random(1));
  {
    auto store = EmbeddedStore::open("/s/store.db", disk.vfs_name());
    ASSERT_TRUE(store.ok()) << store.status().message();
    ASSERT_TRUE((*store)->create_table(tasks()).ok());
    for (int i = 0; i < 20; ++i) ASSERT_TRUE((*store)->apply(insert_batch("b" + std::to_string(i), i)).ok());
  }
  EXPECT_GT(disk.syncs(), 0u);
  disk.crash();
  auto store = EmbeddedStore::open("/s/store.db", disk.vfs_name());
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(row_count(**store), 20u);
  EXPECT_TRUE((*store)->find_batch("b19")->has_value());
}

TEST(SimDisk, UnsyncedWritesAreLostOrKeptPerOperation) {
  SimDisk disk("d", Random(7), 0.5);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2("/f.db", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, disk.vfs_name().c_str()), SQLITE_OK);
  // synchronous=OFF: SQLite never syncs, so everything written is at the crash's mercy.
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA synchronous=OFF; CREATE TABLE t(x); INSERT INTO t VALUES (1);", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  EXPECT_EQ(disk.syncs(), 0u);
  EXPECT_GT(disk.crash(), 0u);  // some unsynced operations were dropped
}

TEST(SimDisk, ACrashInTheMiddleOfACommitRollsBackOnReopen) {
  // For every point of failure within one commit: reopening gives either the state before the
  // batch or after it, never a torn one, and the store opens cleanly.
  for (uint64_t fail_at = 1; fail_at <= 12; ++fail_at) {
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      SimDisk disk("server", Random(seed));
      {
        auto store = EmbeddedStore::open("/s/store.db", disk.vfs_name());
        ASSERT_TRUE(store.ok());
        ASSERT_TRUE((*store)->create_table(tasks()).ok());
        ASSERT_TRUE((*store)->apply(insert_batch("first", 1)).ok());
        disk.fail_after_ops(fail_at);
        auto second = (*store)->apply(insert_batch("second", 2));
        (void)second;
      }
      disk.crash();
      auto store = EmbeddedStore::open("/s/store.db", disk.vfs_name());
      ASSERT_TRUE(store.ok()) << "fail_at=" << fail_at << " seed=" << seed << ": " << store.status().message();
      size_t n = row_count(**store);
      bool second_committed = (*store)->find_batch("second")->has_value();
      EXPECT_EQ(n, second_committed ? 2u : 1u) << "fail_at=" << fail_at << " seed=" << seed;
      EXPECT_TRUE((*store)->find_batch("first")->has_value());
      // The store still works after recovery.
      EXPECT_TRUE((*store)->apply(insert_batch("third", 3)).ok());
    }
  }
}

}  // namespace
}  // namespace shapesim::sim
