// DistinctOperator: keeps one copy of each distinct row. A row comes out when its count
// rises from 0 and is retracted when it falls back to 0; the row is its own key.
#pragma once

#include <unordered_map>

#include "reference/query/tuple.h"

namespace shapesim::query {

class DistinctOperator {
 public:
  void apply(const ChangeBatch& in, ChangeBatch& out) {
    for (const Change& c : in) {
      int64_t& count = counts_[c.values];
      int64_t before = count;
      count += c.diff;
      if (before <= 0 && count > 0) out.push_back({c.values, c.values, +1});
      if (before > 0 && count <= 0) out.push_back({c.values, c.values, -1});
      if (count == 0) counts_.erase(c.values);
    }
  }

 private:
  std::unordered_map<Tuple, int64_t, TupleHash, TupleEq> counts_;
};

}  // namespace shapesim::query
