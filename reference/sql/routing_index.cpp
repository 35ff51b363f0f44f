#include "reference/sql/routing_index.h"

#include <algorithm>

#include "reference/sql/checker.h"

namespace shapesim::sql {

RoutingIndex::RoutingIndex(const TableSchema& table) {
  for (const auto& c : table.columns) column_types_.push_back(column_sql_type(c));
  scalar_.resize(column_types_.size());
  member_.resize(column_types_.size());
}

void RoutingIndex::add(ShapeId id, const WhereClause& where) {
  remove(id);
  Placement p;
  const auto& terms = where.index_terms();
  if (!terms.empty() && !where.matches_everything()) {
    // Prefer a single-key term (most selective), else the first.
    const IndexTerm* best = &terms[0];
    for (const auto& t : terms) {
      if (t.keys.size() < best->keys.size()) best = &t;
    }
    p.column = best->column;
    p.array = best->array_membership;
    p.keys = best->keys;
    auto& bucket = (p.array ? member_ : scalar_)[static_cast<size_t>(p.column)];
    for (const auto& k : p.keys) bucket[k].push_back(id);
  } else {
    unindexed_.push_back(id);
  }
  placement_[id] = std::move(p);
}

void RoutingIndex::remove(ShapeId id) {
  auto it = placement_.find(id);
  if (it == placement_.end()) return;
  const Placement& p = it->second;
  if (p.column < 0) {
    unindexed_.erase(std::remove(unindexed_.begin(), unindexed_.end(), id), unindexed_.end());
  } else {
    auto& bucket = (p.array ? member_ : scalar_)[static_cast<size_t>(p.column)];
    for (const auto& k : p.keys) {
      auto b = bucket.find(k);
      if (b == bucket.end()) continue;
      b->second.erase(std::remove(b->second.begin(), b->second.end(), id), b->second.end());
      if (b->second.empty()) bucket.erase(b);
    }
  }
  placement_.erase(it);
}

size_t RoutingIndex::unindexed_count() const { return unindexed_.size(); }

void RoutingIndex::candidates(const std::vector<SqlValue>& row, std::vector<ShapeId>& out) const {
  std::string key;
  for (size_t c = 0; c < row.size() && c < column_types_.size(); ++c) {
    if (!scalar_[c].empty() && index_key(row[c], column_types_[c], key)) {
      auto it = scalar_[c].find(std::string_view(key));
      if (it != scalar_[c].end()) out.insert(out.end(), it->second.begin(), it->second.end());
    }
    if (!member_[c].empty() && !row[c].is_null()) {
      for (const auto& item : *std::get<Array>(row[c].v)) {
        if (!index_key(item, column_types_[c].element(), key)) continue;
        auto it = member_[c].find(std::string_view(key));
        if (it != member_[c].end()) out.insert(out.end(), it->second.begin(), it->second.end());
      }
    }
  }
  out.insert(out.end(), unindexed_.begin(), unindexed_.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

}  // namespace shapesim::sql
