// OrderBy: an ORDER BY list compiled against a table, as a comparator over rows.
//
//   auto o = OrderBy::compile("priority DESC NULLS LAST, lower(title)", tasks, {});
//   auto ka = o->keys(row_a);  auto kb = o->keys(row_b);   // Result<SortKeys>
//   o->compare(*ka, *kb) < 0                                 // a sorts first
//
// Items are `expr [ASC | DESC] [NULLS FIRST | NULLS LAST]` with PostgreSQL's defaults: ASC
// puts NULLs last, DESC first. Expressions use the WHERE language (columns, functions,
// operators, $n parameters). An empty list orders nothing (every row compares equal).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "reference/common/table_schema.h"
#include "reference/sql/bound_expr.h"

namespace shapesim::sql {

class OrderBy {
 public:
  struct Item {
    BoundExpr expr;
    bool descending = false;
    bool nulls_first = false;
  };
  using SortKeys = std::vector<SqlValue>;

  static Result<OrderBy> compile(std::string_view text, const TableSchema& table,
                                 const std::vector<std::string>& params);

  Result<SortKeys> keys(const std::vector<SqlValue>& row) const;
  // Three-way comparison of two rows' keys under the list's directions.
  int compare(const SortKeys& a, const SortKeys& b) const;
  const std::vector<Item>& items() const { return items_; }

 private:
  std::vector<Item> items_;
};

}  // namespace shapesim::sql
