#include "reference/query/database.h"

#include <algorithm>

#include "reference/common/assert.h"

namespace shapesim::query {

void Collection::for_each_row(const std::function<void(const Tuple& key, const Tuple& values)>& fn) const {
  for (const auto& [key, values] : rows_) fn(key, values);
}

const Tuple* Collection::find(const Tuple& key) const {
  auto it = rows_.find(key);
  return it == rows_.end() ? nullptr : &it->second;
}

Tuple Collection::key_of(const Tuple& values) const {
  Tuple key;
  key.reserve(key_columns_.size());
  for (size_t i : key_columns_) key.push_back(values[i]);
  return key;
}

Result<Collection*> Database::create_collection(std::string name, std::vector<std::string> columns,
                                                const std::vector<std::string>& key_columns) {
  for (const auto& c : collections_) {
    if (c->name() == name) return already_exists("collection \"" + name + "\" exists");
  }
  if (key_columns.empty()) return invalid_argument("collection \"" + name + "\" needs a key column");
  std::vector<size_t> keys;
  for (const auto& k : key_columns) {
    auto it = std::find(columns.begin(), columns.end(), k);
    if (it == columns.end()) return invalid_argument("key column \"" + k + "\" is not a column of \"" + name + "\"");
    keys.push_back(static_cast<size_t>(it - columns.begin()));
  }
  collections_.push_back(std::unique_ptr<Collection>(new Collection(std::move(name), std::move(columns), std::move(keys), next_sequence_++)));
  return collections_.back().get();
}

Result<LiveQuery*> Database::live(const Query& query) {
  SHAPESIM_ASSIGN_OR_RETURN(QueryPlan plan, QueryPlan::make(query, Pushdown::kOn));
  queries_.push_back(std::unique_ptr<LiveQuery>(new LiveQuery(query, std::move(plan), next_sequence_++)));
  queries_.back()->build();
  return queries_.back().get();
}

Status Database::drop(LiveQuery* query) {
  for (const auto& q : queries_) {
    for (const auto& s : q->plan().sources) {
      if (s.source == query) return failed_precondition("live query " + query->name() + " is read by " + q->name());
    }
  }
  std::erase_if(queries_, [&](const auto& q) { return q.get() == query; });
  return Status::Ok();
}

Status Database::apply(Transaction tx) {
  // Apply each write, remembering how to undo it; a failure undoes the writes before it.
  // The rows an undo restores are the retractions in the deltas, so nothing is copied twice.
  std::vector<std::pair<const Source*, ChangeBatch>> deltas;  // per touched collection
  struct Undo {
    Collection* collection;
    size_t delta, change;  // deltas[delta].second[change]: the retracted row, or the inserted one
    bool had_row;
  };
  std::vector<Undo> undo;
  auto delta_of = [&](const Source* s) -> size_t {
    for (size_t i = 0; i < deltas.size(); ++i) {
      if (deltas[i].first == s) return i;
    }
    deltas.emplace_back(s, ChangeBatch{});
    return deltas.size() - 1;
  };
  auto fail = [&](Status st) {
    for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
      const Change& ch = deltas[it->delta].second[it->change];
      if (it->had_row) {
        SHAPESIM_ASSERT(ch.diff == -1);
        it->collection->rows_[ch.key] = ch.values;
      } else {
        SHAPESIM_ASSERT(ch.diff == +1);
        it->collection->rows_.erase(ch.key);
      }
    }
    return st;
  };
  for (auto& op : tx.ops_) {
    Collection& c = *op.collection;
    if (op.kind != Transaction::Op::kRemove && op.tuple.size() != c.columns().size()) {
      return fail(invalid_argument("a row of " + std::to_string(op.tuple.size()) + " values for \"" + c.name() + "\" (" +
                                   std::to_string(c.columns().size()) + " columns)"));
    }
    Tuple key = op.kind == Transaction::Op::kRemove ? op.tuple : c.key_of(op.tuple);
    if (key.size() != c.key_width()) return fail(invalid_argument("a key of the wrong width for \"" + c.name() + "\""));
    auto it = c.rows_.find(key);
    bool present = it != c.rows_.end();
    if (op.kind == Transaction::Op::kInsert && present) {
      return fail(already_exists("\"" + c.name() + "\" already has key " + tuple_to_string(key)));
    }
    if ((op.kind == Transaction::Op::kUpdate || op.kind == Transaction::Op::kRemove) && !present) {
      return fail(not_found("\"" + c.name() + "\" has no key " + tuple_to_string(key)));
    }
    const size_t d = delta_of(&c);
    ChangeBatch& batch = deltas[d].second;
    if (present) {
      undo.push_back({&c, d, batch.size(), true});
      if (op.kind == Transaction::Op::kRemove) {
        batch.push_back({std::move(key), std::move(it->second), -1});
        c.rows_.erase(it);
      } else {
        batch.push_back({key, std::move(it->second), -1});
        it->second = op.tuple;
        batch.push_back({std::move(key), std::move(op.tuple), +1});
      }
    } else {
      undo.push_back({&c, d, batch.size(), false});
      c.rows_.emplace(key, op.tuple);
      batch.push_back({std::move(key), std::move(op.tuple), +1});
    }
  }
  // Bring every affected live query up to date (creation order: sources first), then notify.
  std::vector<std::pair<LiveQuery*, size_t>> notifications;  // query, index of its output in deltas
  std::vector<const ChangeBatch*> inputs;
  for (auto& q : queries_) {
    inputs.assign(q->plan().sources.size(), nullptr);
    bool touched = false;
    for (size_t i = 0; i < inputs.size(); ++i) {
      for (const auto& [src, batch] : deltas) {
        if (src == q->plan().sources[i].source) {
          inputs[i] = &batch;
          touched = true;
        }
      }
    }
    if (!touched) continue;
    ChangeBatch out;
    q->process(inputs, out);
    if (out.empty()) continue;
    deltas.emplace_back(q.get(), std::move(out));
    notifications.emplace_back(q.get(), deltas.size() - 1);
  }
  for (const auto& [q, index] : notifications) q->notify(deltas[index].second);
  return Status::Ok();
}

Status Database::insert(Collection& c, Tuple values) {
  Transaction tx;
  tx.insert(c, std::move(values));
  return apply(std::move(tx));
}
Status Database::update(Collection& c, Tuple values) {
  Transaction tx;
  tx.update(c, std::move(values));
  return apply(std::move(tx));
}
Status Database::upsert(Collection& c, Tuple values) {
  Transaction tx;
  tx.upsert(c, std::move(values));
  return apply(std::move(tx));
}
Status Database::remove(Collection& c, Tuple key) {
  Transaction tx;
  tx.remove(c, std::move(key));
  return apply(std::move(tx));
}

}  // namespace shapesim::query
