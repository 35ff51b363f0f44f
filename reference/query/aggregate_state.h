// AggregateState: one aggregate over a multiset, maintained under insertions and retractions
// (add(v, +1) / add(v, -1)). count, sum and avg are O(1) per change; min and max keep an
// ordered multiset of the values, O(log n). Values that are not numbers are ignored by sum and
// avg; NULLs by every aggregate but count().
// Sums of int64 stay exact; a sum that includes doubles is a double, maintained by adding and
// subtracting (so after retractions it can differ from a fresh sum in the last bits).
#pragma once

#include <cstdint>
#include <map>

#include "reference/query/expression.h"

namespace shapesim::query {

class AggregateState {
 public:
  explicit AggregateState(AggregateKind kind) : kind_(kind) {}

  void add(const Value& v, int64_t diff);
  Value result() const;
  // No value counted (a group whose rows are all gone).
  bool empty() const { return rows_ == 0; }

 private:
  AggregateKind kind_;
  int64_t rows_ = 0;       // every value added, NULL or not
  int64_t non_null_ = 0;   // numbers, for sum/avg; non-NULL values, for count/min/max
  int64_t doubles_ = 0;    // doubles among them (sum is a double when > 0)
  int64_t int_sum_ = 0;
  double double_sum_ = 0;
  std::map<Value, int64_t, ValueLess> values_;  // min/max only
};

}  // namespace shapesim::query
