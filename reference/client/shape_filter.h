// ShapeFilter: the client-side twin of a shape's WHERE and column list, so the optimistic layer
// holds only rows the shape would hold (a write outside the shape is sent, not shown: its txid
// would never come back through this shape).
//
//   auto filter = ShapeFilter::create(shape, tasks_schema);
//   filter->matches(row);   // true / false, or nullopt when the row lacks a column to tell
//   filter->project(row);   // the shape's columns only
#pragma once

#include <optional>
#include <string>

#include "reference/common/table_schema.h"
#include "reference/sql/where_clause.h"
#include "reference/wire/shape_message.h"
#include "reference/wire/shape_request.h"

namespace shapesim {

class ShapeFilter {
 public:
  // Errors: a WHERE the table rejects (the server would answer 400 for the shape too).
  static Result<ShapeFilter> create(const ShapeDefinition& shape, const TableSchema& table);

  // Whether a whole row (PostgreSQL text values, as the stream delivers them) is in the shape.
  // nullopt: it cannot tell (a column of the table is missing from the row, or a value does not
  // parse as its column's type).
  std::optional<bool> matches(const WireRow& row) const;
  WireRow project(const WireRow& row) const;

 private:
  ShapeFilter(ShapeDefinition shape, TableSchema table, sql::WhereClause where)
      : shape_(std::move(shape)), table_(std::move(table)), where_(std::move(where)) {}

  ShapeDefinition shape_;
  TableSchema table_;
  sql::WhereClause where_;
};

}  // namespace shapesim
