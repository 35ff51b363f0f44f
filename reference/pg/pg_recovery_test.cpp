// Schema changes, lost connections and lost slots against a real PostgreSQL (CTest label `pg`).
// The client engine syncs shapes from the server core (in-process, no HTTP) while the
// database changes under it; at the end each client must hold exactly what SELECT returns,
// having refetched exactly when a shape had to be retired.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "reference/pg/testing/synced_shapes.h"
#include "reference/common/testing/temp_file.h"

namespace shapesim::pg::testing {
namespace {

constexpr const char* kSlot = "shapesim_recovery";
constexpr const char* kTable =
    "DROP TABLE IF EXISTS recovery_items; "
    "CREATE TABLE recovery_items (id int8 PRIMARY KEY, title text, n int4);"
    "INSERT INTO recovery_items SELECT g, 'row ' || g, g % 3 FROM generate_series(1, 20) g;";
const ServerConfig kConfig{.long_poll_timeout = Duration::seconds(3600)};

class PgRecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("SHAPESIM_PG_URL");
    if (!url) GTEST_SKIP() << "SHAPESIM_PG_URL is not set (run through ctest -L pg, which starts PostgreSQL)";
    auto rig = ReplicationRig::start(url, kSlot, kTable, kConfig, store_path_.string());
    ASSERT_TRUE(rig.ok()) << rig.status().to_string();
    rig_ = std::move(*rig);
    clients_ = std::make_unique<SyncedShapes>(*rig_);
    all_ = &clients_->add("recovery_items", "");
    some_ = &clients_->add("recovery_items", "n = 1");
    clients_->settle(now_);
    ASSERT_TRUE(all_->stream.up_to_date());
    ASSERT_TRUE(some_->stream.up_to_date());
  }
  void TearDown() override {
    clients_.reset();
    rig_.reset();
  }

  void sql(const std::string& q) { ASSERT_TRUE(rig_->sql(q).ok()) << q; }

  // Drives replication and the clients (virtual time advances 250 ms a round, so backoffs
  // expire) until both shapes equal PostgreSQL's rows or ~10 s of real waiting pass.
  ::testing::AssertionResult converge() {
    std::map<std::string, WireRow> want_all, want_some;
    for (int round = 0; round < 100; ++round) {
      want_all = select_rows(*rig_, "SELECT * FROM recovery_items");
      want_some = select_rows(*rig_, "SELECT * FROM recovery_items WHERE n = 1");
      if (rows_by(all_->rows, "id") == want_all && rows_by(some_->rows, "id") == want_some && all_->stream.up_to_date() &&
          some_->stream.up_to_date()) {
        return ::testing::AssertionSuccess();
      }
      now_ = now_ + Duration::millis(250);
      auto out = rig_->wait_and_drain(100, now_);
      if (!out.ok()) return ::testing::AssertionFailure() << "replication: " << out.status().to_string();
      clients_->deliver(*out, now_);
      clients_->settle(now_);
    }
    return ::testing::AssertionFailure() << "not converged: all" << describe_difference(keys_of(want_all), keys_of(rows_by(all_->rows, "id")))
                                         << "; n = 1" << describe_difference(keys_of(want_some), keys_of(rows_by(some_->rows, "id")))
                                         << (rows_by(all_->rows, "id") == want_all ? "" : " (values differ)");
  }

  void expect_clean_collections() {
    for (const SyncedShape* s : {all_, some_}) {
      EXPECT_TRUE(s->rows.anomalies().empty()) << s->rows.anomalies().front();
      EXPECT_EQ(s->rows.duplicate_changes(), 0u);
    }
  }

  testing_support::TempFile store_file_{"recovery.db"};  // removed after the rig is gone
  std::filesystem::path store_path_ = store_file_.path();
  std::unique_ptr<ReplicationRig> rig_;
  std::unique_ptr<SyncedShapes> clients_;
  SyncedShape* all_ = nullptr;
  SyncedShape* some_ = nullptr;
  Timestamp now_{0};
};

// Each schema change, made while the server streams, retires the table's shapes (409) at the
// Relation message announcing it; the clients refetch and get the new columns.
TEST_F(PgRecoveryTest, SchemaChangesWhileStreamingRetireTheShapesAndClientsRefetch) {
  const std::vector<std::string> changes = {
      "ALTER TABLE recovery_items ADD COLUMN note text DEFAULT 'new'",
      "ALTER TABLE recovery_items DROP COLUMN note",
      "ALTER TABLE recovery_items ALTER COLUMN title TYPE varchar(40)",
      "ALTER TABLE recovery_items RENAME COLUMN title TO name",
  };
  uint64_t expected_refetches = 0;
  for (size_t i = 0; i < changes.size(); ++i) {
    SCOPED_TRACE(changes[i]);
    sql(changes[i]);
    // The Relation message comes with the table's next change (one that converge() must wait for).
    sql("UPDATE recovery_items SET n = n + 10 WHERE id = " + std::to_string(i + 2));
    ++expected_refetches;
    ASSERT_TRUE(converge());
    EXPECT_EQ(all_->stream.refetches(), expected_refetches);
    EXPECT_EQ(some_->stream.refetches(), expected_refetches);
  }
  EXPECT_TRUE(all_->rows.rows().begin()->second.count("name"));  // the renamed column
  EXPECT_FALSE(all_->rows.rows().begin()->second.count("title"));
  // An ordinary change afterwards does not retire anything.
  sql("INSERT INTO recovery_items VALUES (100, 'after', 1)");
  ASSERT_TRUE(converge());
  EXPECT_EQ(all_->stream.refetches(), expected_refetches);
  expect_clean_collections();
}

// A schema change while the server is down: the restarted server retires the shapes it
// restored (their snapshots have the old columns); clients refetch.
TEST_F(PgRecoveryTest, ASchemaChangeWhileTheServerIsDownRetiresItsShapesAtRestart) {
  sql("INSERT INTO recovery_items VALUES (30, 'before', 1)");
  ASSERT_TRUE(converge());
  rig_->stop_server();
  clients_->lose_requests_in_flight(now_);
  sql("ALTER TABLE recovery_items ADD COLUMN note text");
  sql("INSERT INTO recovery_items VALUES (31, 'while down', 1, 'x')");
  ASSERT_TRUE(rig_->start_server(kConfig).ok());
  EXPECT_EQ(rig_->server().registry().size(), 0u);
  ASSERT_TRUE(converge());
  EXPECT_EQ(all_->stream.refetches(), 1u);
  EXPECT_EQ(some_->stream.refetches(), 1u);
  expect_clean_collections();
}

// Without a schema change the restarted server resumes every shape with the same handle:
// changes made while it was down arrive once, no refetch.
TEST_F(PgRecoveryTest, ARestartResumesShapesWithoutRefetching) {
  const std::string handle = *all_->stream.handle();
  rig_->stop_server();
  clients_->lose_requests_in_flight(now_);
  sql("INSERT INTO recovery_items SELECT g, 'while down ' || g, g % 3 FROM generate_series(40, 60) g");
  sql("DELETE FROM recovery_items WHERE id = 1");
  ASSERT_TRUE(rig_->start_server(kConfig).ok());
  ASSERT_TRUE(converge());
  EXPECT_EQ(all_->stream.refetches(), 0u);
  EXPECT_EQ(*all_->stream.handle(), handle);
  expect_clean_collections();
}

// The replication connection is cut (the walsender terminated, as a PostgreSQL restart or a
// network fault would): the feed reconnects on the same slot and nothing is lost, duplicated
// or refetched.
TEST_F(PgRecoveryTest, ALostReplicationConnectionIsReconnectedWithoutLosingAChange) {
  sql("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '" + std::string(kSlot) + "'");
  for (int i = 0; i < 5; ++i) {
    sql("INSERT INTO recovery_items VALUES (" + std::to_string(200 + i) + ", 'during the outage', 1)");
  }
  sql("UPDATE recovery_items SET title = 'changed' WHERE id = 4");
  ASSERT_TRUE(converge());
  EXPECT_EQ(rig_->feed().reconnections(), 1u);
  EXPECT_EQ(rig_->feed().slots_created(), 1u);  // the first start only
  EXPECT_EQ(all_->stream.refetches(), 0u);
  EXPECT_EQ(some_->stream.refetches(), 0u);
  expect_clean_collections();
}

// The slot is dropped while the feed is disconnected (an operator, or PostgreSQL invalidating
// it): the changes in between cannot be replayed, so the recreated slot retires every shape
// and the clients refetch consistent snapshots.
TEST_F(PgRecoveryTest, ALostSlotIsRecreatedAndEveryShapeRetired) {
  const std::string slot = kSlot;
  sql("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
  // The walsender exits asynchronously; the slot is dropped once it is inactive.
  ASSERT_TRUE(rig_->drop_slot(slot).ok());
  sql("INSERT INTO recovery_items VALUES (300, 'lost with the slot', 1)");
  sql("DELETE FROM recovery_items WHERE id = 5");
  ASSERT_TRUE(converge());
  EXPECT_EQ(rig_->feed().slots_created(), 2u);
  EXPECT_EQ(all_->stream.refetches(), 1u);
  EXPECT_EQ(some_->stream.refetches(), 1u);
  expect_clean_collections();
}

}  // namespace
}  // namespace shapesim::pg::testing
