#include "sim/sim_disk.h"

#include <algorithm>

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

// The same write or truncation applied to an image and to the byte vector modelling it.
void write_both(PagedBytes& image, std::vector<uint8_t>& model, size_t offset, const std::vector<uint8_t>& bytes) {
  image.write(offset, bytes.data(), bytes.size());
  if (model.size() < offset + bytes.size()) model.resize(offset + bytes.size());
  std::copy(bytes.begin(), bytes.end(), model.begin() + static_cast<std::ptrdiff_t>(offset));
}
void truncate_both(PagedBytes& image, std::vector<uint8_t>& model, size_t size) {
  image.truncate(size);
  model.resize(size);
}
// Every byte the image reads.
std::vector<uint8_t> contents(const PagedBytes& image) {
  std::vector<uint8_t> out(image.size());
  if (!out.empty()) image.read(0, out.data(), out.size());
  return out;
}

// PagedBytes against a plain byte vector: random writes (page-aligned, whole pages, across
// page boundaries, past the end), truncations (shrinking mid-page, growing) and copies that
// share pages; every image reads exactly as its vector does.
TEST(PagedBytes, ReadsAsAPlainByteVectorThroughWritesTruncationsAndCopies) {
  Random rng(20261129);
  constexpr size_t kPage = PagedBytes::kPage;
  for (int round = 0; round < 40; ++round) {
    PagedBytes image, snapshot;
    std::vector<uint8_t> model, snapshot_model;
    for (int op = 0; op < 60; ++op) {
      const uint64_t kind = rng.uniform(0, 9);
      if (kind <= 5) {
        size_t offset = kind == 0 ? rng.uniform(0, 4) * kPage : rng.uniform(0, 5 * kPage);
        size_t n = kind == 0 ? kPage : rng.uniform(1, 2 * kPage);
        std::vector<uint8_t> bytes(n);
        for (auto& b : bytes) b = static_cast<uint8_t>(rng.uniform(1, 255));
        write_both(image, model, offset, bytes);
      } else if (kind <= 7) {
        truncate_both(image, model, rng.uniform(0, 6 * kPage));
      } else if (kind == 8) {
        snapshot = image;  // shares every page
        snapshot_model = model;
      } else {
        image = snapshot;
        model = snapshot_model;
      }
      ASSERT_EQ(image.size(), model.size());
      ASSERT_EQ(contents(image), model) << "round " << round << " op " << op;
      ASSERT_EQ(contents(snapshot), snapshot_model) << "a write to a copy changed the image it was copied from";
    }
  }
}

// sync_into against a full copy: after random writes and truncations (shrinking, growing,
// shrinking then growing past pages the durable image still has), the durable image synced
// by the changed pages alone reads exactly as the current one, and later writes to the
// current image leave it alone.
TEST(PagedBytes, SyncCopiesTheChangedPagesIntoTheDurableImage) {
  Random rng(20261130);
  constexpr size_t kPage = PagedBytes::kPage;
  for (int round = 0; round < 40; ++round) {
    PagedBytes current, durable;
    std::vector<uint8_t> model, durable_model;
    for (int op = 0; op < 80; ++op) {
      const uint64_t kind = rng.uniform(0, 9);
      if (kind <= 5) {
        size_t offset = rng.uniform(0, 6 * kPage), n = rng.uniform(1, 2 * kPage);
        write_both(current, model, offset, std::vector<uint8_t>(n, static_cast<uint8_t>(rng.uniform(1, 255))));
      } else if (kind <= 7) {
        truncate_both(current, model, rng.uniform(0, 7 * kPage));
      } else {
        current.sync_into(durable);
        durable_model = model;
        ASSERT_TRUE(durable == current) << "round " << round << " op " << op;
      }
      ASSERT_EQ(durable.size(), durable_model.size());
      ASSERT_EQ(contents(durable), durable_model) << "the durable image changed without a sync (round " << round << " op " << op << ")";
    }
  }
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
