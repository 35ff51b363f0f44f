// QueryPlan: a Query with every name resolved, shared by the incremental engine (LiveQuery)
// and the from-scratch evaluator (evaluate.h), so both read rows the same way:
//
//   joined row = the from source's columns, then each joined source's ("alias.column")
//   where      -> over the joined row
//   grouped    -> output = select items, each a group_by key or an aggregate over the group
//   otherwise  -> output = select items over the joined row (no select: every column; a
//                 single source keeps its own column names)
//   having     -> over the output;  order_by -> over the output when grouped or distinct,
//                 else over the joined row followed by the output (select names)
//
// Keys: a source's key; a join concatenates its sides' keys (NULLs for a missing side); a
// group's key is its group_by values; distinct rows are keyed by their values.
//
// Pushdown (Pushdown::kOn, what LiveQuery uses; plan_pushdown.cpp): each source's rows are
// first filtered by the WHERE conjuncts that read only that source — when no outer join pads
// that source with NULLs — and then cut to the columns the query reads (`kept`), before they
// reach the joins; the joined row is made of the kept columns only, and `where` is what is
// left of the WHERE. The from-scratch evaluator plans with Pushdown::kOff, so comparing the
// two checks the rewrite.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reference/query/query.h"

namespace shapesim::query {

struct PlannedSource {
  const Source* source;
  std::string alias;
  size_t width = 0;      // columns in the joined row (kept.size() when narrowed)
  size_t key_width = 0;  // key parts
  std::optional<BoundExpr> filter;  // pushed-down WHERE conjuncts, over the source's own row
  std::optional<std::vector<size_t>> kept;  // source columns read by the query, ascending

  // Whether the source's row goes through filter and projection before the joins.
  bool prepared() const { return filter || kept; }
  // The source's row as the joined row holds it; nullopt when the filter drops it.
  std::optional<Tuple> prepare(const Tuple& row) const;
};

enum class Pushdown { kOff, kOn };

struct PlannedJoin {
  JoinKind kind;
  BoundExpr left_key;   // over the joined row so far
  BoundExpr right_key;  // over the joined source's row
};

struct PlannedItem {
  // Grouped queries: which group key this item repeats (-1: an aggregate).
  int group_key = -1;
  AggregateKind aggregate = AggregateKind::kCount;
  std::optional<BoundExpr> aggregate_arg;  // over the joined row; none for count()
  // Not grouped: the projection over the joined row.
  std::optional<BoundExpr> projection;
};

struct PlannedOrder {
  BoundExpr expr;
  bool descending;
  bool nulls_first;
};

struct QueryPlan {
  std::vector<PlannedSource> sources;  // [0] is the from source
  std::vector<PlannedJoin> joins;      // joins[i] adds sources[i + 1]
  std::vector<std::string> joined_columns;
  size_t joined_key_width = 0;
  std::optional<BoundExpr> where;
  bool grouped = false;
  std::vector<BoundExpr> group_keys;  // over the joined row
  std::vector<PlannedItem> items;     // empty when not grouped and no select: the joined row
  std::vector<std::string> output_columns;
  std::optional<BoundExpr> having;    // over the output
  bool distinct = false;
  std::vector<PlannedOrder> order;
  bool order_over_output = false;     // else over joined row ++ output
  bool order_reads_output = false;    // (not over output) some term names a select item
  size_t offset = 0;
  std::optional<size_t> limit;

  static Result<QueryPlan> make(const Query& q, Pushdown pushdown = Pushdown::kOff);

  // The output row for a joined row (not grouped).
  Tuple project(const Tuple& joined) const;
  // The sort key of a row: `joined` may be empty when order_over_output.
  Tuple sort_key(const Tuple& joined, const Tuple& output) const;
  // Compares sort keys by the order terms (NULL placement, direction); 0 when equal.
  int compare_sort_keys(const Tuple& a, const Tuple& b) const;
};

}  // namespace shapesim::query
