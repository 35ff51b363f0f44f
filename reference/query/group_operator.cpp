#include "reference/query/group_operator.h"

namespace shapesim::query {

GroupOperator::GroupOperator(const QueryPlan& plan) : plan_(plan) {}

GroupOperator::Group GroupOperator::fresh() const {
  Group g;
  g.states.reserve(plan_.items.size());
  for (const auto& item : plan_.items) g.states.emplace_back(item.group_key < 0 ? item.aggregate : AggregateKind::kCountRows);
  return g;
}

bool GroupOperator::output(const Tuple& key, const Group& g, Tuple& values) const {
  if (g.rows == 0 && !plan_.group_keys.empty()) return false;
  values.clear();
  for (size_t i = 0; i < plan_.items.size(); ++i) {
    const PlannedItem& item = plan_.items[i];
    values.push_back(item.group_key >= 0 ? key[static_cast<size_t>(item.group_key)] : g.states[i].result());
  }
  return !plan_.having || plan_.having->test(values);
}

void GroupOperator::apply(const ChangeBatch& in, ChangeBatch& out) {
  ++batch_;
  std::vector<Tuple> touched;  // in first-touch order
  auto touch = [&](const Tuple& key) -> Group& {
    auto it = groups_.find(key);
    if (it == groups_.end()) it = groups_.emplace(key, fresh()).first;
    Group& g = it->second;
    if (g.batch != batch_) {
      g.batch = batch_;
      g.had_output = started_ && output(key, g, g.old_values);
      touched.push_back(key);
    }
    return g;
  };
  if (!started_ && plan_.group_keys.empty()) touch(Tuple{});  // the global group appears now
  started_ = true;
  Tuple key;
  for (const Change& c : in) {
    key.clear();
    for (const auto& k : plan_.group_keys) key.push_back(k.eval(c.values));
    Group& g = touch(key);
    g.rows += c.diff;
    for (size_t i = 0; i < plan_.items.size(); ++i) {
      const PlannedItem& item = plan_.items[i];
      if (item.group_key >= 0) continue;
      g.states[i].add(item.aggregate_arg ? item.aggregate_arg->eval(c.values) : Value(true), c.diff);
    }
  }
  Tuple values;
  for (auto& k : touched) {
    auto it = groups_.find(k);
    Group& g = it->second;
    bool has_output = output(k, g, values);
    if (!(g.had_output && has_output && compare_tuples(g.old_values, values) == 0)) {
      if (g.had_output) out.push_back({k, std::move(g.old_values), -1});
      if (has_output) out.push_back({k, values, +1});
    }
    if (g.rows == 0 && !plan_.group_keys.empty()) groups_.erase(it);
  }
}

}  // namespace shapesim::query
