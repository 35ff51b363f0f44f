// ClientEngine syncing two collections (tasks and projects) from their own shapes, against the
// real server core: one transaction across both is one write confirmed by one txid, a refused
// one rolls back in both, a restart resumes both from the file, a purge clears both.
#include "reference/client/client_engine_fixture.h"

namespace shapesim::testing_rig {
namespace {

class TwoCollections : public ClientEngineTest {
 protected:
  void SetUp() override {
    options.more_collections = {CollectionSync{.collection = "projects", .shape = {.table = "projects"}}};
    ClientEngineTest::SetUp();
  }

  static json insert_task(int id, const std::string& title) {
    return {{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", id}, {"title", title}}}};
  }
  static json insert_project(int id, const std::string& name) {
    return {{"op", "insert"}, {"table", "projects"}, {"value", {{"id", id}, {"name", name}}}};
  }
};

TEST_F(TwoCollections, EachCollectionSyncsFromItsOwnShapeIntoTheFile) {
  EXPECT_EQ(engine->collections(), (std::vector<std::string>{"tasks", "projects"}));
  exchange();
  commit_elsewhere("elsewhere", json::array({insert_task(2, "two"), insert_project(10, "roadmap")}));
  exchange();
  EXPECT_EQ(engine->state().visible("tasks").size(), 2u);
  ASSERT_EQ(engine->state().visible("projects").size(), 1u);
  EXPECT_EQ(engine->state().visible_row("projects", project_key(10))->row.at("name"), "roadmap");
  EXPECT_TRUE(engine->stream("projects").up_to_date());
  EXPECT_NE(engine->stream("projects").handle(), engine->stream("tasks").handle());
  EXPECT_EQ(local->load_shape("tasks")->rows.size(), 2u);
  EXPECT_EQ(local->load_shape("projects")->rows.size(), 1u);
}

TEST_F(TwoCollections, ATransactionOverBothIsOneWriteConfirmedByOneTxidWithoutFlicker) {
  exchange();
  (void)engine->state().take_changes();
  uint64_t seq = transact("both",
                          {{Op::kInsert, "projects", project_key(7), {{"id", "7"}, {"name", "launch"}}},
                           {Op::kInsert, "tasks", key_of(8), {{"id", "8"}, {"title", "plan launch"}}}},
                          json::array({insert_project(7, "launch"), insert_task(8, "plan launch")}));
  EXPECT_FALSE(engine->state().visible_row("projects", project_key(7))->synced);
  EXPECT_FALSE(engine->state().visible_row("tasks", key_of(8))->synced);
  EXPECT_EQ(engine->outbox().size(), 1u);  // one write for both collections
  exchange();
  EXPECT_EQ(engine->state().transaction(seq)->status, TxStatus::kCompleted);
  EXPECT_TRUE(engine->state().visible_row("projects", project_key(7))->synced);
  EXPECT_TRUE(engine->state().visible_row("tasks", key_of(8))->synced);
  auto changes = engine->state().take_changes();
  ASSERT_EQ(changes.size(), 2u);  // each row appeared once; the confirmation changed nothing visible
  for (const auto& c : changes) EXPECT_FALSE(c.before.has_value());
  EXPECT_EQ(engine->outbox().size(), 0u);
  EXPECT_EQ(local->load_shape("projects")->rows.size(), 1u);
}

TEST_F(TwoCollections, ARefusedTransactionRollsBackInBothCollections) {
  exchange();
  // Task 1 exists: the server refuses the whole write, so the new project goes away too.
  uint64_t seq = transact("refused",
                          {{Op::kInsert, "projects", project_key(3), {{"id", "3"}, {"name", "doomed"}}},
                           {Op::kInsert, "tasks", key_of(1), {{"id", "1"}, {"title", "duplicate"}}}},
                          json::array({insert_project(3, "doomed"), insert_task(1, "duplicate")}));
  EXPECT_TRUE(engine->state().visible_row("projects", project_key(3)).has_value());
  exchange();
  EXPECT_EQ(engine->state().transaction(seq)->status, TxStatus::kFailed);
  EXPECT_FALSE(engine->state().visible_row("projects", project_key(3)).has_value());
  EXPECT_EQ(engine->state().visible_row("tasks", key_of(1))->row.at("title"), "one");
}

TEST_F(TwoCollections, ARestartResumesEveryCollectionFromTheFile) {
  exchange();
  commit_elsewhere("elsewhere", json::array({insert_project(4, "kept")}));
  exchange();
  for (const auto& [id, _] : in_flight) server->cancel(id);
  in_flight.clear();
  open_engine();
  EXPECT_TRUE(engine->state().visible_row("projects", project_key(4)).has_value());  // from the file
  EXPECT_TRUE(engine->state().visible_row("tasks", key_of(1)).has_value());
  stream_offsets.clear();
  exchange();
  ASSERT_EQ(stream_offsets.size(), 2u);  // one live request per collection
  for (const auto& offset : stream_offsets) EXPECT_NE(offset, "-1");  // resumed, not refetched
}

TEST_F(TwoCollections, APermissionChangePurgesEveryCollectionAndTheFile) {
  exchange();
  commit_elsewhere("elsewhere", json::array({insert_project(5, "gone")}));
  exchange();
  ASSERT_FALSE(*engine->observe_data_version("v1"));
  ASSERT_TRUE(*engine->observe_data_version("v2"));
  EXPECT_EQ(engine->state().visible("projects").size(), 0u);
  EXPECT_EQ(engine->state().visible("tasks").size(), 0u);
  EXPECT_TRUE(local->load_shape("projects")->rows.empty());
  EXPECT_TRUE(local->load_shape("tasks")->rows.empty());
  exchange();  // both resync from scratch
  EXPECT_EQ(engine->state().visible("projects").size(), 1u);
  EXPECT_EQ(engine->state().visible("tasks").size(), 1u);
}

TEST_F(TwoCollections, TransactionsOnlyNameCollectionsTheEngineSyncs) {
  auto seq = engine->transact("x", {{Op::kInsert, "notes", "\"public\".\"notes\"/\"1\"", {{"id", "1"}}}}, "{}");
  ASSERT_FALSE(seq.ok());
  EXPECT_EQ(seq.status().message(), "no collection named notes");
  EXPECT_EQ(engine->outbox().size(), 0u);  // nothing persisted
}

TEST(ClientEngineCollections, CollectionNamesAreDistinctAndNeedAShape) {
  ClientEngineOptions twice{.collection = "tasks", .shape = {.table = "tasks"}};
  twice.more_collections = {CollectionSync{.collection = "tasks", .shape = {.table = "tasks"}}};
  auto e = ClientEngine::open(twice, nullptr, Random(1));
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(), "collection tasks is listed twice");
  ClientEngineOptions writer{.collection = "tasks", .sync = false};
  writer.more_collections = {CollectionSync{.collection = "projects", .shape = {.table = "projects"}}};
  e = ClientEngine::open(writer, nullptr, Random(1));
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(), "a writer without a shape syncs no collections");
}

}  // namespace
}  // namespace shapesim::testing_rig
