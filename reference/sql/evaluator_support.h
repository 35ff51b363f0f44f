// The evaluator's inside (not for use outside reference/sql): the value helpers its parts
// share, the per-evaluation budget, and the two recursive halves (expressions in
// evaluator.cpp, functions in evaluator_functions.cpp).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "reference/sql/bound_expr.h"

namespace shapesim::sql::eval_detail {

using R = Result<SqlValue>;

inline const SqlValue kNull{};
inline SqlValue boolean(bool b) { return SqlValue{b}; }
inline const std::string& str(const SqlValue& v) { return std::get<std::string>(v.v); }

// What one evaluation may build: operations whose result can outgrow their inputs (replace(),
// ||, concat(), concat_ws(), array ||) draw their result's size from it, so nested
// amplification (replace(replace(t, 'a', t), 'a', t)) is an error for that row, never an
// exhausted process. The total over one evaluate() call is bounded, so its peak memory is too.
class EvalBudget {
 public:
  static constexpr size_t kBytes = 16u << 20;  // 16 MiB
  // Charges `bytes` of a result about to be built; an error once the budget is spent.
  Status charge(size_t bytes, const char* what);

 private:
  size_t spent_ = 0;
};

// Arithmetic with PostgreSQL's overflow, underflow and division rules (arithmetic.cpp).
R arith(ArithOp op, const SqlValue& x, const SqlValue& y, SqlType t);
// `v`, or PostgreSQL's "<type> out of range" if it overflowed or does not fit `t`.
R int_result(int64_t v, bool overflowed, TypeId t);

// UTF-8 helpers: PostgreSQL counts characters, not bytes (evaluator_functions.cpp).
std::vector<std::string_view> chars_of(std::string_view s);
std::string join(const std::vector<std::string_view>& cs, size_t from, size_t to);

R evaluate_in(const BoundExpr& e, const std::vector<SqlValue>& row, EvalBudget& budget);
R eval_func(const BoundExpr& e, const std::vector<SqlValue>& row, EvalBudget& budget);

}  // namespace shapesim::sql::eval_detail
