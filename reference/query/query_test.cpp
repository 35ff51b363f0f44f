// Examples and error paths of the live-query engine (label `query`); the random coverage is
// in live_query_property_test.cpp.
#include <limits>
#include <set>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "reference/common/random.h"
#include "reference/query/database.h"

namespace shapesim::query {
namespace {

class QueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tasks = *db.create_collection("tasks", {"id", "status", "assignee", "created_at"}, {"id"});
    users = *db.create_collection("users", {"id", "name"}, {"id"});
    ASSERT_TRUE(db.insert(*users, {Value(1), Value("ada")}).ok());
    ASSERT_TRUE(db.insert(*users, {Value(2), Value("bob")}).ok());
    for (int64_t id = 1; id <= 5; ++id) {
      ASSERT_TRUE(db.insert(*tasks, {Value(id), Value(id % 2 ? "open" : "done"), Value(id % 2 + 1), Value(100 + id)}).ok());
    }
  }
  Database db;
  Collection* tasks = nullptr;
  Collection* users = nullptr;
};

std::vector<int64_t> ids(const LiveQuery& q, size_t column = 0) {
  std::vector<int64_t> out;
  for (const auto& r : q.rows()) out.push_back(*r.values[column].as_int());
  return out;
}

TEST_F(QueryTest, OrderLimitWindowFollowsInsertsUpdatesAndDeletes) {
  LiveQuery& q = **db.live(from(*tasks).where(eq(col("status"), "open")).order_by(desc(col("created_at"))).limit(2));
  EXPECT_EQ(ids(q), (std::vector<int64_t>{5, 3}));
  std::vector<std::vector<ResultChange>> batches;
  q.subscribe([&](const std::vector<ResultChange>& b) { batches.push_back(b); });
  ASSERT_TRUE(db.update(*tasks, {Value(1), Value("open"), Value(2), Value(200)}).ok());  // 1 becomes the newest
  EXPECT_EQ(ids(q), (std::vector<int64_t>{1, 5}));
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_EQ(batches[0].size(), 2u);  // 1 enters, 3 leaves, in key order
  EXPECT_EQ(batches[0][0].kind, ResultChangeKind::kInsert);
  EXPECT_EQ(batches[0][1].kind, ResultChangeKind::kDelete);
  ASSERT_TRUE(db.remove(*tasks, {Value(5)}).ok());
  EXPECT_EQ(ids(q), (std::vector<int64_t>{1, 3}));
  ASSERT_TRUE(db.update(*tasks, {Value(2), Value("done"), Value(1), Value(999)}).ok());  // not visible: no callback
  EXPECT_EQ(batches.size(), 2u);
}

TEST_F(QueryTest, FiltersAndProjectionsArePushedBelowJoinsWhereThatIsSound) {
  // An inner join: the tasks-only conjunct moves to tasks, the join-spanning one stays, and
  // each source keeps only the columns read above it.
  Query q = from(*tasks, "t")
                .inner_join(*users, "u", col("t.assignee"), col("u.id"))
                .where(and_(eq(col("t.status"), "open"), ne(col("u.name"), col("t.status"))))
                .select({{"id", col("t.id")}, {"name", col("u.name")}});
  auto plan = QueryPlan::make(q, Pushdown::kOn);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  ASSERT_TRUE(plan->sources[0].filter.has_value());
  EXPECT_FALSE(plan->sources[1].filter.has_value());
  ASSERT_TRUE(plan->where.has_value());
  EXPECT_EQ(plan->joined_columns, (std::vector<std::string>{"t.id", "t.status", "t.assignee", "u.id", "u.name"}));
  Query narrow = from(*tasks, "t").inner_join(*users, "u", col("t.assignee"), col("u.id"))
                     .where(eq(col("t.status"), "open")).select({{"id", col("t.id")}, {"name", col("u.name")}});
  auto narrowed = QueryPlan::make(narrow, Pushdown::kOn);
  ASSERT_TRUE(narrowed.ok());
  EXPECT_EQ(narrowed->joined_columns, (std::vector<std::string>{"t.id", "t.assignee", "u.id", "u.name"}));
  EXPECT_FALSE(narrowed->where.has_value());
  auto unpushed = QueryPlan::make(narrow);
  ASSERT_TRUE(unpushed.ok());
  EXPECT_EQ(unpushed->joined_columns.size(), 6u);
  EXPECT_FALSE(unpushed->sources[0].prepared());

  // A left join pads users with NULLs: "u.name IS NULL" must see the padded rows, so it stays
  // above the join (pushed down it would drop ada and bob and pad every task instead).
  Query orphans = from(*tasks, "t").left_join(*users, "u", col("t.assignee"), col("u.id"))
                      .where(and_(is_null(col("u.name")), eq(col("t.status"), "open")))
                      .select({{"id", col("t.id")}});
  auto orphan_plan = QueryPlan::make(orphans, Pushdown::kOn);
  ASSERT_TRUE(orphan_plan.ok());
  EXPECT_TRUE(orphan_plan->sources[0].filter.has_value());
  EXPECT_FALSE(orphan_plan->sources[1].filter.has_value());
  LiveQuery& live = **db.live(orphans);
  EXPECT_TRUE(ids(live).empty());
  ASSERT_TRUE(db.remove(*users, {Value(2)}).ok());  // open tasks are assigned to user 2
  EXPECT_EQ(ids(live), (std::vector<int64_t>{1, 3, 5}));
  ASSERT_TRUE(db.update(*tasks, {Value(3), Value("done"), Value(2), Value(103)}).ok());
  EXPECT_EQ(ids(live), (std::vector<int64_t>{1, 5}));
  EXPECT_EQ(live.rows(), *evaluate(orphans));
}

TEST_F(QueryTest, ATransactionOverTwoCollectionsIsOneConsistentBatch) {
  LiveQuery& q = **db.live(from(*tasks, "t").inner_join(*users, "u", col("t.assignee"), col("u.id"))
                               .select({{"id", col("t.id")}, {"name", col("u.name")}}));
  LiveQuery& names = **db.live(from(*users));
  std::vector<std::string> seen;
  q.subscribe([&](const std::vector<ResultChange>& b) {
    // When the join's callback runs, the other live query has caught up already.
    seen.push_back(std::to_string(b.size()) + " changes, users=" + std::to_string(names.row_count()));
  });
  Transaction tx;
  tx.insert(*users, {Value(3), Value("cy")});
  tx.update(*tasks, {Value(4), Value("done"), Value(3), Value(104)});  // moves to the new user
  tx.update(*users, {Value(1), Value("ada l.")});                      // renames tasks 2 and 4's old owner
  ASSERT_TRUE(db.apply(std::move(tx)).ok());
  ASSERT_EQ(seen.size(), 1u);
  // One batch: (task 2, user 1) updated with the new name; task 4's joined row changes key
  // (its key is (task id, user id)): (4, 1) deleted, (4, 3) inserted.
  EXPECT_EQ(seen[0], "3 changes, users=3");
}

TEST_F(QueryTest, GroupsAggregateAndHavingFilters) {
  LiveQuery& q = **db.live(from(*tasks).group_by({col("assignee")})
                               .select({{"assignee", col("assignee")}, {"n", count()}, {"newest", max(col("created_at"))},
                                        {"mean", avg(col("created_at"))}})
                               .having(gt(col("n"), 2)));
  ASSERT_EQ(q.row_count(), 1u);  // assignee 2 has 3 tasks, assignee 1 has 2
  EXPECT_EQ(q.rows()[0].values, (Tuple{Value(2), Value(3), Value(105), Value(103.0)}));
  ASSERT_TRUE(db.remove(*tasks, {Value(5)}).ok());
  EXPECT_EQ(q.row_count(), 0u);  // 2 tasks left: filtered by having
  LiveQuery& total = **db.live(from(*tasks).where(eq(col("status"), "none")).select({{"n", count()}, {"s", sum(col("id"))}}));
  EXPECT_EQ(total.rows()[0].values, (Tuple{Value(0), Value()}));  // no rows: one group, count 0, sum NULL
}

TEST_F(QueryTest, DistinctFindOneOffsetAndLiveQueriesOverLiveQueries) {
  LiveQuery& statuses = **db.live(from(*tasks).select({{"status", col("status")}}).distinct().order_by(asc(col("status"))));
  ASSERT_EQ(statuses.row_count(), 2u);
  EXPECT_EQ(statuses.rows()[0].values[0], Value("done"));
  LiveQuery& newest = **db.live(from(*tasks).order_by(desc(col("created_at"))).find_one());
  EXPECT_EQ(newest.one()->values[0], Value(5));
  LiveQuery& page = **db.live(from(*tasks).order_by(asc(col("id"))).offset(1).limit(2));
  EXPECT_EQ(ids(page), (std::vector<int64_t>{2, 3}));
  LiveQuery& over = **db.live(from(statuses, "s").where(eq(col("status"), "open")));
  EXPECT_EQ(over.row_count(), 1u);
  ASSERT_TRUE(db.update(*tasks, {Value(1), Value("done"), Value(2), Value(101)}).ok());
  ASSERT_TRUE(db.update(*tasks, {Value(3), Value("done"), Value(2), Value(103)}).ok());
  ASSERT_TRUE(db.update(*tasks, {Value(5), Value("done"), Value(2), Value(105)}).ok());
  EXPECT_EQ(statuses.row_count(), 1u);
  EXPECT_EQ(over.row_count(), 0u);
  EXPECT_FALSE(db.drop(&statuses).ok());  // `over` reads it
  EXPECT_TRUE(db.drop(&over).ok());
  EXPECT_TRUE(db.drop(&statuses).ok());
}

TEST_F(QueryTest, BadQueriesAreRejectedWithTheReason) {
  auto message = [&](const Query& q) {
    auto r = db.live(q);
    return r.ok() ? std::string("accepted") : r.status().message();
  };
  EXPECT_NE(message(from(*tasks).where(eq(col("nope"), 1))).find("unknown column \"nope\""), std::string::npos);
  EXPECT_NE(message(from(*tasks, "t").inner_join(*users, "u", col("t.assignee"), col("u.id")).where(eq(col("id"), 1)))
                .find("ambiguous"),
            std::string::npos);
  EXPECT_NE(message(from(*tasks).group_by({col("assignee")}).select({{"s", col("status")}, {"n", count()}}))
                .find("must be a group_by key or an aggregate"),
            std::string::npos);
  EXPECT_NE(message(from(*tasks).having(gt(col("id"), 1))).find("having needs group_by"), std::string::npos);
  EXPECT_NE(message(from(*tasks, "t").inner_join(*users, "t", col("t.id"), col("t.id"))).find("used twice"), std::string::npos);
  EXPECT_NE(message(from(*tasks).where(gt(count(), 1))).find("outside a grouped select"), std::string::npos);
  EXPECT_NE(message(from(*tasks).select({{"a", col("id")}, {"a", col("status")}})).find("used twice"), std::string::npos);
  EXPECT_FALSE(db.create_collection("tasks", {"id"}, {"id"}).ok());
  EXPECT_FALSE(db.create_collection("x", {"id"}, {"key"}).ok());
}

TEST_F(QueryTest, AFailedTransactionChangesNothingAndNotifiesNoOne) {
  LiveQuery& q = **db.live(from(*tasks));
  int callbacks = 0;
  q.subscribe([&](const std::vector<ResultChange>&) { ++callbacks; });
  Transaction tx;
  tx.update(*tasks, {Value(1), Value("changed"), Value(1), Value(1)});
  tx.insert(*tasks, {Value(2), Value("dup"), Value(1), Value(1)});  // key 2 exists: the whole transaction fails
  Status st = db.apply(std::move(tx));
  EXPECT_EQ(st.code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ((*tasks->find({Value(1)}))[1], Value("open"));
  EXPECT_EQ(callbacks, 0);
  EXPECT_EQ(db.update(*tasks, {Value(9), Value("x"), Value(1), Value(1)}).code(), ErrorCode::kNotFound);
  EXPECT_EQ(db.remove(*tasks, {Value(9)}).code(), ErrorCode::kNotFound);
  EXPECT_EQ(db.insert(*tasks, {Value(9)}).code(), ErrorCode::kInvalidArgument);  // wrong width
  EXPECT_EQ(q.row_count(), 5u);
}

TEST(Expressions, FollowSqlNullLogicAndArithmetic) {
  std::vector<std::string> cols = {"t.a", "t.b", "t.s"};
  Tuple row = {Value(7), Value(), Value("Abc")};
  auto eval = [&](const Expr& e) { return BoundExpr::bind(e, cols)->eval(row); };
  EXPECT_EQ(eval(eq(col("b"), 1)), Value());                           // NULL = 1 is NULL
  EXPECT_EQ(eval(and_(eq(col("b"), 1), lit(Value(false)))), Value(false));  // NULL AND false
  EXPECT_EQ(eval(or_(eq(col("b"), 1), lit(Value(true)))), Value(true));
  EXPECT_EQ(eval(in(col("a"), {1, null_value()})), Value());            // not found, a NULL in the list
  EXPECT_EQ(eval(div(col("a"), 2)), Value(3));                          // integer division
  EXPECT_EQ(eval(div(col("a"), 0)), Value());                           // no error: NULL
  EXPECT_EQ(eval(div(col("a"), 2.0)), Value(3.5));
  EXPECT_EQ(eval(add(lit(Value(INT64_MAX)), 1)), Value());              // overflow: NULL
  EXPECT_EQ(eval(upper(col("s"))), Value("ABC"));
  EXPECT_EQ(eval(ilike(col("s"), "a%")), Value(true));
  EXPECT_EQ(eval(concat({col("s"), col("b"), col("a")})), Value("Abc7"));
  EXPECT_EQ(eval(coalesce({col("b"), col("a")})), Value(7));
  EXPECT_EQ(eval(eq(lit(Value(1)), lit(Value(1.0)))), Value(true));     // numbers compare by value
}

TEST(ValueOrder, IsTotalAndIntDoubleExact) {
  EXPECT_LT(compare_values(Value(), Value(false)), 0);
  EXPECT_LT(compare_values(Value(true), Value(-5)), 0);
  EXPECT_GT(compare_values(Value(int64_t{9007199254740993}), Value(9007199254740992.0)), 0);  // exact, not rounded
  EXPECT_EQ(compare_values(Value(2), Value(2.0)), 0);
  EXPECT_EQ(hash_value(Value(2)), hash_value(Value(2.0)));
  EXPECT_LT(compare_values(Value(1e300), Value(std::numeric_limits<double>::quiet_NaN())), 0);
  EXPECT_LT(compare_values(Value(5), Value("")), 0);
}

// SortedBlocks against std::set under random inserts and erases (ranks and select).
RC_GTEST_PROP(SortedBlocksProperty, RanksMatchAnOrderedSet, (uint64_t seed)) {
  Random r(seed);
  SortedBlocks<int64_t, std::less<int64_t>> blocks;
  std::set<int64_t> reference;
  if (r.bernoulli(0.5)) {
    std::vector<std::unique_ptr<int64_t>> initial;
    for (int64_t v = 0; v < static_cast<int64_t>(r.uniform(0, 2000)); v += 3) {
      initial.push_back(std::make_unique<int64_t>(v));
      reference.insert(v);
    }
    blocks.bulk_load(std::move(initial));
  }
  for (int step = 0; step < 3000; ++step) {
    auto v = static_cast<int64_t>(r.uniform(0, 3000));
    if (reference.count(v)) {
      size_t rank = static_cast<size_t>(std::distance(reference.begin(), reference.find(v)));
      RC_ASSERT(blocks.erase(v) == rank);
      reference.erase(v);
    } else {
      reference.insert(v);
      size_t rank = static_cast<size_t>(std::distance(reference.begin(), reference.find(v)));
      RC_ASSERT(blocks.insert(std::make_unique<int64_t>(v)) == rank);
    }
  }
  RC_ASSERT(blocks.size() == reference.size());
  size_t i = 0;
  for (int64_t v : reference) {
    RC_ASSERT(blocks.at(i) == v);
    RC_ASSERT(blocks.rank_of(v) == i++);
  }
  std::vector<int64_t> range;
  blocks.for_range(3, 40, [&](int64_t v) { range.push_back(v); });
  RC_ASSERT(range.size() == std::min<size_t>(37, reference.size() > 3 ? reference.size() - 3 : 0));
}

}  // namespace
}  // namespace shapesim::query
