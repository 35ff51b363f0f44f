// TableSchema: a table's qualified name, typed columns and primary key.
//
//   TableSchema t{"public", "tasks", {{"id", ColumnType::kInt8, true}, {"title", ColumnType::kText}}, {"id"}};
//   t.find_column("title")->type == ColumnType::kText;  t.pk_index("id") == 0;
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "reference/common/row.h"
#include "reference/common/status.h"
#include "reference/common/value.h"

namespace shapesim {

struct ColumnSchema {
  std::string name;
  ColumnType type = ColumnType::kText;  // how values are read and compared (an array's element type)
  bool not_null = false;
  int dims = 0;  // array dimensions: 1 for "int4[]", 2 for "int8[][]"; values are PostgreSQL array literals
  // PostgreSQL's name for the column's type (the element type of an array) where it is not
  // `type`'s own name: an enum, composite or domain ("mood"), or a type read as text ("inet").
  std::string pg_type;
  uint32_t type_oid = 0;  // the type OID the source announces for the column (0: not from PostgreSQL)
  // What a WHERE clause may do with the column. Columns shapesim reads as their PostgreSQL
  // text without knowing the type: an enum's labels are equal exactly when their text is, but
  // sort in declaration order (equality only); a composite's or inet's text is not its value
  // ('(1.5,2)' = '(1.50,2)'), so it is never compared.
  enum class Comparison : uint8_t { kByType, kEqualityOnly, kNever };
  Comparison comparison = Comparison::kByType;

  // The type name electric-schema reports: `pg_type`, else column_type_name(type).
  std::string schema_type_name() const;
};

struct TableSchema {
  std::string schema = "public";
  std::string name;
  std::vector<ColumnSchema> columns;
  std::vector<std::string> primary_key;

  const ColumnSchema* find_column(const std::string& column) const;
  std::optional<size_t> pk_index(const std::string& column) const;
  // "schema.name"
  std::string qualified_name() const { return schema + "." + name; }
  // Checks names are unique, the primary key is non-empty and names existing columns.
  Status validate() const;
};

}  // namespace shapesim
