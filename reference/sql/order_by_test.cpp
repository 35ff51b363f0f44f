#include "reference/sql/order_by.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "reference/sql/where_clause.h"

namespace shapesim::sql {
namespace {

TableSchema people() {
  return TableSchema{"public", "people",
                     {{"id", ColumnType::kInt8, true}, {"name", ColumnType::kText}, {"age", ColumnType::kInt4},
                      {"first", ColumnType::kText}},
                     {"id"}};
}

// Sorts rows (id, name, age, first) by `order` and returns the ids in order (stable sort).
std::string sorted_ids(const std::string& order, std::vector<Row> rows) {
  auto o = OrderBy::compile(order, people(), {});
  if (!o.ok()) return "error: " + o.status().message();
  std::vector<std::pair<OrderBy::SortKeys, int64_t>> keyed;
  for (const auto& r : rows) {
    auto sql_row = to_sql_row(r, people());
    auto k = o->keys(*sql_row);
    if (!k.ok()) return "error: " + k.status().message();
    keyed.emplace_back(std::move(*k), *r.at("id").as_int());
  }
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) { return o->compare(a.first, b.first) < 0; });
  std::string out;
  for (const auto& [_, id] : keyed) out += std::to_string(id) + " ";
  return out;
}

std::vector<Row> sample() {
  auto person = [](int64_t id, const char* name, std::optional<int64_t> age) {
    Row r{{"id", Value(id)}, {"name", Value(name)}, {"first", Value("x")}};
    r["age"] = age ? Value(*age) : Value();
    return r;
  };
  return {person(1, "bea", 30), person(2, "al", std::nullopt), person(3, "cy", 25), person(4, "Al", 30)};
}

TEST(OrderBy, DefaultsMatchPostgres) {
  EXPECT_EQ(sorted_ids("age", sample()), "3 1 4 2 ");           // ASC: NULLs last
  EXPECT_EQ(sorted_ids("age DESC", sample()), "2 1 4 3 ");      // DESC: NULLs first
  EXPECT_EQ(sorted_ids("age desc nulls last", sample()), "1 4 3 2 ");
  EXPECT_EQ(sorted_ids("age ASC NULLS FIRST", sample()), "2 3 1 4 ");
}

TEST(OrderBy, SeveralKeysAndExpressions) {
  EXPECT_EQ(sorted_ids("age DESC NULLS LAST, name", sample()), "4 1 3 2 ");  // "Al" < "bea" bytewise
  EXPECT_EQ(sorted_ids("lower(name), id DESC", sample()), "4 2 1 3 ");
  EXPECT_EQ(sorted_ids("coalesce(age, 0) + 1", sample()), "2 3 1 4 ");
}

TEST(OrderBy, ColumnNamedFirstIsNotANullsClause) {
  EXPECT_EQ(sorted_ids("first, id desc", sample()), "4 3 2 1 ");
  EXPECT_EQ(sorted_ids("\"first\" desc, id", sample()), "1 2 3 4 ");
}

TEST(OrderBy, CommasInsideCallsAndStringsDoNotSplit) {
  EXPECT_EQ(sorted_ids("coalesce(age, 99), replace(name, ',', 'x')", sample()), "3 4 1 2 ");
}

TEST(OrderBy, AnEnumColumnCannotBeOrderedByItsText) {
  TableSchema t = people();
  t.columns[1].pg_type = "mood";
  t.columns[1].comparison = ColumnSchema::Comparison::kEqualityOnly;
  auto o = OrderBy::compile("name", t, {});
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.status().message(), "cannot order by column \"name\" of type mood: its values do not sort as their text");
  EXPECT_TRUE(OrderBy::compile("age, id", t, {}).ok());
}

TEST(OrderBy, ErrorsAreClear) {
  EXPECT_EQ(sorted_ids("nope", sample()), "error: At location 0: column \"nope\" does not exist");
  EXPECT_EQ(sorted_ids("age,", sample()), "error: syntax error in ORDER BY: empty sort key");
  EXPECT_NE(sorted_ids("age desc desc", sample()).find(": syntax error at or near \"desc\""), std::string::npos);
  EXPECT_EQ(sorted_ids("", sample()), "1 2 3 4 ");  // no keys: input order
}

}  // namespace
}  // namespace shapesim::sql
