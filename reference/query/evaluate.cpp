#include "reference/query/evaluate.h"

#include <algorithm>
#include <map>

#include "reference/common/assert.h"


namespace shapesim::query {
namespace {

Tuple concat(const Tuple& a, const Tuple& b) {
  Tuple out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

std::vector<ResultRow> rows_of(const Source& s) {
  std::vector<ResultRow> rows;
  s.for_each_row([&](const Tuple& key, const Tuple& values) { rows.push_back({key, values}); });
  return rows;
}

bool keys_match(const Value& a, const Value& b) { return !a.is_null() && !b.is_null() && compare_values(a, b) == 0; }

// An aggregate over all of a group's values at once.
Value aggregate(AggregateKind kind, const std::vector<Value>& values) {
  if (kind == AggregateKind::kCountRows) return Value(static_cast<int64_t>(values.size()));
  int64_t non_null = 0, numbers = 0, int_sum = 0;
  double double_sum = 0;
  bool any_double = false;
  const Value* lo = nullptr;
  const Value* hi = nullptr;
  for (const auto& v : values) {
    if (v.is_null()) continue;
    ++non_null;
    if (!lo || compare_values(v, *lo) < 0) lo = &v;
    if (!hi || compare_values(v, *hi) > 0) hi = &v;
    if (v.as_int()) {
      int_sum += *v.as_int();
      ++numbers;
    } else if (v.as_double()) {
      double_sum += *v.as_double();
      any_double = true;
      ++numbers;
    }
  }
  switch (kind) {
    case AggregateKind::kCount: return Value(non_null);
    case AggregateKind::kSum:
      if (numbers == 0) return Value();
      return any_double ? Value(static_cast<double>(int_sum) + double_sum) : Value(int_sum);
    case AggregateKind::kAvg:
      if (numbers == 0) return Value();
      return Value((static_cast<double>(int_sum) + double_sum) / static_cast<double>(numbers));
    case AggregateKind::kMin: return lo ? *lo : Value();
    case AggregateKind::kMax: return hi ? *hi : Value();
    default: return Value();
  }
}

}  // namespace

std::vector<ResultRow> evaluate(const QueryPlan& p) {
  for (const auto& s : p.sources) SHAPESIM_ASSERT(!s.prepared());  // the oracle plans without pushdown

  // Output rows with their sort keys (computed while the joined row is at hand). When the
  // order reads only the joined row, a row is projected only if it is returned: until then it
  // points at its key and joined row (the source's own, or `rows` below; both outlive `out`).
  struct Out {
    ResultRow row;
    Tuple sort;
    const Tuple* key = nullptr;     // deferred: the key and joined row
    const Tuple* joined = nullptr;
    const Tuple& key_of() const { return key ? *key : row.key; }
  };
  const bool defer = !p.grouped && !p.distinct && !p.order_over_output && !p.order_reads_output;
  std::vector<ResultRow> rows;  // the joined rows, when there are joins
  std::vector<Out> out;
  // Grouped queries: each group's values per select item (aggregates only).
  std::map<Tuple, std::vector<std::vector<Value>>, TupleLess> groups;
  if (p.grouped && p.group_keys.empty()) groups.emplace(Tuple{}, std::vector<std::vector<Value>>(p.items.size()));
  // Every joined row that passes the where goes here once.
  auto take = [&](const Tuple& key, const Tuple& joined) {
    if (p.grouped) {
      Tuple group;
      for (const auto& k : p.group_keys) group.push_back(k.eval(joined));
      auto& values = groups.try_emplace(std::move(group), std::vector<std::vector<Value>>(p.items.size())).first->second;
      for (size_t i = 0; i < p.items.size(); ++i) {
        const PlannedItem& item = p.items[i];
        if (item.group_key < 0) values[i].push_back(item.aggregate_arg ? item.aggregate_arg->eval(joined) : Value(true));
      }
      return;
    }
    if (defer) {
      out.push_back({{}, p.sort_key(joined, {}), &key, &joined});
      return;
    }
    Tuple values = p.project(joined);
    Tuple sort = p.order_over_output ? Tuple{} : p.sort_key(joined, values);
    out.push_back({{key, std::move(values)}, std::move(sort)});
  };

  // From and joins: nested loops; a single source is read in place.
  if (p.joins.empty()) {
    p.sources[0].source->for_each_row([&](const Tuple& key, const Tuple& values) {
      if (!p.where || p.where->test(values)) take(key, values);
    });
  } else {
    rows = rows_of(*p.sources[0].source);
    size_t left_width = p.sources[0].width, left_key_width = p.sources[0].key_width;
    for (size_t j = 0; j < p.joins.size(); ++j) {
      const PlannedJoin& join = p.joins[j];
      const PlannedSource& src = p.sources[j + 1];
      std::vector<ResultRow> right = rows_of(*src.source);
      std::vector<ResultRow> joined;
      std::vector<bool> right_matched(right.size(), false);
      for (const auto& l : rows) {
        Value lk = join.left_key.eval(l.values);
        bool matched = false;
        for (size_t r = 0; r < right.size(); ++r) {
          if (!keys_match(lk, join.right_key.eval(right[r].values))) continue;
          matched = right_matched[r] = true;
          joined.push_back({concat(l.key, right[r].key), concat(l.values, right[r].values)});
        }
        if (!matched && (join.kind == JoinKind::kLeft || join.kind == JoinKind::kFull)) {
          joined.push_back({concat(l.key, Tuple(src.key_width)), concat(l.values, Tuple(src.width))});
        }
      }
      if (join.kind == JoinKind::kRight || join.kind == JoinKind::kFull) {
        for (size_t r = 0; r < right.size(); ++r) {
          if (right_matched[r]) continue;
          joined.push_back({concat(Tuple(left_key_width), right[r].key), concat(Tuple(left_width), right[r].values)});
        }
      }
      rows = std::move(joined);
      left_width += src.width;
      left_key_width += src.key_width;
    }
    for (const auto& r : rows) {
      if (!p.where || p.where->test(r.values)) take(r.key, r.values);
    }
  }

  if (p.grouped) {
    for (const auto& [key, per_item] : groups) {
      Tuple values;
      for (size_t i = 0; i < p.items.size(); ++i) {
        const PlannedItem& item = p.items[i];
        values.push_back(item.group_key >= 0 ? key[static_cast<size_t>(item.group_key)] : aggregate(item.aggregate, per_item[i]));
      }
      if (p.having && !p.having->test(values)) continue;
      out.push_back({{key, std::move(values)}, {}});
    }
  }
  if (p.distinct) {
    std::map<Tuple, Out, TupleLess> unique;
    for (auto& o : out) {
      Tuple key = o.row.values;
      unique.emplace(std::move(key), Out{{o.row.values, o.row.values}, {}});
    }
    out.clear();
    for (auto& [_, o] : unique) out.push_back(std::move(o));
  }
  if (p.order_over_output) {
    for (auto& o : out) o.sort = p.sort_key({}, o.row.values);
  }

  // Order (ties and unordered results by key), then offset and limit.
  std::vector<size_t> order(out.size());
  for (size_t i = 0; i < out.size(); ++i) order[i] = i;
  auto less = [&](size_t a, size_t b) {
    if (int c = p.compare_sort_keys(out[a].sort, out[b].sort)) return c < 0;
    return compare_tuples(out[a].key_of(), out[b].key_of()) < 0;
  };
  size_t end = p.limit ? std::min(order.size(), p.offset + *p.limit) : order.size();
  // Only the first `end` in order are read (a total order: the same as sorting them all).
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(end), order.end(), less);
  std::vector<ResultRow> result;
  for (size_t i = p.offset; i < end; ++i) {
    Out& o = out[order[i]];
    result.push_back(o.joined ? ResultRow{*o.key, p.project(*o.joined)} : std::move(o.row));
  }
  return result;
}

Result<std::vector<ResultRow>> evaluate(const Query& q) {
  SHAPESIM_ASSIGN_OR_RETURN(QueryPlan plan, QueryPlan::make(q));
  return evaluate(plan);
}

}  // namespace shapesim::query
