// ClientEngine against the real server core in-process (no network): optimistic writes
// confirmed without flicker, a refused write rolled back while the queue moves on, and a
// restart that resumes from the local file without refetching.
#include "reference/client/client_engine_fixture.h"

namespace shapesim::testing_rig {
namespace {

TEST_F(ClientEngineTest, AnOptimisticInsertIsConfirmedByItsTxidWithoutFlicker) {
  exchange();
  ASSERT_TRUE(engine->state().visible_row("tasks", key_of(1)).has_value());
  (void)engine->state().take_changes();
  uint64_t seq = transact("t1", {{Op::kInsert, "tasks", key_of(2), {{"id", "2"}, {"title", "two"}}}},
                          {{{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 2}, {"title", "two"}}}}});
  auto shown = engine->state().visible_row("tasks", key_of(2));
  ASSERT_TRUE(shown.has_value());
  EXPECT_FALSE(shown->synced);
  EXPECT_EQ(local->load()->size(), 1u);  // persisted in the outbox
  exchange();
  EXPECT_EQ(engine->state().transaction(seq)->status, TxStatus::kCompleted);
  EXPECT_TRUE(engine->state().visible_row("tasks", key_of(2))->synced);
  auto changes = engine->state().take_changes();
  ASSERT_EQ(changes.size(), 1u);  // appeared once; confirming it changed nothing visible
  EXPECT_FALSE(changes[0].before.has_value());
  EXPECT_EQ(local->load()->size(), 0u);
  EXPECT_EQ(local->load_shape("tasks")->rows.size(), 2u);
}

TEST_F(ClientEngineTest, ARefusedWriteRollsBackAndTheNextOneGoes) {
  exchange();
  // Inserting id 1 again: the server refuses (400); the transaction after it still commits.
  uint64_t bad = transact("bad", {{Op::kInsert, "tasks", key_of(1), {{"id", "1"}, {"title", "dup"}}}},
                          {{{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 1}, {"title", "dup"}}}}});
  uint64_t good = transact("good", {{Op::kInsert, "tasks", key_of(3), {{"id", "3"}, {"title", "three"}}}},
                           {{{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 3}, {"title", "three"}}}}});
  EXPECT_EQ(engine->state().visible_row("tasks", key_of(1))->row.at("title"), "dup");
  exchange();
  EXPECT_EQ(engine->state().transaction(bad)->status, TxStatus::kFailed);
  EXPECT_NE(engine->state().transaction(bad)->error.find("HTTP 400"), std::string::npos);
  EXPECT_EQ(engine->state().visible_row("tasks", key_of(1))->row.at("title"), "one");
  EXPECT_EQ(engine->state().transaction(good)->status, TxStatus::kCompleted);
  EXPECT_TRUE(engine->state().visible_row("tasks", key_of(3)).has_value());
}

TEST_F(ClientEngineTest, ARestartResumesFromTheLocalFileAndResendsQueuedWrites) {
  exchange();
  // A write queued but never sent (the app died first).
  transact("queued", {{Op::kInsert, "tasks", key_of(5), {{"id", "5"}, {"title", "five"}}}},
           {{{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 5}, {"title", "five"}}}}});
  for (const auto& [id, _] : in_flight) server->cancel(id);  // its connections closed with it
  in_flight.clear();
  open_engine();
  EXPECT_TRUE(engine->state().visible_row("tasks", key_of(1)).has_value());  // rows from the file
  EXPECT_EQ(engine->outbox().size(), 1u);
  stream_offsets.clear();
  exchange();
  ASSERT_FALSE(stream_offsets.empty());
  EXPECT_NE(stream_offsets.front(), "-1");  // resumed, not refetched
  EXPECT_EQ(engine->outbox().size(), 0u);
  EXPECT_TRUE(engine->state().visible_row("tasks", key_of(5)).has_value());  // sent and synced
  EXPECT_TRUE(server->store().find_batch("queued")->has_value());
}

TEST_F(ClientEngineTest, TransactErrorsPersistNothing) {
  EXPECT_FALSE(engine->transact("", {{Op::kInsert, "tasks", key_of(7), {{"id", "7"}}}}, "{}").ok());  // no id
  EXPECT_FALSE(engine->transact("x", {{Op::kInsert, "other", "k", {}}}, "{}").ok());
  EXPECT_FALSE(engine->transact("x", {{Op::kInsert, "tasks", key_of(7), {}}, {Op::kInsert, "tasks", key_of(7), {}}}, "{}").ok());
  EXPECT_EQ(local->load()->size(), 0u);
  ASSERT_TRUE(engine->transact("y", {{Op::kInsert, "tasks", key_of(9), {{"id", "9"}}}}, "{}").ok());
  EXPECT_FALSE(engine->transact("y", {{Op::kInsert, "tasks", key_of(8), {{"id", "8"}}}}, "{}").ok());  // id reused
  EXPECT_EQ(local->load()->size(), 1u);
}


TEST_F(ClientEngineTest, ADataVersionChangePurgesAndResyncsButTheFirstOneIsOnlyStored) {
  exchange();
  auto first = engine->observe_data_version("v1");
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(*first);  // first run: stored, nothing purged
  EXPECT_TRUE(engine->state().visible_row("tasks", key_of(1)).has_value());
  EXPECT_FALSE(*engine->observe_data_version("v1"));
  uint64_t pending = transact("p", {{Op::kInsert, "tasks", key_of(7), {{"id", "7"}}}},
                              {{{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 7}}}}});
  EXPECT_TRUE(*engine->observe_data_version("v2"));
  EXPECT_TRUE(engine->state().visible("tasks").empty());
  EXPECT_EQ(engine->state().transaction(pending)->status, TxStatus::kFailed);
  EXPECT_TRUE(local->load_shape("tasks")->rows.empty());
  EXPECT_FALSE(local->load_shape("tasks")->position.has_value());  // never resumes from the old offset
  EXPECT_EQ(*local->get("data_version"), std::optional<std::string>("v2"));
  EXPECT_EQ(engine->outbox().size(), 0u);  // its queued write is dropped, not sent
  auto resync = engine->poll(now);
  ASSERT_TRUE(resync.has_value());
  EXPECT_EQ(resync->kind, ClientEngine::Kind::kStream);
  EXPECT_EQ(resync->request.query.at("offset"), "-1");
  // A restart remembers the version: the same one purges nothing.
  open_engine();
  EXPECT_FALSE(*engine->observe_data_version("v2"));
}

TEST_F(ClientEngineTest, AnotherUserNeverSendsThePreviousUsersWrites) {
  ASSERT_TRUE(engine->switch_user("alice").ok());
  transact("a1", {{Op::kInsert, "tasks", key_of(4), {{"id", "4"}}}}, {{{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", 4}}}}});
  auto settled = engine->switch_user("bob");
  ASSERT_TRUE(settled.ok());
  EXPECT_EQ(*settled, std::vector<std::string>{"a1"});
  EXPECT_EQ(engine->outbox().size(), 0u);
  exchange();
  EXPECT_FALSE(server->store().find_batch("a1")->has_value());
  EXPECT_FALSE(engine->state().visible_row("tasks", key_of(4)).has_value());
}

}  // namespace
}  // namespace shapesim::testing_rig
