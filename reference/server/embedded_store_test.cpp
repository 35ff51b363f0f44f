#include "reference/server/embedded_store.h"

#include <cstdio>
#include <filesystem>

#include <sqlite3.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "reference/server/test_tables.h"
#include "reference/common/testing/temp_file.h"

namespace shapesim {
namespace {
using namespace shapesim::testing;

std::unique_ptr<EmbeddedStore> open_store() {
  auto s = EmbeddedStore::open(":memory:");
  EXPECT_TRUE(s.ok());
  EXPECT_TRUE((*s)->create_table(tasks_table()).ok());
  return std::move(*s);
}

TEST(EmbeddedStore, AppliesBatchAsOneTransactionWithXidAndLsn) {
  auto store = open_store();
  auto out = store->apply({"b1", {insert_task(task(1, "a")), insert_task(task(2, "b"))}});
  ASSERT_TRUE(out.ok()) << out.status().to_string();
  ASSERT_TRUE(out->committed);
  EXPECT_EQ(out->txid, Xid{1000});
  EXPECT_EQ(out->committed->changes.size(), 2u);
  EXPECT_GT(out->committed->commit_lsn, Lsn{0});
  auto second = store->apply({"b2", {update_task(1, {{"title", Value("a2")}}), delete_task(2)}});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->txid, Xid{1001});
  EXPECT_GT(second->committed->commit_lsn, out->committed->commit_lsn);
  const auto& upd = second->committed->changes[0];
  EXPECT_EQ(upd.kind, ChangeKind::kUpdate);
  EXPECT_EQ(upd.old_row->at("title"), Value("a"));
  EXPECT_EQ(upd.new_row->at("title"), Value("a2"));
  EXPECT_EQ(upd.new_row->at("done"), Value(false));  // untouched columns kept
  EXPECT_EQ(second->committed->changes[1].old_row->at("id"), Value(int64_t{2}));
  auto snap = store->snapshot(tasks_table());
  ASSERT_TRUE(snap.ok());
  ASSERT_EQ(snap->rows.size(), 1u);
  EXPECT_EQ(snap->rows[0].at("title"), Value("a2"));
  EXPECT_EQ(snap->xmin, 1002u);
}

TEST(EmbeddedStore, FailedBatchChangesNothing) {
  auto store = open_store();
  ASSERT_TRUE(store->apply({"b1", {insert_task(task(1, "a"))}}).ok());
  Lsn before = store->last_lsn();
  auto dup = store->apply({"b2", {insert_task(task(2, "b")), insert_task(task(1, "again"))}});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().message(), "duplicate key value violates unique constraint \"tasks_pkey\"");
  EXPECT_EQ(store->last_lsn(), before);
  EXPECT_EQ(store->next_xid(), Xid{1001});
  EXPECT_EQ(store->snapshot(tasks_table())->rows.size(), 1u);
  EXPECT_FALSE(store->apply({"b3", {update_task(9, {{"title", Value("x")}})}}).ok());
  EXPECT_FALSE(store->apply({"b4", {delete_task(9)}}).ok());
  Row no_pk{{"title", Value("x")}};
  EXPECT_FALSE(store->apply({"b5", {insert_task(no_pk)}}).ok());  // id is NOT NULL
  EXPECT_FALSE(store->apply({"", {insert_task(task(5, "x"))}}).ok());
  Mutation unknown{ChangeKind::kInsert, "public", "nope", {}, task(1, "x")};
  EXPECT_FALSE(store->apply({"b6", {unknown}}).ok());
  // b2 failed, so its id is free for a real retry.
  EXPECT_TRUE(store->apply({"b2", {insert_task(task(2, "b"))}}).ok());
}

TEST(EmbeddedStore, ReplayedBatchIdReturnsFirstTxidAndChangesNothing) {
  auto store = open_store();
  auto first = store->apply({"same", {insert_task(task(1, "a"))}});
  ASSERT_TRUE(first.ok());
  auto replay = store->apply({"same", {insert_task(task(1, "a"))}});
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(replay->txid, first->txid);
  EXPECT_FALSE(replay->committed.has_value());
  // Its first commit's LSN, so a client that never sees the txid (its shape was refetched
  // since) confirms the write by LSN.
  ASSERT_TRUE(replay->replayed_commit_lsn.has_value());
  EXPECT_EQ(replay->replayed_commit_lsn->value, first->committed->commit_lsn.value);
}

// Stored batch records keep their digest, so its bytes may never change: the expected value
// is computed independently (Python, FNV-1a 64 over the length-prefixed pieces).
TEST(EmbeddedStore, BatchDigestsKeepTheirStoredForm) {
  WriteBatch b{"any", {Mutation{ChangeKind::kInsert, "public", "tasks", {},
                                Row{{"id", Value(int64_t{1})}, {"title", Value("h\xc3\xa9llo/\"x\"")}, {"done", Value()}}},
                       Mutation{ChangeKind::kUpdate, "public", "tasks", Row{{"id", Value(int64_t{2})}},
                                Row{{"title", Value(std::string(130, 'a'))}}}}};
  EXPECT_EQ(b.digest(), "f09011f736465875");
}

TEST(EmbeddedStore, TransactionLogReplaysCommittedTransactionsExactly) {
  auto store = open_store();
  TableSchema scored = tasks_table();
  scored.name = "scored";
  scored.columns.push_back({"score", ColumnType::kFloat8});
  ASSERT_TRUE(store->create_table(scored).ok());
  auto a = store->apply({"b1", {insert_task(task(1, "quote \" back \\ nl \n ctl \x01 \xc3\xbc")), insert_task(task(2, "b"))}});
  auto b = store->apply({"b2", {update_task(1, {{"title", Value("a2")}}), delete_task(2)}});
  Row nan_row = task(9, "x");
  nan_row["score"] = Value(0.1);
  auto c = store->apply({"b3", {Mutation{ChangeKind::kInsert, "public", "scored", {}, nan_row}}});
  EXPECT_FALSE(store->apply({"b4", {delete_task(77)}}).ok());  // failed batches leave no entry
  auto all = store->transactions_after(Lsn{0});
  ASSERT_TRUE(all.ok()) << all.status().to_string();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].xid, a->txid);
  EXPECT_EQ((*all)[0].changes[0].new_row, a->committed->changes[0].new_row);
  EXPECT_EQ((*all)[1].commit_lsn, b->committed->commit_lsn);
  EXPECT_EQ((*all)[1].changes[0].old_row, b->committed->changes[0].old_row);
  EXPECT_EQ((*all)[1].changes[0].new_row, b->committed->changes[0].new_row);
  EXPECT_EQ((*all)[1].changes[1].kind, ChangeKind::kDelete);
  EXPECT_EQ((*all)[2].changes[0].new_row->at("score"), Value(0.1));
  EXPECT_EQ(store->transactions_after(b->committed->commit_lsn)->size(), 1u);
  EXPECT_TRUE(store->transactions_after(c->committed->commit_lsn)->empty());
}

TEST(EmbeddedStore, ReopenedFileKeepsTablesRowsAndCounters) {
  testing_support::TempFile file("store_test.db");
  const std::filesystem::path path = file.path();
  Lsn last_lsn;
  {
    auto s = EmbeddedStore::open(path.string());
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->create_table(tasks_table()).ok());
    ASSERT_TRUE((*s)->apply({"b1", {insert_task(task(1, "a"))}}).ok());
    ASSERT_EQ(*(*s)->next_sequence(), 1u);
    last_lsn = (*s)->last_lsn();
  }
  auto s = EmbeddedStore::open(path.string());
  ASSERT_TRUE(s.ok());
  ASSERT_NE((*s)->find_table("public", "tasks"), nullptr);
  EXPECT_EQ((*s)->next_xid(), Xid{1001});
  EXPECT_EQ((*s)->last_lsn(), last_lsn);
  EXPECT_EQ(*(*s)->next_sequence(), 2u);
  EXPECT_EQ((*s)->snapshot(tasks_table())->rows.size(), 1u);
  EXPECT_TRUE((*s)->create_table(tasks_table()).ok());  // identical: no-op
  TableSchema other = tasks_table();
  other.columns.pop_back();
  EXPECT_EQ((*s)->create_table(other).code(), ErrorCode::kAlreadyExists);
  std::filesystem::remove(path);
}

TEST(EmbeddedStore, AStoreFromBeforeShapesRecordedTheirTableSchemaIsUpgraded) {
  testing_support::TempFile file("old_store.db");
  const std::filesystem::path path = file.path();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.string().c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "CREATE TABLE _shapesim_shapes (handle TEXT PRIMARY KEY, definition TEXT NOT NULL, "
                           "snapshot_lsn INTEGER NOT NULL, xmin INTEGER NOT NULL, xmax INTEGER NOT NULL, xip TEXT NOT NULL);"
                           "CREATE TABLE _shapesim_shape_chunks (handle TEXT NOT NULL, idx INTEGER NOT NULL, "
                           "body TEXT NOT NULL, ends BLOB NOT NULL, PRIMARY KEY (handle, idx));"
                           "INSERT INTO _shapesim_shapes VALUES ('h1', 'table=tasks', 0, 1, 1, '');"
                           "INSERT INTO _shapesim_shape_chunks VALUES ('h1', 0, '', x'')",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto store = EmbeddedStore::open(path.string());
  ASSERT_TRUE(store.ok()) << store.status().to_string();
  auto shapes = (*store)->load_shapes();
  ASSERT_TRUE(shapes.ok()) << shapes.status().to_string();
  ASSERT_EQ(shapes->size(), 1u);
  EXPECT_EQ((*shapes)[0].table_schema, "");  // never equal to a real schema: retired at restore
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace shapesim
