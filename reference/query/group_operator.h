// GroupOperator: group_by with aggregates and having, maintained incrementally. Each group
// keeps one AggregateState per aggregate (never re-reduced); a batch re-emits only the groups
// it touched, as a retraction of the old output row and an insertion of the new one (rows
// that having rejects are neither). Without group_by there is one group, present even when
// empty (count() = 0, as SQL).
#pragma once

#include <unordered_map>
#include <vector>

#include "reference/query/aggregate_state.h"
#include "reference/query/plan.h"

namespace shapesim::query {

class GroupOperator {
 public:
  explicit GroupOperator(const QueryPlan& plan);

  // Output changes keyed by group key, values = the select items. The first call also emits
  // the global group's initial row.
  void apply(const ChangeBatch& in, ChangeBatch& out);

 private:
  struct Group {
    std::vector<AggregateState> states;  // per select item (unused for group keys)
    int64_t rows = 0;
    // Bookkeeping of the batch being applied: its output before the batch.
    uint64_t batch = 0;
    bool had_output = false;
    Tuple old_values;
  };
  Group fresh() const;
  // The output row of a group, or nothing if it has no rows (and is not the global group).
  bool output(const Tuple& key, const Group& g, Tuple& values) const;

  const QueryPlan& plan_;
  std::unordered_map<Tuple, Group, TupleHash, TupleEq> groups_;
  bool started_ = false;
  uint64_t batch_ = 0;
};

}  // namespace shapesim::query
