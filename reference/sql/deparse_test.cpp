// to_where_text and and_scope: the text means the tree, and a scope AND-ed onto a caller's
// WHERE cannot be escaped (docs/auth.md, "Narrowings").
#include "reference/sql/deparse.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "reference/sql/parser.h"
#include "reference/sql/testing/where_differential_table.h"
#include "reference/sql/testing/where_expression_generator.h"
#include "reference/sql/where_clause.h"

namespace shapesim::sql {
namespace {

std::string round_trip(const std::string& where) {
  auto tree = parse_where(where);
  EXPECT_TRUE(tree.ok()) << where << ": " << tree.status().message();
  if (!tree.ok()) return {};
  std::string text = to_where_text(**tree);
  auto back = parse_where(text);
  EXPECT_TRUE(back.ok()) << text << ": " << back.status().message();
  if (back.ok()) {
    EXPECT_TRUE(same_tree(**tree, **back)) << where << " -> " << text;
  }
  return text;
}

TEST(Deparse, EveryNodeKindRoundTrips) {
  for (const char* w : {"a = 1 AND b <> 'it''s' OR NOT c", "x IS NOT NULL AND y ISNULL", "d IS NOT TRUE OR d IS UNKNOWN",
                        "a IS DISTINCT FROM b", "a IS NOT DISTINCT FROM -3", "t NOT ILIKE 'a\\%' ESCAPE '\\'",
                        "t LIKE ANY (ARRAY['a%', 'b%'])", "t NOT LIKE ALL (ARRAY['a%'])", "i = ANY (ia)",
                        "i < ALL (ARRAY[1, 2])", "i NOT IN (1, 2, 3)", "i BETWEEN SYMMETRIC 3 AND 1",
                        "i NOT BETWEEN 1 AND 2 + 3", "-(i) * 2 ^ 3 % 4 / 5 - +i > 0", "-(-2147483648) = 2147483648",
                        "d = DATE '2024-01-02'", "CAST(n AS numeric(10,2)) = 1.5e3", "v::varchar(5)[] = ARRAY['x']",
                        "ts > TIMESTAMP WITH TIME ZONE '2024-01-01 00:00+00'", "x::double precision > .5",
                        "lower(t) || 'x' = concat(t, 1, NULL)", "ia[1] = 2", "(ia)[i + 1] IS NULL", "\"Odd \"\" Name\" = $1",
                        "current_date > d AND now() > ts", "ARRAY[]::int[] @> ia", "E'a\\nb' = t", "true", "$12 = t"}) {
    round_trip(w);
  }
  EXPECT_EQ(round_trip("title ILIKE $1 OR done"), "((\"title\" ILIKE $1) OR \"done\")");
}

RC_GTEST_PROP(Deparse, GeneratedExpressionsMeanTheSameAfterRoundTrip, ()) {
  static const TableSchema table = testing::diff_table();
  static const std::vector<Row> rows = testing::make_diff_rows(40);
  const std::string where = *testing::where_expression(3);
  auto tree = parse_where(where);
  RC_PRE(tree.ok());
  const std::string text = to_where_text(**tree);
  auto back = parse_where(text);
  RC_ASSERT(back.ok());
  RC_ASSERT(same_tree(**tree, **back));
  auto original = WhereClause::compile(where, table, {});
  auto rendered = WhereClause::compile(text, table, {});
  RC_ASSERT(original.ok() == rendered.ok());
  if (!original.ok()) return;
  for (const Row& row : rows) {
    auto sql_row = to_sql_row(row, table);
    RC_ASSERT(sql_row.ok());
    auto a = original->matches(*sql_row);
    auto b = rendered->matches(*sql_row);
    RC_ASSERT(a.ok() == b.ok());
    if (a.ok()) RC_ASSERT(*a == *b);
  }
}

// Every row a scoped WHERE matches satisfies the scope, whatever the narrowing.
RC_GTEST_PROP(Deparse, EveryRowOfAScopedWhereSatisfiesTheScope, ()) {
  static const TableSchema table = testing::diff_table();
  static const std::vector<Row> rows = testing::make_diff_rows(40);
  const std::string narrowing = *rc::gen::oneOf(
      testing::where_expression(3),
      rc::gen::apply([](std::string a, std::string b) { return a + ") OR (" + b; }, testing::where_expression(1),
                     testing::where_expression(1)),
      rc::gen::apply([](std::string a) { return a + " --"; }, testing::where_expression(2)),
      rc::gen::apply([](std::string a) { return "true) OR (" + a; }, testing::where_expression(1)));
  const int64_t scope_id = *rc::gen::inRange<int64_t>(1, 41);
  auto scoped = and_scope(narrowing, 0, "id", 1);
  if (!scoped.ok()) return;  // refused: nothing to leak
  auto where = WhereClause::compile(*scoped, table, {std::to_string(scope_id)});
  if (!where.ok()) return;
  for (const Row& row : rows) {
    auto sql_row = to_sql_row(row, table);
    RC_ASSERT(sql_row.ok());
    auto m = where->matches(*sql_row);
    if (m.ok() && *m) RC_ASSERT(*row.at("id").as_int() == scope_id);
  }
}

TEST(AndScope, RefusesWhatIsNotOneCompleteExpression) {
  for (const char* hostile : {"true) OR (true", "1=1) OR (1=1", "id = 3) OR (id = 3", "(true", "true)", "true)) OR ((true",
                              "x = ')' ) OR (true", "true; SELECT 1", "true /* ", "'unterminated"}) {
    auto r = and_scope(hostile, 0, "organization_id", 1);
    EXPECT_FALSE(r.ok()) << hostile << " -> " << *r;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("one complete expression"), std::string::npos);
    }
  }
}

TEST(AndScope, ParamsBeyondTheBoundOnesAreRefused) {
  EXPECT_FALSE(and_scope("title = $1", 0, "organization_id", 1).ok());
  EXPECT_FALSE(and_scope("title = $1 OR title = $2", 1, "organization_id", 2).ok());
  auto r = and_scope("title = $1 OR $2 = $2", 1, "organization_id", 2);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("$2"), std::string::npos);
  EXPECT_EQ(*and_scope("title = $1", 1, "organization_id", 2), "((\"title\" = $1) AND (\"organization_id\" = $2))");
}

TEST(AndScope, TheScopeStaysOutsideWhateverTheNarrowingHolds) {
  // Comments, literals with parentheses and top-level OR: all stay inside the left operand.
  EXPECT_EQ(*and_scope("true -- ) OR (true", 0, "org", 1), "(true AND (\"org\" = $1))");
  EXPECT_EQ(*and_scope("/* ) OR ( */ true", 0, "org", 1), "(true AND (\"org\" = $1))");
  EXPECT_EQ(*and_scope("title = ') OR (true'", 0, "org", 1), "((\"title\" = ') OR (true') AND (\"org\" = $1))");
  EXPECT_EQ(*and_scope("a OR b", 0, "org", 1), "((\"a\" OR \"b\") AND (\"org\" = $1))");
  EXPECT_EQ(*and_scope("  ", 0, "we\"ird", 3), "(\"we\"\"ird\" = $3)");
}

TEST(AndScope, TooDeepToRenderIsAnError) {
  std::string deep;
  for (int i = 0; i < 150; ++i) deep += "1 + ";
  deep += "1 > 0";
  auto r = and_scope(deep, 0, "org", 1);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nested too deeply"), std::string::npos);
}

}  // namespace
}  // namespace shapesim::sql
