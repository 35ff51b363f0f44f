// BoundExpr: a type-checked expression, ready to evaluate. The checker inserts implicit
// casts as explicit kCast nodes and folds constant subtrees (as PostgreSQL's planner does,
// so `1/0` in a clause is an error even on an empty table).
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "reference/sql/like_pattern.h"
#include "reference/sql/sql_value.h"

namespace shapesim::sql {

enum class BoundKind {
  kConst, kColumn, kCast, kNot, kAnd, kOr, kIsNull, kIsBool, kCompare, kDistinct, kArith, kNegate,
  kConcat, kLike, kIn, kAnyAll, kArrayOp, kFunc, kArray, kSubscript,
};

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };
enum class ArithOp { kAdd, kSub, kMul, kDiv, kMod, kPow, kDateAddDays, kDateSubDays, kDateDiff };
enum class ArrayOp { kContains, kContainedBy, kOverlaps, kConcat };
enum class IsBoolKind { kTrue, kFalse, kUnknown };
// kAnyAll's op: a CompareOp, or one of these for x [NOT] LIKE / ILIKE ANY|ALL (array).
inline constexpr int kAnyAllLike = 100;
inline constexpr int kAnyAllIlike = 101;

enum class FuncId {
  kLower, kUpper, kLength, kCoalesce, kNullif, kGreatest, kLeast, kConcat, kConcatWs, kAbs, kTrim, kLtrim,
  kRtrim, kStartsWith, kStrpos, kReplace, kLeft, kRight, kSubstr, kReverse, kRound, kFloor, kCeil, kMod,
  kCardinality, kArrayLength,
};

struct BoundExpr {
  BoundKind kind = BoundKind::kConst;
  SqlType type;                  // the result type
  std::vector<BoundExpr> args;
  SqlValue value;                // kConst
  int column = -1;               // kColumn: index in the table's columns
  int op = 0;                    // CompareOp / ArithOp / ArrayOp / FuncId / IsBoolKind (kAnyAll: see kAnyAllLike)
  bool negated = false;          // NOT LIKE, NOT IN, IS NOT ..., NOT ILIKE ANY
  bool flag = false;             // kAnyAll: ALL; kLike: ILIKE; kCast: numeric precision given
  SqlType operand_type;          // kCompare/kDistinct/kIn/kAnyAll/kArith: the type both sides share
  int typmod = -1;               // kCast: numeric scale or varchar length
  int precision = 0;             // kCast: numeric precision (when flag is set)
  std::shared_ptr<const LikePattern> like;  // kLike with a constant pattern: compiled once
  bool is_const() const { return kind == BoundKind::kConst; }
};

// Asserts (SHAPESIM_ASSERT, on in every build) what the evaluator relies on, over the whole
// tree: each kind has the arguments it reads (a comparison two, NOT one, LIKE two or three,
// ...), a column index is within `columns`, an operator code is within its enum, predicates
// are boolean. The checker calls it on every tree it returns, once per compiled expression.
// Recursion: as deep as the tree, which the parser bounds (kMaxExpressionHeight, plus the casts the checker inserts).
void assert_well_formed(const BoundExpr& e, size_t columns);

// The columns (indexes in the table's columns) `e` reads, after constant folding: what its
// result can depend on. Recursion: as for assert_well_formed.
std::set<int> columns_read(const BoundExpr& e);

// Evaluates `e` over one row (values in the table's column order). Errors are PostgreSQL's
// runtime errors ("division by zero", "integer out of range", ...).
Result<SqlValue> evaluate(const BoundExpr& e, const std::vector<SqlValue>& row);

}  // namespace shapesim::sql
