#include "reference/query/plan_pushdown.h"

#include "reference/common/assert.h"

namespace shapesim::query {
namespace {

// The conjuncts of an AND tree, left to right (iterative: the tree's depth is the caller's).
std::vector<Expr> conjuncts(const Expr& e) {
  std::vector<Expr> out;
  std::vector<Expr> stack = {e};
  while (!stack.empty()) {
    Expr top = stack.back();
    stack.pop_back();
    if (top.node().op == ExprOp::kAnd) {
      SHAPESIM_ASSERT(top.node().args.size() == 2);
      stack.push_back(top.node().args[1]);
      stack.push_back(top.node().args[0]);
    } else {
      out.push_back(top);
    }
  }
  return out;
}

std::optional<Expr> and_all(const std::vector<Expr>& parts) {
  if (parts.empty()) return std::nullopt;
  Expr out = parts[0];
  for (size_t i = 1; i < parts.size(); ++i) out = and_(out, parts[i]);
  return out;
}

}  // namespace

PushdownRewrite rewrite_for_pushdown(const Query& q, const QueryPlan& full) {
  const size_t n = full.sources.size();
  SHAPESIM_ASSERT(full.joins.size() + 1 == n);
  std::vector<size_t> start(n + 1, 0);  // source i's columns are [start[i], start[i + 1])
  for (size_t i = 0; i < n; ++i) start[i + 1] = start[i] + full.sources[i].width;
  SHAPESIM_ASSERT(start[n] == full.joined_columns.size());
  auto source_of = [&](size_t column) {
    size_t i = 0;
    while (column >= start[i + 1]) ++i;
    return i;
  };

  // Sources an outer join pads with NULLs: the right side of a left or full join, and
  // everything joined so far for a right or full join.
  std::vector<bool> padded(n, false);
  for (size_t j = 0; j < full.joins.size(); ++j) {
    const JoinKind kind = full.joins[j].kind;
    if (kind == JoinKind::kLeft || kind == JoinKind::kFull) padded[j + 1] = true;
    if (kind == JoinKind::kRight || kind == JoinKind::kFull) {
      for (size_t i = 0; i <= j; ++i) padded[i] = true;
    }
  }

  PushdownRewrite r;
  r.filters.resize(n);
  r.kept.resize(n);
  std::vector<std::vector<Expr>> pushed(n);
  std::vector<Expr> residual;
  std::vector<bool> used(full.joined_columns.size(), false);
  if (q.where_clause()) {
    for (const Expr& c : conjuncts(*q.where_clause())) {
      auto bound = BoundExpr::bind(c, full.joined_columns);
      SHAPESIM_ASSERT(bound.ok());  // the whole WHERE bound already
      std::vector<bool> reads(full.joined_columns.size(), false);
      bound->mark_columns(reads);
      std::optional<size_t> only;
      bool one_source = false;
      for (size_t col = 0; col < reads.size(); ++col) {
        if (!reads[col]) continue;
        size_t s = source_of(col);
        one_source = !only || (one_source && *only == s);
        only = s;
      }
      if (only && one_source && !padded[*only]) {
        pushed[*only].push_back(c);
      } else {
        residual.push_back(c);
        for (size_t col = 0; col < reads.size(); ++col) used[col] = used[col] || reads[col];
      }
    }
  }
  for (size_t i = 0; i < n; ++i) r.filters[i] = and_all(pushed[i]);
  r.residual_where = and_all(residual);

  // Columns read above the sources. Only joins store their input rows, so only they gain
  // from narrower ones; a single source's rows go to the sink as they are.
  const bool whole_rows = !full.grouped && full.items.empty();  // the output is the joined row
  if (whole_rows || full.joins.empty()) return r;
  for (size_t j = 0; j < full.joins.size(); ++j) {
    full.joins[j].left_key.mark_columns(used);
    full.joins[j].right_key.mark_columns(used, start[j + 1]);
  }
  for (const auto& k : full.group_keys) k.mark_columns(used);
  for (const auto& item : full.items) {
    if (item.aggregate_arg) item.aggregate_arg->mark_columns(used);
    if (item.projection) item.projection->mark_columns(used);
  }
  if (!full.order_over_output) {
    // Order terms read the joined row followed by the output; only the first part is a source's.
    std::vector<bool> order_reads(full.joined_columns.size() + full.output_columns.size(), false);
    for (const auto& o : full.order) o.expr.mark_columns(order_reads);
    for (size_t col = 0; col < used.size(); ++col) used[col] = used[col] || order_reads[col];
  }
  for (size_t i = 0; i < n; ++i) {
    std::vector<size_t> kept;
    for (size_t col = start[i]; col < start[i + 1]; ++col) {
      if (used[col]) kept.push_back(col - start[i]);
    }
    if (kept.size() < full.sources[i].width) r.kept[i] = std::move(kept);
  }
  return r;
}

}  // namespace shapesim::query
