#include "reference/sql/routing_index.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace shapesim::sql {
namespace {

TableSchema table() {
  return TableSchema{"public", "t",
                     {{"id", ColumnType::kInt8, true}, {"owner", ColumnType::kInt4}, {"status", ColumnType::kText},
                      {"flag", ColumnType::kBool}, {"tags", ColumnType::kText, false, 1}},
                     {"id"}};
}

std::string clause(int kind, int a, int b) {
  const char* statuses[] = {"open", "done", "Open"};
  std::string s = std::string("'") + statuses[b % 3] + "'";
  switch (kind % 8) {
    case 0: return "owner = " + std::to_string(a);
    case 1: return "owner IN (" + std::to_string(a) + ", " + std::to_string(b) + ", NULL)";
    case 2: return "status = " + s + " AND owner = " + std::to_string(a);
    case 3: return s + " = ANY(tags)";
    case 4: return "owner > " + std::to_string(a);
    case 5: return "status ILIKE " + s + " OR owner = " + std::to_string(a);
    case 6: return "flag AND owner::int8 = " + std::to_string(a);
    default: return "owner = " + std::to_string(a) + "::int2 AND NOT flag";
  }
}

Row row_of(int owner, int status, bool flag, int tag, bool null_owner) {
  const char* statuses[] = {"open", "done", "Open"};
  Row r{{"id", Value(int64_t{1})}, {"status", Value(statuses[status % 3])}, {"flag", Value(flag)},
        {"tags", Value(std::string("{") + statuses[tag % 3] + ",x}")}};
  r["owner"] = null_owner ? Value() : Value(int64_t{owner});
  return r;
}

RC_GTEST_PROP(RoutingIndex, NeverMissesAMatchingShape,
              (const std::vector<std::tuple<uint8_t, uint8_t, uint8_t>>& shapes, uint8_t owner, uint8_t status, bool flag,
               uint8_t tag, bool null_owner)) {
  TableSchema t = table();
  RoutingIndex index(t);
  std::vector<WhereClause> compiled;
  for (const auto& [kind, a, b] : shapes) {
    auto w = WhereClause::compile(clause(kind, a % 6, b), t, {});
    RC_ASSERT(w.ok());
    compiled.push_back(std::move(*w));
  }
  for (size_t i = 0; i < compiled.size(); ++i) index.add(static_cast<uint32_t>(i), compiled[i]);
  auto row = *to_sql_row(row_of(owner % 6, status, flag, tag, null_owner), t);
  std::vector<uint32_t> candidates;
  index.candidates(row, candidates);
  RC_ASSERT(std::is_sorted(candidates.begin(), candidates.end()));
  for (size_t i = 0; i < compiled.size(); ++i) {
    auto m = compiled[i].matches(row);
    RC_ASSERT(m.ok());
    if (*m) RC_ASSERT(std::binary_search(candidates.begin(), candidates.end(), static_cast<uint32_t>(i)));
  }
}

TEST(RoutingIndex, IndexedShapesCostOneLookupWhateverTheirNumber) {
  TableSchema t = table();
  RoutingIndex index(t);
  std::vector<WhereClause> compiled;
  for (int k = 0; k < 5000; ++k) compiled.push_back(*WhereClause::compile("owner = " + std::to_string(k), t, {}));
  for (int k = 0; k < 5000; ++k) index.add(static_cast<uint32_t>(k), compiled[static_cast<size_t>(k)]);
  EXPECT_EQ(index.unindexed_count(), 0u);
  std::vector<uint32_t> candidates;
  index.candidates(*to_sql_row(row_of(1234, 0, true, 0, false), t), candidates);
  EXPECT_EQ(candidates, std::vector<uint32_t>{1234});
}

}  // namespace
}  // namespace shapesim::sql
