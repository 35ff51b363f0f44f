// OrderedWindow: the ORDER BY ... OFFSET ... LIMIT sink. Every row that reaches it is kept in
// sort order (SortedBlocks, ties broken by key) and the visible result is ranks
// [offset, offset + limit). A change costs O(log n) plus the rows that cross the window's
// edges (at most one in, one out per change). The first result is built in bulk: one sort.
#pragma once

#include <functional>
#include <memory>

#include "reference/query/plan.h"
#include "reference/query/sorted_blocks.h"

namespace shapesim::query {

class OrderedWindow {
 public:
  struct Entry {
    Tuple sort;
    Tuple key;
    Tuple values;
    // An abbreviated first sort value (order-preserving, direction applied) when it is an
    // int64, so most comparisons are one integer comparison; see abbreviate().
    bool abbreviated = false;
    uint64_t abbrev = 0;
  };
  // Sets e.abbrev from e.sort (call once the sort key is set).
  void abbreviate(Entry& e) const;

  explicit OrderedWindow(const QueryPlan& plan);

  // Replaces the contents with `rows` (sort keys given, keys unique): one sort.
  void bulk_load(std::vector<std::unique_ptr<Entry>> rows);
  // Applies consolidated changes (retractions before insertions); appends the changes of
  // the visible rows.
  void insert(std::unique_ptr<Entry> e, ChangeBatch& visible);
  void erase(Entry& probe, ChangeBatch& visible);  // probe: sort key and key

  // The visible rows in order.
  void for_each_visible(const std::function<void(const Entry&)>& fn) const;
  size_t size() const { return index_.size(); }

 private:
  struct Less {
    const QueryPlan* plan;
    bool operator()(const Entry& a, const Entry& b) const {
      if (a.abbreviated && b.abbreviated && a.abbrev != b.abbrev) return a.abbrev < b.abbrev;
      if (int c = plan->compare_sort_keys(a.sort, b.sort)) return c < 0;
      return compare_tuples(a.key, b.key) < 0;
    }
  };
  size_t end() const { return plan_.limit ? plan_.offset + *plan_.limit : static_cast<size_t>(-1); }
  void show(const Entry& e, int64_t diff, ChangeBatch& visible) const { visible.push_back({e.key, e.values, diff}); }

  const QueryPlan& plan_;
  SortedBlocks<Entry, Less> index_;
};

}  // namespace shapesim::query
