// Expressions of the live-query language, built in C++ at the call site:
//
//   where(and_(eq(col("status"), "open"), gt(col("priority"), 2)))
//   select({{"title", upper(col("title"))}, {"next", add(col("priority"), 1)}})
//
// Semantics follow SQL (and reference/sql where they overlap): comparisons and arithmetic
// with NULL give NULL; AND/OR/NOT use three-valued logic; a WHERE keeps rows whose condition
// is true. int64 op int64 stays int64 (division truncates; division by zero gives NULL, not an
// error, so a live query never fails on data); with a double it is double. Strings compare
// bytewise. Column names resolve against the row's columns: "alias.column", or "column" when
// only one source has it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "reference/common/status.h"
#include "reference/query/tuple.h"
#include "reference/sql/like_pattern.h"

namespace shapesim::query {

enum class ExprOp {
  kColumn, kLiteral,
  kEq, kNe, kLt, kLe, kGt, kGe,
  kAnd, kOr, kNot, kIsNull, kIsNotNull,
  kAdd, kSub, kMul, kDiv, kMod, kNeg,
  kLower, kUpper, kLength, kConcat, kCoalesce, kLike, kILike, kIn,
  kAggregate,  // only as a top-level select item next to group_by (see query.h)
};

enum class AggregateKind { kCount, kCountRows, kSum, kAvg, kMin, kMax };

struct ExprNode;

class Expr {
 public:
  Expr(Value v);  // NOLINT(google-explicit-constructor): literals read naturally at call sites
  Expr(int64_t v) : Expr(Value(v)) {}
  Expr(int v) : Expr(Value(v)) {}
  Expr(double v) : Expr(Value(v)) {}
  Expr(bool v) : Expr(Value(v)) {}
  Expr(const char* v) : Expr(Value(v)) {}
  Expr(std::string v) : Expr(Value(std::move(v))) {}
  explicit Expr(std::shared_ptr<const ExprNode> node) : node_(std::move(node)) {}

  const ExprNode& node() const { return *node_; }
  std::string to_string() const;

 private:
  std::shared_ptr<const ExprNode> node_;
};

struct ExprNode {
  ExprOp op;
  std::string column;                     // kColumn
  Value literal;                          // kLiteral
  AggregateKind aggregate = AggregateKind::kCount;  // kAggregate
  std::vector<Expr> args;
};

Expr col(std::string name);
Expr lit(Value v);
Expr null_value();

Expr eq(Expr a, Expr b);
Expr ne(Expr a, Expr b);
Expr lt(Expr a, Expr b);
Expr le(Expr a, Expr b);
Expr gt(Expr a, Expr b);
Expr ge(Expr a, Expr b);
Expr and_(Expr a, Expr b);
Expr or_(Expr a, Expr b);
Expr not_(Expr a);
Expr is_null(Expr a);
Expr is_not_null(Expr a);
Expr add(Expr a, Expr b);
Expr sub(Expr a, Expr b);
Expr mul(Expr a, Expr b);
Expr div(Expr a, Expr b);
Expr mod(Expr a, Expr b);
Expr neg(Expr a);
Expr lower(Expr a);  // ASCII letters (the C locale)
Expr upper(Expr a);
Expr length(Expr a);  // characters (UTF-8 code points)
Expr concat(std::vector<Expr> parts);  // NULL parts are skipped, as PostgreSQL's concat()
Expr coalesce(std::vector<Expr> args);
Expr like(Expr text, Expr pattern);   // % and _ wildcards, \ escapes
Expr ilike(Expr text, Expr pattern);
Expr in(Expr a, std::vector<Expr> list);

// Aggregates (top-level select items of a grouped query).
Expr count();  // rows
Expr count(Expr a);  // non-NULL values
Expr sum(Expr a);
Expr avg(Expr a);
Expr min(Expr a);
Expr max(Expr a);

// An expression with its column names resolved to positions in a row.
class BoundExpr {
 public:
  // Resolves against `columns` (qualified "alias.column" names).
  static Result<BoundExpr> bind(const Expr& e, const std::vector<std::string>& columns);

  Value eval(const Tuple& row) const;
  // A WHERE/HAVING/ON test: true only when the value is boolean true.
  bool test(const Tuple& row) const;

  // The largest column position read (-1: none).
  int max_column() const;
  // Marks every column position read: used[offset + i] for column i (`used` is large enough).
  void mark_columns(std::vector<bool>& used, size_t offset = 0) const;
  // For a row whose `width` columns are followed by a copy of themselves: every position in
  // the copy (>= width) moves to the same column in the original.
  void rebase_columns(int width);

 private:
  struct Node {
    ExprOp op;
    int index = -1;           // kColumn: position in the row
    Value literal;            // kLiteral
    std::vector<int> args;    // positions in nodes_
    std::shared_ptr<const sql::LikePattern> like;  // compiled once for a literal pattern
  };
  int add(const Expr& e, const std::vector<std::string>& columns, Status& st);
  Value eval_node(int i, const Tuple& row) const;
  const Value* ref(int i, const Tuple& row, Value& scratch) const;

  std::vector<Node> nodes_;  // nodes_[0] is the root
};

// Resolves a column name against qualified names: an exact match, else the one column ending
// in "." + name ("id" or "t.id" for "l.t.id"); -1 if absent, -2 if ambiguous.
int resolve_column(const std::string& name, const std::vector<std::string>& columns);

}  // namespace shapesim::query
