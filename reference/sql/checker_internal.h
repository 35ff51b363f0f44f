// The WHERE checker's internals, shared by its three files: checker.cpp (literals, columns,
// parameters, AND/OR/NOT, casts and coercion, constant folding), checker_operators.cpp
// (comparisons, arithmetic, ||, array operators, LIKE, IN, BETWEEN, ANY/ALL) and
// checker_functions.cpp (function calls, CAST, ARRAY[...]). Not part of the sql API.
#pragma once

#include <string>
#include <vector>

#include "reference/sql/checker.h"
#include "reference/sql/where_error.h"

namespace shapesim::sql::checker_detail {

inline Status err(const std::string& message, size_t pos) { return semantic_error(pos, message); }

inline BoundExpr make_const(SqlValue v, SqlType t) {
  BoundExpr e;
  e.kind = BoundKind::kConst;
  e.type = t;
  e.value = std::move(v);
  return e;
}

// Binds a parsed WHERE (or value) expression to a table's columns and the shape's parameters:
// types, implicit casts and constant folding as PostgreSQL's parser and planner do them.
class Checker {
 public:
  Checker(const TableSchema& table, const std::vector<std::string>& params)
      : table_(table), params_(params), used_(params.size(), false) {}

  Result<BoundExpr> bind(const Node& n);
  std::vector<bool> used() const { return used_; }

 private:
  Result<BoundExpr> bind_binary(const Node& n);
  // Rejects <, <=, >, >= on a column compared by equality only (an enum sorts by declaration).
  Status check_ordering(const std::string& op, const BoundExpr& l, const BoundExpr& r, size_t pos) const;
  Result<BoundExpr> bind_compare(const std::string& op, BoundExpr l, BoundExpr r, size_t pos, BoundKind kind,
                                 bool negated = false);
  // The type both operands of `l op r` are coerced to (PostgreSQL's operator resolution).
  Result<SqlType> compare_type(const std::string& op, SqlType lt, SqlType rt, size_t pos, BoundKind kind);
  Result<BoundExpr> bind_arith(const std::string& op, BoundExpr l, BoundExpr r, size_t pos);
  Result<BoundExpr> bind_concat(BoundExpr l, BoundExpr r, size_t pos);
  Result<BoundExpr> bind_array_op(const std::string& op, BoundExpr l, BoundExpr r, size_t pos);
  Result<BoundExpr> bind_like(const Node& n);
  Result<BoundExpr> bind_in(const Node& n);
  Result<BoundExpr> bind_between(const Node& n);
  Result<BoundExpr> bind_any_all(const Node& n);
  Result<BoundExpr> bind_cast(const Node& n);
  Result<BoundExpr> bind_func(const Node& n);
  Result<BoundExpr> bind_array(const Node& n);
  Result<BoundExpr> bind_bool_arg(const Node& n, const char* construct);

  // Implicitly coerces `e` to `to` (unknown literals are parsed). Error if not allowed.
  Result<BoundExpr> coerce(BoundExpr e, SqlType to, size_t pos);
  Result<BoundExpr> explicit_cast(BoundExpr e, SqlType to, int typmod, int precision, bool precision_given, size_t pos);
  // PostgreSQL's select_common_type for IN lists, COALESCE, GREATEST, ARRAY[...].
  Result<SqlType> common_type(const std::vector<BoundExpr>& items, const char* context, size_t pos);
  // Evaluates a node whose arguments are all constants, so errors surface at compile time.
  Result<BoundExpr> fold(BoundExpr e, size_t pos);
  // NOT e, pushed inward like PostgreSQL's planner (De Morgan, NOT NOT x = x), then folded.
  Result<BoundExpr> negate(BoundExpr e, size_t pos);

  const TableSchema& table_;
  const std::vector<std::string>& params_;
  std::vector<bool> used_;
  // > 0 while binding arguments PostgreSQL's planner would not simplify (after a deciding
  // constant in AND/OR/COALESCE): type errors still count, constant-folding errors do not.
  int lenient_ = 0;
};

}  // namespace shapesim::sql::checker_detail
