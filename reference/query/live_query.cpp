#include "reference/query/live_query.h"

#include <algorithm>

namespace shapesim::query {

const char* result_change_kind_name(ResultChangeKind k) {
  switch (k) {
    case ResultChangeKind::kInsert: return "insert";
    case ResultChangeKind::kUpdate: return "update";
    case ResultChangeKind::kDelete: return "delete";
  }
  return "?";
}

void consolidate(ChangeBatch& batch) {
  if (batch.size() < 2) {
    if (batch.size() == 1 && batch[0].diff == 0) batch.clear();
    return;
  }
  std::sort(batch.begin(), batch.end(), [](const Change& a, const Change& b) {
    if (int c = compare_tuples(a.key, b.key)) return c < 0;
    return compare_tuples(a.values, b.values) < 0;
  });
  size_t w = 0;
  for (size_t i = 0; i < batch.size();) {
    size_t j = i + 1;
    int64_t diff = batch[i].diff;
    while (j < batch.size() && compare_tuples(batch[j].key, batch[i].key) == 0 &&
           compare_tuples(batch[j].values, batch[i].values) == 0) {
      diff += batch[j++].diff;
    }
    if (diff != 0) {
      if (w != i) batch[w] = std::move(batch[i]);
      batch[w++].diff = diff;
    }
    i = j;
  }
  batch.resize(w);
}

namespace {

// A row for the window: its values split into the output (first `width`) and the sort key.
std::unique_ptr<OrderedWindow::Entry> to_entry(Change&& c, size_t width) {
  auto e = std::make_unique<OrderedWindow::Entry>();
  e->sort.assign(std::make_move_iterator(c.values.begin() + static_cast<std::ptrdiff_t>(width)),
                 std::make_move_iterator(c.values.end()));
  c.values.resize(width);
  e->values = std::move(c.values);
  e->key = std::move(c.key);
  return e;
}

}  // namespace

LiveQuery::LiveQuery(Query query, QueryPlan plan, uint64_t sequence)
    : query_(std::move(query)), plan_(std::move(plan)), name_("live_query_" + std::to_string(sequence)), sequence_(sequence) {
  key_width_ = plan_.grouped ? plan_.group_keys.size() : plan_.distinct ? plan_.output_columns.size() : plan_.joined_key_width;
  size_t width = plan_.sources[0].width, key_width = plan_.sources[0].key_width;
  for (size_t j = 0; j < plan_.joins.size(); ++j) {
    const PlannedSource& right = plan_.sources[j + 1];
    joins_.push_back(std::make_unique<JoinOperator>(plan_.joins[j], width, key_width, right.width, right.key_width));
    width += right.width;
    key_width += right.key_width;
  }
  if (plan_.grouped) group_ = std::make_unique<GroupOperator>(plan_);
  if (plan_.distinct) distinct_ = std::make_unique<DistinctOperator>();
  if (!plan_.order.empty() || plan_.limit || plan_.offset) window_ = std::make_unique<OrderedWindow>(plan_);
}

void LiveQuery::append_sort_keys(ChangeBatch& batch) const {
  for (Change& c : batch) {
    Tuple sort = plan_.sort_key({}, c.values);
    c.values.insert(c.values.end(), std::make_move_iterator(sort.begin()), std::make_move_iterator(sort.end()));
  }
}

void LiveQuery::run_operators(const std::vector<const ChangeBatch*>& deltas, ChangeBatch& out) {
  static const ChangeBatch kNone;
  auto delta = [&](size_t i) -> const ChangeBatch& { return deltas[i] ? *deltas[i] : kNone; };
  // Joins (left-deep), then where.
  ChangeBatch joined;
  const ChangeBatch* current = &delta(0);
  for (size_t j = 0; j < joins_.size(); ++j) {
    ChangeBatch next;
    joins_[j]->apply(*current, delta(j + 1), next);
    joined = std::move(next);
    current = &joined;
  }
  // Where, then grouping or projection (with the sort key of source columns, while the
  // joined row is at hand). Rows are copied once, into the shape the sink wants.
  ChangeBatch shaped;
  const bool sort_from_joined = window_ && !plan_.order_over_output;
  if (group_) {
    if (plan_.where) {
      ChangeBatch filtered;
      for (const Change& c : *current) {
        if (plan_.where->test(c.values)) filtered.push_back(c);
      }
      group_->apply(filtered, shaped);
    } else {
      group_->apply(*current, shaped);
    }
  } else {
    shaped.reserve(current->size());
    for (const Change& c : *current) {
      if (plan_.where && !plan_.where->test(c.values)) continue;
      Tuple values = plan_.project(c.values);
      if (sort_from_joined) {
        Tuple sort = plan_.sort_key(c.values, values);
        values.reserve(values.size() + sort.size());
        values.insert(values.end(), std::make_move_iterator(sort.begin()), std::make_move_iterator(sort.end()));
      }
      shaped.push_back({c.key, std::move(values), c.diff});
    }
  }
  if (distinct_) {
    ChangeBatch unique;
    distinct_->apply(shaped, unique);
    shaped = std::move(unique);
  }
  if (window_ && plan_.order_over_output) append_sort_keys(shaped);
  out = std::move(shaped);
}

void LiveQuery::build() {
  std::vector<ChangeBatch> all(plan_.sources.size());
  std::vector<const ChangeBatch*> deltas;
  for (size_t i = 0; i < plan_.sources.size(); ++i) {
    const PlannedSource& s = plan_.sources[i];
    if (!s.filter) all[i].reserve(s.source->row_count());
    s.source->for_each_row([&](const Tuple& key, const Tuple& values) {
      if (!s.prepared()) {
        all[i].push_back({key, values, 1});
      } else if (auto row = s.prepare(values)) {
        all[i].push_back({key, std::move(*row), 1});
      }
    });
    deltas.push_back(&all[i]);
  }
  ChangeBatch rows;
  run_operators(deltas, rows);
  all.clear();
  // Sources hold each key once, so the rows are a set, except that an outer join emits
  // padded rows for its left side and retracts them when the right side arrives.
  bool outer = false;
  for (const auto& j : plan_.joins) outer = outer || j.kind != JoinKind::kInner;
  if (outer) consolidate(rows);
  const size_t width = plan_.output_columns.size();
  if (window_) {
    std::vector<std::unique_ptr<OrderedWindow::Entry>> entries;
    entries.reserve(rows.size());
    for (Change& c : rows) {
      if (c.diff > 0) entries.push_back(to_entry(std::move(c), width));
    }
    window_->bulk_load(std::move(entries));
  } else {
    rows_.reserve(rows.size());
    for (Change& c : rows) {
      if (c.diff > 0) rows_.emplace(std::move(c.key), std::move(c.values));
    }
  }
}

void LiveQuery::process(const std::vector<const ChangeBatch*>& deltas, ChangeBatch& out) {
  // Pushed-down filters and projections first: the operators see the joined row's columns.
  std::vector<ChangeBatch> prepared;
  std::vector<const ChangeBatch*> inputs = deltas;
  for (size_t i = 0; i < deltas.size(); ++i) {
    const PlannedSource& s = plan_.sources[i];
    if (!deltas[i] || !s.prepared()) continue;
    if (prepared.empty()) prepared.resize(deltas.size());  // once: inputs point into it
    for (const Change& c : *deltas[i]) {
      if (auto row = s.prepare(c.values)) prepared[i].push_back({c.key, std::move(*row), c.diff});
    }
    inputs[i] = &prepared[i];
  }
  ChangeBatch rows;
  run_operators(inputs, rows);
  if (rows.empty()) return;
  consolidate(rows);
  const size_t width = plan_.output_columns.size();
  if (window_) {
    // Retractions first, so a row moving within the window is one erase and one insert.
    ChangeBatch visible;
    OrderedWindow::Entry probe;
    for (const Change& c : rows) {
      if (c.diff >= 0) continue;
      probe.sort.assign(c.values.begin() + static_cast<std::ptrdiff_t>(width), c.values.end());
      probe.key = c.key;
      for (int64_t k = 0; k < -c.diff; ++k) window_->erase(probe, visible);
    }
    for (Change& c : rows) {
      if (c.diff > 0) window_->insert(to_entry(std::move(c), width), visible);  // keys are unique: diff is 1
    }
    consolidate(visible);
    out = std::move(visible);
  } else {
    for (const Change& c : rows) {
      if (c.diff < 0) rows_.erase(c.key);
    }
    for (const Change& c : rows) {
      if (c.diff > 0) rows_[c.key] = c.values;
    }
    out = std::move(rows);
  }
}

void LiveQuery::notify(const ChangeBatch& changes) const {
  if (subscribers_.empty() || changes.empty()) return;
  // `changes` is consolidated, so in key order with the retraction and insertion of a key
  // adjacent: both make an update.
  std::vector<ResultChange> batch;
  for (size_t i = 0; i < changes.size(); ++i) {
    const Change& c = changes[i];
    if (i + 1 < changes.size() && compare_tuples(changes[i + 1].key, c.key) == 0) {
      const Change& next = changes[i + 1];
      batch.push_back({ResultChangeKind::kUpdate, c.key, c.diff > 0 ? c.values : next.values});
      ++i;
      continue;
    }
    batch.push_back({c.diff > 0 ? ResultChangeKind::kInsert : ResultChangeKind::kDelete, c.key, c.values});
  }
  for (const auto& [id, callback] : subscribers_) callback(batch);
}

void LiveQuery::for_each_row(const std::function<void(const Tuple& key, const Tuple& values)>& fn) const {
  if (window_) {
    window_->for_each_visible([&](const OrderedWindow::Entry& e) { fn(e.key, e.values); });
  } else {
    for (const auto& [key, values] : rows_) fn(key, values);
  }
}

size_t LiveQuery::row_count() const {
  if (!window_) return rows_.size();
  size_t n = window_->size();
  n = n > plan_.offset ? n - plan_.offset : 0;
  return plan_.limit ? std::min(n, *plan_.limit) : n;
}

std::vector<ResultRow> LiveQuery::rows() const {
  std::vector<ResultRow> out;
  out.reserve(row_count());
  for_each_row([&](const Tuple& key, const Tuple& values) { out.push_back({key, values}); });
  if (!window_) std::sort(out.begin(), out.end(), [](const ResultRow& a, const ResultRow& b) { return compare_tuples(a.key, b.key) < 0; });
  return out;
}

std::optional<ResultRow> LiveQuery::one() const {
  std::optional<ResultRow> first;
  for_each_row([&](const Tuple& key, const Tuple& values) {
    if (!first) first = ResultRow{key, values};
  });
  return first;
}

size_t LiveQuery::subscribe(ResultCallback callback) {
  subscribers_.emplace(next_subscriber_, std::move(callback));
  return next_subscriber_++;
}

void LiveQuery::unsubscribe(size_t id) { subscribers_.erase(id); }

}  // namespace shapesim::query
