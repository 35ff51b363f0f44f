// RoutingIndex: which shapes of one table a row may belong to, without looking at every
// shape. A shape with an indexable term (see WhereClause::index_terms) is found by a hash
// lookup of the row's value in that column; the others are returned every time. Callers
// evaluate each candidate's full clause, so the index may over-approximate but never misses.
//
//   RoutingIndex index;
//   index.add(7, where);
//   std::vector<uint32_t> c;
//   index.candidates(row, c);   // sorted, unique shape ids
//
// Cost per row: one lookup per indexed column (plus one per element of an indexed array
// column) + the unindexed shapes; independent of the number of indexed shapes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "reference/sql/where_clause.h"

namespace shapesim::sql {

class RoutingIndex {
 public:
  using ShapeId = uint32_t;

  explicit RoutingIndex(const TableSchema& table);
  void add(ShapeId id, const WhereClause& where);
  void remove(ShapeId id);
  // Appends the candidate shapes for `row` to `out`, then sorts and dedups `out`.
  void candidates(const std::vector<SqlValue>& row, std::vector<ShapeId>& out) const;
  size_t indexed_count() const { return placement_.size() - unindexed_count(); }
  size_t unindexed_count() const;

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Bucket = std::unordered_map<std::string, std::vector<ShapeId>, StringHash, std::equal_to<>>;
  struct Placement {
    int column = -1;  // -1: unindexed
    bool array = false;
    std::vector<std::string> keys;
  };

  std::vector<SqlType> column_types_;
  std::vector<Bucket> scalar_;  // by column
  std::vector<Bucket> member_;  // by array column: const = ANY(col)
  std::vector<ShapeId> unindexed_;
  std::map<ShapeId, Placement> placement_;
};

}  // namespace shapesim::sql
