// A source whose transactions arrive later through replication (as PostgreSQL's do):
// deduplication by commit LSN, snapshot visibility, durable logging, invalidation.
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reference/server/shape_server.h"
#include "reference/server/test_tables.h"
#include "reference/common/testing/temp_file.h"

namespace shapesim {
namespace {
using namespace shapesim::testing;
using nlohmann::json;

// An embedded store posing as a replicated source: apply() commits but hands nothing over;
// the test delivers the committed transactions through on_replicated(), when it chooses.
class ReplicatedSource : public SourceOfTruth {
 public:
  explicit ReplicatedSource(std::unique_ptr<EmbeddedStore> inner) : inner_(std::move(inner)) {}
  const TableSchema* find_table(const std::string& schema, const std::string& name) override {
    return inner_->find_table(schema, name);
  }
  Result<Snapshot> scan(const TableSchema& t, const std::function<void(const std::vector<Value>&)>& row) override {
    SHAPESIM_ASSIGN_OR_RETURN(Snapshot s, inner_->scan(t, row));
    if (snapshot_override) {
      s.xmin = snapshot_override->xmin;
      s.xmax = snapshot_override->xmax;
      s.xip_list = snapshot_override->xip_list;
    }
    return s;
  }
  Result<bool> has_batch(const std::string& id) override { return inner_->has_batch(id); }
  Result<WriteOutcome> apply(const WriteBatch& b) override {
    SHAPESIM_ASSIGN_OR_RETURN(WriteOutcome o, inner_->apply(b));
    if (o.committed) pending.push_back(*o.committed);
    o.committed.reset();
    return o;
  }
  std::vector<CommittedTransaction> pending;
  std::optional<Snapshot> snapshot_override;

 private:
  std::unique_ptr<EmbeddedStore> inner_;
};

class ShapeServerReplicationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto inner = *EmbeddedStore::open(":memory:");
    ASSERT_TRUE(inner->create_table(tasks_table()).ok());
    auto source = std::make_unique<ReplicatedSource>(std::move(inner));
    source_ = source.get();
    server_ = std::make_unique<ShapeServer>(ServerConfig{}, *EmbeddedStore::open(":memory:"), std::move(source));
    ASSERT_TRUE(server_->startup_status().ok());
  }
  HttpResponse get(const std::string& target) {
    auto out = server_->handle(RequestId{++id_}, *HttpRequest::from_target("GET", target), Timestamp{0});
    return out.responses.at(0).second;
  }
  CommittedTransaction write(int64_t id, const std::string& title) {
    EXPECT_TRUE(source_->apply({"b" + std::to_string(id) + title, {insert_task(task(id, title))}}).ok());
    auto tx = source_->pending.back();
    source_->pending.clear();
    return tx;
  }
  size_t log_entries(const std::string& handle) {
    return server_->registry().find_by_handle(handle)->log().entry_count();
  }

  ReplicatedSource* source_;
  std::unique_ptr<ShapeServer> server_;
  uint64_t id_ = 0;
};

TEST_F(ShapeServerReplicationTest, WritesReachShapesOnlyThroughReplicationExactlyOnce) {
  std::string handle = *get("/v1/shape?table=tasks&offset=-1").header("electric-handle");
  auto tx = write(1, "a");
  EXPECT_EQ(log_entries(handle), 0u);  // the write endpoint hands nothing over
  ASSERT_TRUE(server_->on_replicated(tx, Timestamp{0}).ok());
  EXPECT_EQ(log_entries(handle), 1u);
  EXPECT_EQ(server_->durable_lsn(), tx.commit_lsn);
  ASSERT_TRUE(server_->on_replicated(tx, Timestamp{0}).ok());  // re-sent after a reconnect
  EXPECT_EQ(log_entries(handle), 1u);
}

TEST_F(ShapeServerReplicationTest, TransactionsVisibleInTheSnapshotAreNotAppendedAgain) {
  auto committed_before = write(1, "a");  // in the snapshot, but not yet replicated
  // A snapshot taken while xid 1001 was still running: it sees 1000, not 1001.
  auto in_progress = write(2, "b");
  source_->snapshot_override = Snapshot{{}, 1001, 1002, {1001}, Lsn{}};
  std::string handle = *get("/v1/shape?table=tasks&offset=-1").header("electric-handle");
  ASSERT_TRUE(server_->on_replicated(committed_before, Timestamp{0}).ok());
  EXPECT_EQ(log_entries(handle), 0u);  // visible in the snapshot: already there
  ASSERT_TRUE(server_->on_replicated(in_progress, Timestamp{0}).ok());
  EXPECT_EQ(log_entries(handle), 1u);  // in xip_list: not in the snapshot
}

TEST_F(ShapeServerReplicationTest, InvalidationRetiresShapesWith409) {
  std::string handle = *get("/v1/shape?table=tasks&offset=-1").header("electric-handle");
  server_->invalidate_table("public", "tasks");
  EXPECT_EQ(get("/v1/shape?table=tasks&offset=0_inf&handle=" + handle).status, 409);
  std::string next = *get("/v1/shape?table=tasks&offset=-1").header("electric-handle");
  EXPECT_NE(next, handle);
  server_->invalidate_all();
  EXPECT_EQ(server_->registry().size(), 0u);
}

// A server restarted on the same storage, its source's table as given.
std::unique_ptr<ShapeServer> restart_with(const std::string& storage_path, const TableSchema& table) {
  auto inner = *EmbeddedStore::open(":memory:");
  EXPECT_TRUE(inner->create_table(table).ok());
  auto server = std::make_unique<ShapeServer>(ServerConfig{}, *EmbeddedStore::open(storage_path),
                                              std::make_unique<ReplicatedSource>(std::move(inner)));
  EXPECT_TRUE(server->startup_status().ok()) << server->startup_status().to_string();
  return server;
}

TEST(ShapeServerRestartOnReplicatedSource, AShapeWhoseTableChangedWhileDownIsRetired) {
  testing_support::TempFile file("schema_change.db");
  const std::filesystem::path path = file.path();
  auto get = [](ShapeServer& s, const std::string& target) {
    return s.handle(RequestId{1}, *HttpRequest::from_target("GET", target), Timestamp{0}).responses.at(0).second;
  };
  std::string handle = *get(*restart_with(path.string(), tasks_table()), "/v1/shape?table=tasks&offset=-1").header("electric-handle");
  // Same table: the shape resumes.
  EXPECT_EQ(get(*restart_with(path.string(), tasks_table()), "/v1/shape?table=tasks&offset=0_inf&handle=" + handle).status, 200);
  // A column added while the server was down: the snapshot lacks it, so the shape is retired.
  TableSchema altered = tasks_table();
  altered.columns.push_back({"note", ColumnType::kText});
  auto server = restart_with(path.string(), altered);
  EXPECT_EQ(server->registry().size(), 0u);
  EXPECT_EQ(get(*server, "/v1/shape?table=tasks&offset=0_inf&handle=" + handle).status, 409);
  std::filesystem::remove(path);
}

TEST(SnapshotVisibility, WidensThirtyTwoBitXidsAroundXmax) {
  EXPECT_TRUE(visible_in_snapshot(5, 10, 12, {}));
  EXPECT_TRUE(visible_in_snapshot(10, 10, 12, {}));    // < xmax, not in progress
  EXPECT_FALSE(visible_in_snapshot(11, 10, 12, {11}));  // in progress
  EXPECT_FALSE(visible_in_snapshot(12, 10, 12, {}));    // not yet started
  uint64_t epoch1 = uint64_t{1} << 32;
  // Epoch 1, xmin/xmax just past the 32-bit wrap; a 32-bit xid from before the wrap is old.
  EXPECT_TRUE(visible_in_snapshot(0xfffffff0u, epoch1 + 5, epoch1 + 6, {}));
  EXPECT_FALSE(visible_in_snapshot(7, epoch1 + 5, epoch1 + 6, {}));  // epoch1 + 7: the future
}

}  // namespace
}  // namespace shapesim
