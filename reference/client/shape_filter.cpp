#include "reference/client/shape_filter.h"

#include <algorithm>

namespace shapesim {

Result<ShapeFilter> ShapeFilter::create(const ShapeDefinition& shape, const TableSchema& table) {
  SHAPESIM_ASSIGN_OR_RETURN(sql::WhereClause where, sql::WhereClause::compile(shape.where, table, shape.params));
  return ShapeFilter(shape, table, std::move(where));
}

std::optional<bool> ShapeFilter::matches(const WireRow& row) const {
  if (where_.matches_everything()) return true;
  Row typed;
  for (const auto& c : table_.columns) {
    auto it = row.find(c.name);
    if (it == row.end()) return std::nullopt;
    if (!it->second) {
      typed[c.name] = Value();
      continue;
    }
    if (c.dims > 0) {
      typed[c.name] = Value(*it->second);  // an array literal, as the store holds it
      continue;
    }
    auto v = Value::from_pg_text(c.type, *it->second);
    if (!v.ok()) return std::nullopt;
    typed[c.name] = std::move(*v);
  }
  auto sql_row = sql::to_sql_row(typed, table_);
  if (!sql_row.ok()) return std::nullopt;
  auto m = where_.matches(*sql_row);
  if (!m.ok()) return std::nullopt;
  return *m;
}

WireRow ShapeFilter::project(const WireRow& row) const {
  if (shape_.columns.empty()) return row;
  WireRow out;
  for (const auto& [k, v] : row) {
    if (std::find(shape_.columns.begin(), shape_.columns.end(), k) != shape_.columns.end()) out[k] = v;
  }
  return out;
}

}  // namespace shapesim
