// LiveView: live queries over the visible rows: an optimistic write shows at once, a rollback
// retracts it, a confirmation changes nothing a query can see.
#include "reference/client/live_view.h"

#include <gtest/gtest.h>

namespace shapesim {
namespace {

using namespace shapesim::query;
using Op = LocalMutation::Op;

StreamUpdate synced_insert(const std::string& id, const std::string& done, uint64_t txid) {
  StreamUpdate u;
  ChangeMessage c;
  c.key = "k" + id;
  c.op = Operation::kInsert;
  c.value = {{"id", id}, {"done", done}};
  c.txids = {txid};
  c.lsn = txid;
  c.op_position = 0;
  u.changes.push_back(c);
  u.accepted = true;
  return u;
}

std::vector<std::string> ids(const LiveQuery& q) {
  std::vector<std::string> out;
  for (const auto& r : q.rows()) out.push_back(*r.values[0].as_string());
  return out;
}

TEST(LiveViewTest, LiveQueriesSeeOptimisticRowsAndTheirRollback) {
  OptimisticState state;
  state.add_collection("tasks");
  Database db;
  auto view = LiveView::create(db, "tasks", {"id", "done"}, {"id"});
  ASSERT_TRUE(view.ok());
  LiveQuery& open = **db.live(from(*view->collection()).where(eq(col("done"), "f")));
  int notifications = 0;
  open.subscribe([&](const std::vector<ResultChange>&) { ++notifications; });
  state.apply_synced("tasks", synced_insert("1", "f", 1));
  ASSERT_TRUE(view->apply(state.take_changes()).ok());
  EXPECT_EQ(ids(open), std::vector<std::string>{"1"});
  // Optimistic: at once.
  auto seq = state.commit("t", {{Op::kInsert, "tasks", "k2", {{"id", "2"}, {"done", "f"}}},
                                {Op::kUpdate, "tasks", "k1", {{"done", "t"}}}});
  ASSERT_TRUE(view->apply(state.take_changes()).ok());
  EXPECT_EQ(ids(open), std::vector<std::string>{"2"});
  // Rolled back: retracted, the synced row is back.
  state.fail(*seq, "refused");
  ASSERT_TRUE(view->apply(state.take_changes()).ok());
  EXPECT_EQ(ids(open), std::vector<std::string>{"1"});
  // Confirmed: no notification at all.
  auto again = state.commit("t2", {{Op::kInsert, "tasks", "k3", {{"id", "3"}, {"done", "f"}}}});
  ASSERT_TRUE(view->apply(state.take_changes()).ok());
  int before = notifications;
  state.acknowledged(*again, 9, Timestamp{Duration::seconds(60)});
  state.apply_synced("tasks", synced_insert("3", "f", 9));
  ASSERT_TRUE(view->apply(state.take_changes()).ok());
  EXPECT_EQ(notifications, before);
  EXPECT_EQ(ids(open).size(), 2u);
}

}  // namespace
}  // namespace shapesim
