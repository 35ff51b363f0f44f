// WhereClause: a shape's WHERE, compiled once against its table and parameters, then
// evaluated per row. The facade over parser + checker + evaluator.
//
//   auto w = WhereClause::compile("status = 'open' AND title ILIKE $1", tasks, {"%bug%"});
//   if (!w.ok()) -> 400 with w.status().message() (names the position)
//   auto row = to_sql_row(store_row, tasks);    // once per change, shared by every shape
//   w->matches(*row)                            // Result<bool>: NULL counts as false
//
// Indexable terms: top-level AND-ed `col = const`, `col IN (consts)` and `const = ANY(col)`
// over integer, bool, text, uuid and date columns, for the routing index.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "reference/common/row.h"
#include "reference/common/table_schema.h"
#include "reference/sql/bound_expr.h"

namespace shapesim::sql {

struct IndexTerm {
  int column = -1;
  std::vector<std::string> keys;  // canonical texts of the constants (one for =, several for IN)
  bool array_membership = false;  // const = ANY(array column): keys are element values
};

class WhereClause {
 public:
  static Result<WhereClause> compile(std::string_view where, const TableSchema& table,
                                     const std::vector<std::string>& params);

  Result<bool> matches(const std::vector<SqlValue>& row) const;
  bool matches_everything() const { return everything_; }
  const std::vector<IndexTerm>& index_terms() const { return terms_; }
  const BoundExpr& expression() const { return expr_; }

 private:
  BoundExpr expr_;
  bool everything_ = false;
  std::vector<IndexTerm> terms_;
};

// A store row as SqlValues in the table's column order (absent columns are NULL).
Result<std::vector<SqlValue>> to_sql_row(const Row& row, const TableSchema& table);
// The canonical index key of a value of an indexable type, or false if not indexable.
bool index_key(const SqlValue& v, SqlType type, std::string& out);

}  // namespace shapesim::sql
