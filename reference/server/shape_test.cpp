#include "reference/server/shape.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reference/server/test_tables.h"

namespace shapesim {
namespace {
using namespace shapesim::testing;
using nlohmann::json;

std::unique_ptr<Shape> make(ShapeDefinition d) {
  std::string param;
  auto s = Shape::create(ShapeHandle{"h-1"}, std::move(d), tasks_table(), 1 << 20, param);
  EXPECT_TRUE(s.ok()) << s.status().to_string();
  s.value()->load_snapshot(Snapshot{});
  return std::move(*s);
}

std::vector<json> appended(const Shape& s, LogOffset after = LogOffset::snapshot_end()) {
  std::vector<json> out;
  auto r = s.log().read_after(after);
  for (auto m : r->messages) out.push_back(json::parse(m));
  return out;
}

CommittedTransaction tx(std::vector<ChangeRecord> changes, uint64_t lsn = 500) {
  return CommittedTransaction{Xid{42}, Lsn{lsn}, std::move(changes)};
}
ChangeRecord ins(Row r) { return {"public", "tasks", ChangeKind::kInsert, std::nullopt, std::move(r)}; }
ChangeRecord upd(Row o, Row n) { return {"public", "tasks", ChangeKind::kUpdate, std::move(o), std::move(n)}; }
ChangeRecord del(Row o) { return {"public", "tasks", ChangeKind::kDelete, std::move(o), std::nullopt}; }

TEST(Shape, RoutesInsertsByFilterWithOffsetsAndHeaders) {
  auto s = make({.table = "tasks", .where = "done = false"});
  EXPECT_TRUE(s->append(tx({ins(task(1, "a")), ins(task(2, "b", true)), ins(task(3, "c"))})));
  auto msgs = appended(*s);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0]["key"], "\"public\".\"tasks\"/\"1\"");
  EXPECT_EQ(msgs[0]["value"], json({{"id", "1"}, {"title", "a"}, {"done", "f"}, {"owner", "1"}}));
  EXPECT_EQ(msgs[0]["headers"]["op_position"], 0);
  EXPECT_EQ(msgs[1]["headers"]["op_position"], 4);  // third change of the transaction
  EXPECT_EQ(msgs[1]["headers"]["txids"], json::array({42}));
  EXPECT_EQ(msgs[1]["headers"]["lsn"], "500");
  EXPECT_FALSE(msgs[0]["headers"].contains("last"));
  EXPECT_EQ(msgs[1]["headers"]["last"], true);
  EXPECT_EQ(s->log().head(), (LogOffset{500, 4}));
  EXPECT_FALSE(s->append(tx({ins(task(9, "z", true))}, 600)));  // nothing for this shape
}

TEST(Shape, UpdatesMovingInAndOutBecomeInsertAndDelete) {
  auto s = make({.table = "tasks", .where = "done = false"});
  ASSERT_TRUE(s->append(tx({upd(task(1, "a", true), task(1, "a", false))}, 100)));
  ASSERT_TRUE(s->append(tx({upd(task(1, "a", false), task(1, "a", true))}, 200)));
  auto msgs = appended(*s);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0]["headers"]["operation"], "insert");
  EXPECT_EQ(msgs[0]["value"]["title"], "a");
  EXPECT_EQ(msgs[1]["headers"]["operation"], "delete");
  EXPECT_EQ(msgs[1]["value"], json({{"id", "1"}}));
}

TEST(Shape, DefaultReplicaSendsKeyAndChangedColumnsFullSendsRowAndOldValue) {
  auto def = make({.table = "tasks"});
  ASSERT_TRUE(def->append(tx({upd(task(1, "a"), task(1, "b"))})));
  auto d = appended(*def);
  EXPECT_EQ(d[0]["headers"]["operation"], "update");
  EXPECT_EQ(d[0]["value"], json({{"id", "1"}, {"title", "b"}}));
  EXPECT_FALSE(d[0].contains("old_value"));
  auto full = make({.table = "tasks", .replica = Replica::kFull});
  ASSERT_TRUE(full->append(tx({upd(task(1, "a"), task(1, "b"))})));
  auto f = appended(*full);
  EXPECT_EQ(f[0]["value"].size(), 4u);
  EXPECT_EQ(f[0]["old_value"], json({{"title", "a"}}));
}

TEST(Shape, PrimaryKeyChangeIsDeleteThenInsert) {
  auto s = make({.table = "tasks"});
  ASSERT_TRUE(s->append(tx({ins(task(5, "x")), upd(task(1, "a"), task(2, "a"))})));
  auto msgs = appended(*s);
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(msgs[1]["headers"]["operation"], "delete");
  EXPECT_EQ(msgs[1]["key"], "\"public\".\"tasks\"/\"1\"");
  EXPECT_EQ(msgs[1]["headers"]["op_position"], 2);
  EXPECT_EQ(msgs[2]["headers"]["operation"], "insert");
  EXPECT_EQ(msgs[2]["key"], "\"public\".\"tasks\"/\"2\"");
  EXPECT_EQ(msgs[2]["headers"]["op_position"], 3);
}

TEST(Shape, ColumnsProjectEveryMessageAndMustIncludeThePrimaryKey) {
  auto s = make({.table = "tasks", .columns = {"id", "title"}});
  ASSERT_TRUE(s->append(tx({ins(task(1, "a")), del(task(1, "a"))})));
  auto msgs = appended(*s);
  EXPECT_EQ(msgs[0]["value"], json({{"id", "1"}, {"title", "a"}}));
  std::string param;
  auto bad = Shape::create(ShapeHandle{"x"}, {.table = "tasks", .columns = {"title"}}, tasks_table(), 100, param);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(param, "columns");
  auto bad_where = Shape::create(ShapeHandle{"x"}, {.table = "tasks", .where = "nope = 1"}, tasks_table(), 100, param);
  EXPECT_FALSE(bad_where.ok());
  EXPECT_EQ(param, "where");
}

TEST(Shape, SnapshotHoldsMatchingRowsThenSnapshotEnd) {
  std::string param;
  auto s = *Shape::create(ShapeHandle{"h"}, {.table = "tasks", .where = "owner = 2"}, tasks_table(), 1 << 20, param);
  s->load_snapshot(Snapshot{{task(1, "a", false, 1), task(2, "b", false, 2)}, 7, 9, {8}, Lsn{0}});
  auto r = s->log().read_initial();
  ASSERT_EQ(r.messages.size(), 2u);
  auto row = json::parse(r.messages[0]);
  EXPECT_EQ(row["headers"], json({{"operation", "insert"}, {"relation", {"public", "tasks"}}}));
  auto end = json::parse(r.messages[1]);
  EXPECT_EQ(end["headers"]["control"], "snapshot-end");
  EXPECT_EQ(end["headers"]["xmin"], "7");
  EXPECT_EQ(end["headers"]["xip_list"], json::array({"8"}));
}

}  // namespace
}  // namespace shapesim

namespace shapesim {
namespace {

// The streamed snapshot encoder writes byte-for-byte what encode_message writes.
TEST(Shape, StreamedSnapshotRowsEncodeLikeEncodeMessage) {
  std::string param;
  for (std::vector<std::string> columns : {std::vector<std::string>{}, std::vector<std::string>{"id", "title"}}) {
    auto s = *Shape::create(ShapeHandle{"h"}, {.table = "tasks", .columns = columns}, testing::tasks_table(), 1 << 20, param);
    std::vector<Row> rows = {testing::task(1, "plain"), testing::task(-7, "quote \" slash / back \\ tab \t", true, 3),
                             testing::task(9, "ünïcødé \x01")};
    rows.push_back(Row{{"id", Value(int64_t{10})}, {"title", Value()}, {"done", Value()}, {"owner", Value()}});
    s->load_snapshot(Snapshot{rows, 1, 1, {}, Lsn{0}});
    auto read = s->log().read_initial();
    ASSERT_EQ(read.messages.size(), rows.size() + 1);
    for (size_t i = 0; i < rows.size(); ++i) {
      ChangeMessage expected{.key = s->row_key(rows[i]), .value = s->project(rows[i]), .op = Operation::kInsert,
                             .relation = {"public", "tasks"}};
      EXPECT_EQ(read.messages[i], encode_message(expected));
    }
  }
}

}  // namespace
}  // namespace shapesim
