// evaluate(): a query's result computed from scratch, the obvious way (nested loops, sorting,
// maps of groups). The reference the incremental engine is tested against (property tests,
// the benchmark's final check); never used to maintain a live query.
#pragma once

#include <vector>

#include "reference/query/plan.h"

namespace shapesim::query {

struct ResultRow {
  Tuple key;
  Tuple values;
  friend bool operator==(const ResultRow& a, const ResultRow& b) {
    return compare_tuples(a.key, b.key) == 0 && compare_tuples(a.values, b.values) == 0;
  }
};

// In result order: by the order terms, ties (and unordered queries) by key.
Result<std::vector<ResultRow>> evaluate(const Query& q);
std::vector<ResultRow> evaluate(const QueryPlan& plan);

}  // namespace shapesim::query
