// OptimisticState: transactions, the two layers, hold-back without flicker, cascades,
// timeouts, purge; and a RapidCheck model: after every step the visible rows equal the synced
// rows with the pending transactions applied in commit order.
#include "reference/client/optimistic_state.h"

#include "reference/client/live_view.h"
#include "reference/query/evaluate.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

namespace shapesim {
namespace {

using Op = LocalMutation::Op;

WireRow row(const std::string& title) { return WireRow{{"id", "1"}, {"title", title}}; }

// A synced update carrying one change (insert/update/delete) of `key` in transaction `txid`,
// at `position` within it (the log position (txid, position) must be unique).
StreamUpdate synced_change(const std::string& key, Operation op, const WireRow& value, uint64_t txid, uint64_t position = 0) {
  StreamUpdate u;
  ChangeMessage c;
  c.key = key;
  c.op = op;
  c.value = value;
  c.txids = {txid};
  c.lsn = txid;
  c.op_position = position;
  u.changes.push_back(c);
  u.accepted = true;
  return u;
}

class OptimisticStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state.add_collection("tasks");
    state.add_collection("notes");
    state.apply_synced("tasks", synced_change("k1", Operation::kInsert, row("old"), 1));
    (void)state.take_changes();
    (void)state.take_events();
  }
  OptimisticState state;
  Timestamp now{Duration::seconds(100)};
};

TEST_F(OptimisticStateTest, ATransactionOverTwoCollectionsCompletesOnlyWhenEachHasItsChange) {
  auto seq = state.commit("both", {{Op::kUpdate, "tasks", "k1", {{"title", "new"}}}, {Op::kInsert, "notes", "n1", row("note")}});
  ASSERT_TRUE(seq.ok());
  state.acknowledged(*seq, 2, now + Duration::seconds(10));
  (void)state.take_changes();
  // The tasks stream delivers the transaction first: completing now would drop the note's
  // overlay before the notes stream has the note (it would go away and come back).
  state.apply_synced("tasks", synced_change("k1", Operation::kUpdate, row("new"), 2));
  EXPECT_EQ(state.transaction(*seq)->status, TxStatus::kPersisting);
  ASSERT_TRUE(state.visible_row("notes", "n1").has_value());
  EXPECT_TRUE(state.take_changes().empty());  // nothing visible moved
  state.apply_synced("notes", synced_change("n1", Operation::kInsert, row("note"), 2));
  EXPECT_EQ(state.transaction(*seq)->status, TxStatus::kCompleted);
  EXPECT_TRUE(state.visible_row("notes", "n1")->synced);
  EXPECT_TRUE(state.visible_row("tasks", "k1")->synced);
  EXPECT_TRUE(state.take_changes().empty());  // confirmed without a visible change
}

TEST_F(OptimisticStateTest, PurgingOneCollectionFailsItsTransactionsEverywhereAndKeepsTheOthers) {
  state.apply_synced("notes", synced_change("n1", Operation::kInsert, row("note"), 2));
  auto both = state.commit("both", {{Op::kUpdate, "tasks", "k1", {{"title", "mine"}}}, {Op::kInsert, "notes", "n2", row("new")}});
  auto tasks_only = state.commit("tasks-only", {{Op::kInsert, "tasks", "k2", row("two")}});
  ASSERT_TRUE(both.ok() && tasks_only.ok());
  (void)state.take_changes();
  state.purge_collection("notes", "the notes shape was refused");
  EXPECT_EQ(state.transaction(*both)->status, TxStatus::kFailed);
  EXPECT_EQ(state.transaction(*both)->error, "the notes shape was refused");
  EXPECT_EQ(state.transaction(*tasks_only)->status, TxStatus::kPersisting);  // shares no key: goes on
  EXPECT_EQ(state.visible_count("notes"), 0u);
  EXPECT_EQ(state.visible_row("tasks", "k1")->row.at("title"), "old");  // the failed overlay is gone
  EXPECT_TRUE(state.visible_row("tasks", "k2").has_value());
  size_t notes_removed = 0;
  for (const auto& c : state.take_changes()) notes_removed += c.collection == "notes" && !c.after;
  EXPECT_EQ(notes_removed, 2u);  // n1 (synced) and n2 (optimistic) went away
}

TEST_F(OptimisticStateTest, ACommitIsVisibleAtOnceAndCompletesWhenItsTxidSyncs) {
  auto seq = state.commit("t1", {{Op::kUpdate, "tasks", "k1", {{"title", "new"}}}});
  ASSERT_TRUE(seq.ok());
  auto v = state.visible_row("tasks", "k1");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->row.at("title"), "new");
  EXPECT_FALSE(v->synced);
  auto changes = state.take_changes();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].after->at("title"), "new");
  state.acknowledged(*seq, 2, now + Duration::seconds(10));
  EXPECT_EQ(state.transaction(*seq)->status, TxStatus::kPersisting);  // acknowledged, not yet synced
  state.apply_synced("tasks", synced_change("k1", Operation::kUpdate, {{"title", "new"}}, 2));
  EXPECT_EQ(state.transaction(*seq)->status, TxStatus::kCompleted);
  v = state.visible_row("tasks", "k1");
  EXPECT_EQ(v->row.at("title"), "new");
  EXPECT_TRUE(v->synced);
  EXPECT_TRUE(state.take_changes().empty());  // optimistic -> confirmed is not a change
  auto events = state.take_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].status, TxStatus::kPersisting);
  EXPECT_EQ(events[1].status, TxStatus::kCompleted);
}

TEST_F(OptimisticStateTest, SyncedUpdatesWaitWhileATransactionIsPersistingSoNothingFlickers) {
  auto seq = state.commit("t1", {{Op::kUpdate, "tasks", "k1", {{"title", "new"}}}});
  (void)state.take_changes();
  // Another client's change to k1 (still "old" title, other column) and a new row arrive first.
  state.apply_synced("tasks", synced_change("k2", Operation::kInsert, row("other"), 5));
  EXPECT_EQ(state.held_updates("tasks"), 1u);
  EXPECT_FALSE(state.visible_row("tasks", "k2").has_value());
  state.acknowledged(*seq, 6, now + Duration::seconds(10));
  state.apply_synced("tasks", synced_change("k1", Operation::kUpdate, {{"title", "new"}}, 6));
  // One step: held updates applied, overlay dropped; k1 never showed "old" again.
  EXPECT_EQ(state.held_updates("tasks"), 0u);
  EXPECT_EQ(state.transaction(*seq)->status, TxStatus::kCompleted);
  for (const auto& c : state.take_changes()) {
    if (c.key == "k1") ADD_FAILURE() << "k1 changed visibly on confirmation";
  }
  EXPECT_TRUE(state.visible_row("tasks", "k2").has_value());
  // Other collections are not held back.
  ASSERT_TRUE(state.commit("t2", {{Op::kInsert, "notes", "n1", row("note")}}).ok());
  state.apply_synced("tasks", synced_change("k3", Operation::kInsert, row("t3"), 7));
  EXPECT_TRUE(state.visible_row("tasks", "k3").has_value());
}

TEST_F(OptimisticStateTest, AFailureRollsBackItsTransactionAndThoseBuiltOnIt) {
  auto t1 = state.commit("t1", {{Op::kUpdate, "tasks", "k1", {{"title", "a"}}}});
  auto t2 = state.commit("t2", {{Op::kUpdate, "tasks", "k1", {{"title", "b"}}}, {Op::kInsert, "tasks", "k9", row("nine")}});
  auto t3 = state.commit("t3", {{Op::kInsert, "notes", "n1", row("note")}});
  auto t4 = state.commit("t4", {{Op::kDelete, "tasks", "k9", {}}});  // built on t2's insert
  EXPECT_EQ(state.visible_row("tasks", "k1")->row.at("title"), "b");
  state.fail(*t1, "HTTP 403: not allowed");
  EXPECT_EQ(state.transaction(*t1)->status, TxStatus::kFailed);
  EXPECT_EQ(state.transaction(*t2)->status, TxStatus::kFailed);
  EXPECT_EQ(state.transaction(*t4)->status, TxStatus::kFailed);
  EXPECT_EQ(state.transaction(*t3)->status, TxStatus::kPersisting);
  EXPECT_EQ(state.transaction(*t2)->error, "rolled back with transaction t1: HTTP 403: not allowed");
  EXPECT_EQ(state.visible_row("tasks", "k1")->row.at("title"), "old");
  EXPECT_TRUE(state.visible_row("tasks", "k1")->synced);
  EXPECT_FALSE(state.visible_row("tasks", "k9").has_value());
  EXPECT_TRUE(state.visible_row("notes", "n1").has_value());
}

TEST_F(OptimisticStateTest, AnAcknowledgedTransactionWhoseTxidNeverSyncsTimesOut) {
  auto seq = state.commit("t1", {{Op::kDelete, "tasks", "k1", {}}});
  EXPECT_FALSE(state.visible_row("tasks", "k1").has_value());
  state.acknowledged(*seq, 42, now + Duration::seconds(5));
  EXPECT_EQ(state.wake_at(), now + Duration::seconds(5));
  state.tick(now + Duration::seconds(4));
  EXPECT_EQ(state.transaction(*seq)->status, TxStatus::kPersisting);
  state.tick(now + Duration::seconds(5));
  EXPECT_EQ(state.transaction(*seq)->status, TxStatus::kFailed);
  EXPECT_EQ(state.transaction(*seq)->error, "txid 42 was not synced in time");
  EXPECT_TRUE(state.visible_row("tasks", "k1").has_value());
}

TEST_F(OptimisticStateTest, CommitErrorsChangeNothing) {
  EXPECT_FALSE(state.commit("x", {}).ok());
  EXPECT_FALSE(state.commit("x", {{Op::kInsert, "nope", "k", row("r")}}).ok());
  EXPECT_FALSE(state.commit("x", {{Op::kInsert, "tasks", "k5", row("a")}, {Op::kInsert, "tasks", "k5", row("b")}}).ok());
  EXPECT_FALSE(state.commit("x", {{Op::kInsert, "tasks", "k5", row("a")}, {Op::kDelete, "tasks", "k5", {}}}).ok());  // nets to nothing
  EXPECT_TRUE(state.pending().empty());
  EXPECT_TRUE(state.take_changes().empty());
}

TEST_F(OptimisticStateTest, PurgeDropsEverythingAndFailsWhatWasPending) {
  auto seq = state.commit("t1", {{Op::kInsert, "notes", "n1", row("note")}});
  (void)state.take_changes();
  state.purge("permission changed");
  EXPECT_EQ(state.transaction(*seq)->status, TxStatus::kFailed);
  EXPECT_EQ(state.transaction(*seq)->error, "permission changed");
  EXPECT_TRUE(state.visible("tasks").empty());
  EXPECT_TRUE(state.synced("tasks").empty());
  EXPECT_EQ(state.take_changes().size(), 2u);  // k1 and n1 went away
}

TEST(MergeMutationsTest, MergesPerKeyInOrder) {
  auto m = merge_mutations({{Op::kInsert, "t", "a", {{"x", "1"}}},
                            {Op::kUpdate, "t", "a", {{"y", "2"}}},
                            {Op::kUpdate, "t", "b", {{"x", "1"}}},
                            {Op::kDelete, "t", "b", {}},
                            {Op::kDelete, "t", "c", {}},
                            {Op::kInsert, "t", "c", {{"x", "9"}}}});
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->size(), 3u);
  EXPECT_EQ((*m)[0].op, Op::kInsert);
  EXPECT_EQ((*m)[0].value, (WireRow{{"x", "1"}, {"y", "2"}}));
  EXPECT_EQ((*m)[1].op, Op::kDelete);
  EXPECT_EQ((*m)[2].op, Op::kUpdate);
  EXPECT_EQ((*m)[2].value, (WireRow{{"x", "9"}}));
  EXPECT_FALSE(merge_mutations({{Op::kDelete, "t", "a", {}}, {Op::kUpdate, "t", "a", {}}}).ok());
}

// The model: synced rows (what the engine applied) with the pending transactions applied in
// commit order is what a reader sees; with nothing pending, the synced rows are every synced
// update in arrival order (nothing held back forever, nothing lost); and a live query over what
// is visible (LiveView) equals evaluate() of the same query from scratch.
RC_GTEST_PROP(OptimisticStateModel, VisibleIsSyncedPlusPendingInOrder, ()) {
  OptimisticState state;
  const std::vector<std::string> collections = {"a", "b"};
  for (const auto& c : collections) state.add_collection(c);
  query::Database db;
  auto view = LiveView::create(db, "a", {"id", "v"}, {"id"});
  RC_ASSERT(view.ok());
  // Rows whose v sorts above "5" (text), ordered by v then key.
  query::Query q = query::from(*view->collection()).where(query::gt(query::col("v"), query::lit(Value(std::string("5")))));
  auto live = db.live(q);
  RC_ASSERT(live.ok());
  std::map<std::string, std::map<std::string, WireRow>> all_synced;  // every synced update applied
  uint64_t next_txid = 1;
  std::vector<uint64_t> seqs;
  Timestamp now{Duration::seconds(1)};
  int steps = *rc::gen::inRange(1, 60);
  for (int step = 0; step < steps; ++step) {
    int action = *rc::gen::inRange(0, 6);
    std::string coll = collections[*rc::gen::inRange<size_t>(0, collections.size())];
    std::string key = "k" + std::to_string(*rc::gen::inRange(0, 4));
    std::string value = std::to_string(*rc::gen::inRange(0, 100));
    if (action <= 1) {  // a local transaction of one or two mutations
      std::vector<LocalMutation> ms;
      int n = *rc::gen::inRange(1, 3);
      for (int i = 0; i < n; ++i) {
        std::string k = "k" + std::to_string(*rc::gen::inRange(0, 4));
        auto op = static_cast<Op>(*rc::gen::inRange(0, 3));
        WireRow row = op == Op::kDelete ? WireRow{} : op == Op::kInsert ? WireRow{{"id", k}, {"v", value}} : WireRow{{"v", value}};
        ms.push_back({op, collections[*rc::gen::inRange<size_t>(0, 2)], k, std::move(row)});
      }
      auto seq = state.commit("tx" + std::to_string(step), ms);
      if (seq.ok()) seqs.push_back(*seq);
    } else if (action == 2 && !seqs.empty()) {  // the server acknowledges one; maybe its txid syncs
      uint64_t seq = seqs[*rc::gen::inRange<size_t>(0, seqs.size())];
      const LocalTransaction* tx = state.transaction(seq);
      if (tx && tx->status == TxStatus::kPersisting && !tx->txid) {
        uint64_t txid = next_txid++;
        state.acknowledged(seq, txid, now + Duration::seconds(30));
        if (*rc::gen::arbitrary<bool>()) {
          // The server applied its mutations: the synced stream carries them with its txid.
          uint64_t position = 0;
          for (const auto& m : tx->mutations) {
            auto& rows = all_synced[m.collection];
            Operation op = m.op == Op::kDelete ? Operation::kDelete : rows.count(m.key) ? Operation::kUpdate : Operation::kInsert;
            if (m.op == Op::kUpdate && !rows.count(m.key)) continue;  // the server's update found no row
            if (m.op == Op::kDelete && !rows.count(m.key)) continue;
            StreamUpdate u = synced_change(m.key, op, m.value, txid, 2 * position++);
            if (op == Operation::kDelete) rows.erase(m.key); else for (const auto& [c, v] : m.value) rows[m.key][c] = v;
            state.apply_synced(m.collection, u);
          }
          // A transaction whose changes all came to nothing still confirms its txid.
          StreamUpdate marker;
          state.apply_synced(tx->mutations[0].collection, marker);
        }
      }
    } else if (action == 3 && !seqs.empty()) {  // one fails
      state.fail(seqs[*rc::gen::inRange<size_t>(0, seqs.size())], "refused");
    } else if (action == 4) {  // another client's change arrives
      auto& rows = all_synced[coll];
      uint64_t txid = next_txid++;
      Operation op = rows.count(key) ? (*rc::gen::arbitrary<bool>() ? Operation::kUpdate : Operation::kDelete) : Operation::kInsert;
      WireRow v = op == Operation::kDelete ? WireRow{} : WireRow{{"id", key}, {"v", value}};
      if (op == Operation::kDelete) rows.erase(key); else for (const auto& [c, x] : v) rows[key][c] = x;
      state.apply_synced(coll, synced_change(key, op, v, txid));
    } else {  // time passes
      now = now + Duration::seconds(*rc::gen::inRange(1, 40));
      state.tick(now);
    }
    RC_ASSERT(view->apply(state.take_changes()).ok());
    auto scratch = query::evaluate(q);
    RC_ASSERT(scratch.ok());
    RC_ASSERT((*live)->rows() == *scratch);
    // The property.
    for (const auto& c : collections) {
      std::map<std::string, WireRow> expected = state.synced(c);
      for (const LocalTransaction* tx : state.pending()) {
        for (const auto& m : tx->mutations) {
          if (m.collection != c) continue;
          if (m.op == Op::kInsert) expected[m.key] = m.value;
          else if (m.op == Op::kDelete) expected.erase(m.key);
          else if (expected.count(m.key)) for (const auto& [col, v] : m.value) expected[m.key][col] = v;
        }
      }
      std::map<std::string, WireRow> actual;
      for (const auto& [k, v] : state.visible(c)) actual[k] = v.row;
      RC_ASSERT(actual == expected);
      if (state.pending().empty()) {
        RC_ASSERT(state.held_updates(c) == 0u);
        RC_ASSERT(state.synced(c) == all_synced[c]);
      }
    }
  }
}

}  // namespace
}  // namespace shapesim
