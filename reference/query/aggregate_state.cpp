#include "reference/query/aggregate_state.h"

namespace shapesim::query {

void AggregateState::add(const Value& v, int64_t diff) {
  rows_ += diff;
  if (v.is_null()) return;
  switch (kind_) {
    case AggregateKind::kCountRows:
      return;
    case AggregateKind::kCount:
      non_null_ += diff;
      return;
    case AggregateKind::kSum:
    case AggregateKind::kAvg:
      if (const int64_t* i = v.as_int()) {
        int_sum_ += *i * diff;  // wraps like two's complement only beyond int64: not expected
        non_null_ += diff;
      } else if (const double* d = v.as_double()) {
        double_sum_ += *d * static_cast<double>(diff);
        doubles_ += diff;
        non_null_ += diff;
      }
      return;
    case AggregateKind::kMin:
    case AggregateKind::kMax: {
      auto [it, inserted] = values_.try_emplace(v, 0);
      it->second += diff;
      if (it->second == 0) values_.erase(it);
      return;
    }
  }
}

Value AggregateState::result() const {
  switch (kind_) {
    case AggregateKind::kCountRows: return Value(rows_);
    case AggregateKind::kCount: return Value(non_null_);
    case AggregateKind::kSum:
      if (non_null_ == 0) return Value();
      if (doubles_ > 0) return Value(static_cast<double>(int_sum_) + double_sum_);
      return Value(int_sum_);
    case AggregateKind::kAvg:
      if (non_null_ == 0) return Value();
      return Value((static_cast<double>(int_sum_) + double_sum_) / static_cast<double>(non_null_));
    case AggregateKind::kMin: return values_.empty() ? Value() : values_.begin()->first;
    case AggregateKind::kMax: return values_.empty() ? Value() : values_.rbegin()->first;
  }
  return Value();
}

}  // namespace shapesim::query
