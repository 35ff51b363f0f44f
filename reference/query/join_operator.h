// JoinOperator: an equi-join maintained incrementally (inner, left, right or full).
//
// Each side is indexed by its join key: key -> the rows with that key and their counts. A
// delta on one side joins with the other side's rows (Δ(L⋈R) = ΔL⋈R + L'⋈ΔR, the left delta
// first); an outer side's rows without partners come out padded with NULLs, and are
// retracted or re-emitted when the other side's bucket for their key becomes non-empty or
// empty. A NULL join key never matches. Cost per change: the partners of its key.
#pragma once

#include <unordered_map>
#include <vector>

#include "reference/query/plan.h"

namespace shapesim::query {

class JoinOperator {
 public:
  // `left_*`: the rows joined so far; `right_*`: the joined source.
  JoinOperator(const PlannedJoin& join, size_t left_width, size_t left_key_width, size_t right_width, size_t right_key_width);

  // Applies the left delta, then the right delta; appends the joined changes to `out`.
  void apply(const ChangeBatch& left, const ChangeBatch& right, ChangeBatch& out);

 private:
  struct Entry {
    size_t key_hash;  // compared first when looking for a row in its bucket
    Tuple key;
    Tuple values;
    int64_t count;
  };
  struct Bucket {
    std::vector<Entry> entries;
    int64_t total = 0;
  };
  using Index = std::unordered_map<Value, Bucket, ValueHash, ValueEq>;

  void apply_side(const Change& c, bool is_left, ChangeBatch& out);
  void emit(const Tuple* left_key, const Tuple* left_values, const Tuple* right_key, const Tuple* right_values,
            int64_t diff, ChangeBatch& out) const;

  const PlannedJoin& join_;
  size_t left_width_, left_key_width_, right_width_, right_key_width_;
  bool left_preserved_, right_preserved_;  // outer sides: their unmatched rows are kept
  Index left_, right_;
};

}  // namespace shapesim::query
