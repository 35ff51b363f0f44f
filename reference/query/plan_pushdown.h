// The pushdown rewrite of a query plan (see plan.h): which WHERE conjuncts move below the
// joins to a single source, and which columns of each source the rest of the query reads.
//
// A conjunct moves to source s when it reads only s's columns and no outer join pads s with
// NULLs. Then every joined row built from a row r of s carries r's values, so the conjunct
// is false on all of them exactly when it is false on r: dropping r first removes the same
// joined rows. (A source that an outer join pads is not filtered early: a padded row is
// built from the absence of its partners, and the NULLs can pass a WHERE the partners fail.)
#pragma once

#include <optional>
#include <vector>

#include "reference/query/plan.h"

namespace shapesim::query {

struct PushdownRewrite {
  std::vector<std::optional<Expr>> filters;  // per source: its conjuncts AND-ed, over its own columns
  std::optional<Expr> residual_where;        // the conjuncts left above the joins
  std::vector<std::optional<std::vector<size_t>>> kept;  // per source: the columns read (none: all)
};

// `full` is `q` planned without pushdown.
PushdownRewrite rewrite_for_pushdown(const Query& q, const QueryPlan& full);

}  // namespace shapesim::query
