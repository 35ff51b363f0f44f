// ClientEngine and what its shape holds, against the real server core in-process: writes
// outside the shape are sent but not shown, an acknowledged write that changes nothing in the
// shape is confirmed by the up-to-date's LSN, updates held behind a pending transaction reach
// the local file only once applied, and queued writes are shown again after a restart.
#include "reference/client/client_engine_fixture.h"

namespace shapesim::testing_rig {
namespace {

json insert_of(int id, const std::string& title) {
  return json::array({{{"op", "insert"}, {"table", "tasks"}, {"value", {{"id", id}, {"title", title}}}}});
}

TEST_F(ClientEngineTest, AWriteOutsideTheShapeIsSentButNotShown) {
  options.shape.where = "title <> 'hidden'";
  options.table = tasks();
  open_engine();
  exchange();
  // An insert the WHERE excludes: queued and sent, nothing shown, nothing to wait for.
  auto seq = engine->transact("outside", {{Op::kInsert, "tasks", key_of(7), {{"id", "7"}, {"title", "hidden"}}}},
                              json({{"id", "outside"}, {"mutations", insert_of(7, "hidden")}}).dump());
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, 0u);
  EXPECT_FALSE(engine->state().visible_row("tasks", key_of(7)).has_value());
  exchange();
  auto outcomes = engine->take_write_outcomes();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].verdict, Outbox::Verdict::kAcknowledged);
  EXPECT_TRUE(server->store().find_batch("outside")->has_value());
  // An update that moves row 1 out of the shape shows as its removal at once, and stays removed.
  uint64_t out = transact("move-out", {{Op::kUpdate, "tasks", key_of(1), {{"title", "hidden"}}}},
                          json::array({{{"op", "update"}, {"table", "tasks"}, {"value", {{"id", 1}, {"title", "hidden"}}}}}));
  ASSERT_NE(out, 0u);
  EXPECT_FALSE(engine->state().visible_row("tasks", key_of(1)).has_value());
  exchange();
  EXPECT_EQ(engine->state().transaction(out)->status, TxStatus::kCompleted);
  EXPECT_FALSE(engine->state().visible_row("tasks", key_of(1)).has_value());
  EXPECT_TRUE(engine->state().synced("tasks").empty());
}

TEST_F(ClientEngineTest, AnAcknowledgedWriteTheShapeNeverCarriesIsConfirmedByTheUpToDatesLsn) {
  // No filter: the optimistic row is shown although the shape (id < 100) will never carry it.
  options.shape.where = "id < 100";
  open_engine();
  exchange();
  uint64_t seq = transact("far", {{Op::kInsert, "tasks", key_of(500), {{"id", "500"}, {"title", "far"}}}}, insert_of(500, "far"));
  EXPECT_TRUE(engine->state().visible_row("tasks", key_of(500)).has_value());
  exchange();
  ASSERT_EQ(engine->state().transaction(seq)->status, TxStatus::kPersisting);  // acknowledged, txid not seen
  ASSERT_TRUE(engine->state().transaction(seq)->commit_lsn.has_value());
  // The live request times out on the server: its up-to-date's global_last_seen_lsn is past the
  // commit, so the write is confirmed (long before the 30 s txid deadline), and the server wins.
  now = now + Duration::seconds(21);
  deliver(server->tick(now));
  EXPECT_EQ(engine->state().transaction(seq)->status, TxStatus::kCompleted);
  EXPECT_FALSE(engine->state().visible_row("tasks", key_of(500)).has_value());
}

TEST_F(ClientEngineTest, UpdatesHeldBehindAPendingTransactionReachTheFileOnlyOnceApplied) {
  exchange();
  auto before = local->load_shape("tasks");
  ASSERT_TRUE(before.ok() && before->position);
  uint64_t mine = transact("mine", {{Op::kInsert, "tasks", key_of(2), {{"id", "2"}, {"title", "two"}}}}, insert_of(2, "two"));
  // Someone else's commit arrives while "mine" is still pending: held back, in memory and on disk.
  commit_elsewhere("theirs", insert_of(3, "three"));
  EXPECT_EQ(engine->state().held_updates("tasks"), 1u);
  auto during = local->load_shape("tasks");
  ASSERT_TRUE(during.ok());
  EXPECT_EQ(during->position, before->position);  // never a position ahead of the rows
  EXPECT_EQ(during->rows.count(key_of(3)), 0u);
  exchange();  // "mine" goes, its txid syncs: the held update is applied with it
  EXPECT_EQ(engine->state().transaction(mine)->status, TxStatus::kCompleted);
  auto after = local->load_shape("tasks");
  ASSERT_TRUE(after.ok() && after->position);
  EXPECT_EQ(after->rows.size(), 3u);
  EXPECT_EQ(after->position->offset, *engine->stream().offset());
  // A restart from that file resumes where the rows are.
  open_engine();
  EXPECT_EQ(engine->state().synced("tasks").size(), 3u);
}

TEST_F(ClientEngineTest, QueuedWritesAreShownAgainAfterARestart) {
  exchange();
  transact("queued", {{Op::kUpdate, "tasks", key_of(1), {{"title", "edited offline"}}}},
           json::array({{{"op", "update"}, {"table", "tasks"}, {"value", {{"id", 1}, {"title", "edited offline"}}}}}));
  for (const auto& [id, _] : in_flight) server->cancel(id);
  in_flight.clear();
  open_engine();  // the app restarts before sending
  auto shown = engine->state().visible_row("tasks", key_of(1));
  ASSERT_TRUE(shown.has_value());
  EXPECT_EQ(shown->row.at("title"), "edited offline");
  EXPECT_FALSE(shown->synced);
  ASSERT_EQ(engine->state().pending().size(), 1u);
  EXPECT_EQ(engine->state().pending()[0]->id, "queued");
  exchange();
  EXPECT_TRUE(engine->state().pending().empty());
  EXPECT_EQ(engine->state().visible_row("tasks", key_of(1))->row.at("title"), "edited offline");
  EXPECT_TRUE(engine->state().visible_row("tasks", key_of(1))->synced);
}

TEST_F(ClientEngineTest, OfflineItTakesTransactionsAndSendsNothingUntilOnline) {
  exchange();
  engine->set_online(false);
  transact("o1", {{Op::kInsert, "tasks", key_of(4), {{"id", "4"}, {"title", "four"}}}}, insert_of(4, "four"));
  EXPECT_FALSE(engine->poll(now).has_value());
  EXPECT_TRUE(engine->state().visible_row("tasks", key_of(4)).has_value());
  engine->set_online(true);
  exchange();
  EXPECT_TRUE(server->store().find_batch("o1")->has_value());
  EXPECT_TRUE(engine->state().pending().empty());
}

}  // namespace
}  // namespace shapesim::testing_rig
