// The type checker: syntax tree + table schema + parameters -> BoundExpr.
//
// It resolves columns (errors: column "x" does not exist), types every node with
// PostgreSQL's rules (unknown literals take their context's type; numeric promotion
// int2 < int4 < int8 < numeric < float8; text/varchar; date < timestamp < timestamptz),
// inserts implicit casts, rejects what PostgreSQL rejects (operator does not exist: text =
// integer; function lower(integer) does not exist; argument of AND must be type boolean),
// plus aggregates and non-deterministic functions, and folds constant subtrees.
// Parameters $n are the request's params[n] strings, typed by context like literals.
#pragma once

#include <string>
#include <vector>

#include "reference/common/table_schema.h"
#include "reference/sql/ast.h"
#include "reference/sql/bound_expr.h"

namespace shapesim::sql {

struct CheckResult {
  BoundExpr expr;
  std::vector<bool> params_used;  // [n-1]: whether $n appears
};

Result<CheckResult> check_expression(const Node& root, const TableSchema& table, const std::vector<std::string>& params);
// The same for an expression of any type (an ORDER BY key); an untyped literal becomes text.
Result<CheckResult> check_value_expression(const Node& root, const TableSchema& table,
                                           const std::vector<std::string>& params);

// Column types as the checker sees them: ColumnType + dims (a multidimensional array is text,
// and the checker rejects references to it).
SqlType column_sql_type(const ColumnSchema& c);

}  // namespace shapesim::sql
