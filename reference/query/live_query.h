// LiveQuery: a query whose result is maintained incrementally as its sources change.
//
// Built by Database::live(query): the first result is computed in bulk (one pass through the
// operators, one sort). Each transaction then pushes its changes, as multisets of
// (row, ±1), through the query's operators:
//   sources -> pushed-down filter and projection (plan.h) -> JoinOperator... -> where
//           -> GroupOperator (+ having) | projection
//           -> DistinctOperator -> OrderedWindow (order_by/offset/limit) -> result
// and every subscriber gets one batch of insert/update/delete per key, in key order, after
// all live queries of the database have caught up with the transaction (a consistent view).
//
//   LiveQuery& q = *db.live(from(tasks).where(eq(col("status"), "open")).order_by(desc(col("created_at"))).limit(10));
//   q.subscribe([](const std::vector<ResultChange>& batch) { ... });
//   q.rows();   // in order
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "reference/query/distinct_operator.h"
#include "reference/query/evaluate.h"
#include "reference/query/group_operator.h"
#include "reference/query/join_operator.h"
#include "reference/query/ordered_window.h"
#include "reference/query/plan.h"

namespace shapesim::query {

enum class ResultChangeKind { kInsert, kUpdate, kDelete };
const char* result_change_kind_name(ResultChangeKind k);

struct ResultChange {
  ResultChangeKind kind;
  Tuple key;
  Tuple values;  // the new row (insert, update) or the removed one (delete)
};
using ResultCallback = std::function<void(const std::vector<ResultChange>&)>;

class LiveQuery : public Source {
 public:
  const std::string& name() const override { return name_; }
  const std::vector<std::string>& columns() const override { return plan_.output_columns; }
  void for_each_row(const std::function<void(const Tuple& key, const Tuple& values)>& fn) const override;
  size_t row_count() const override;
  size_t key_width() const override { return key_width_; }
  uint64_t sequence() const override { return sequence_; }

  // The result in order (by the order terms, then by key).
  std::vector<ResultRow> rows() const;
  // find_one(): the single row, if any.
  std::optional<ResultRow> one() const;
  const Query& query() const { return query_; }
  const QueryPlan& plan() const { return plan_; }

  // Called with each transaction's changes to the result; returns an id for unsubscribe.
  size_t subscribe(ResultCallback callback);
  void unsubscribe(size_t id);

 private:
  friend class Database;
  LiveQuery(Query query, QueryPlan plan, uint64_t sequence);

  // The first result from the sources' current rows.
  void build();
  // One transaction: `deltas[i]` is source i's changes (or null). Appends the result's
  // changes (retractions and insertions, keyed) to `out`.
  void process(const std::vector<const ChangeBatch*>& deltas, ChangeBatch& out);
  // Joins, where, grouping or projection, distinct: the rows that reach the sink, with the
  // sort key appended to the values when the query is ordered.
  void run_operators(const std::vector<const ChangeBatch*>& deltas, ChangeBatch& out);
  // Appends each row's sort key computed from its output values.
  void append_sort_keys(ChangeBatch& batch) const;
  // Notifies subscribers of `changes` (consolidated by key).
  void notify(const ChangeBatch& changes) const;

  Query query_;
  QueryPlan plan_;
  std::string name_;
  uint64_t sequence_;
  size_t key_width_;
  std::vector<std::unique_ptr<JoinOperator>> joins_;
  std::unique_ptr<GroupOperator> group_;
  std::unique_ptr<DistinctOperator> distinct_;
  std::unique_ptr<OrderedWindow> window_;  // ordered, offset or limited queries
  std::unordered_map<Tuple, Tuple, TupleHash, TupleEq> rows_;  // unordered queries: key -> row
  std::map<size_t, ResultCallback> subscribers_;
  size_t next_subscriber_ = 1;
};

// Sums the diffs of equal (key, values) and drops zeros; the result is in (key, values) order.
void consolidate(ChangeBatch& batch);

}  // namespace shapesim::query
