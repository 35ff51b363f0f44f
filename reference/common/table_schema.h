// TableSchema: a table's qualified name, typed columns and primary key.
//
//   TableSchema t{"public", "tasks", {{"id", ColumnType::kInt8, true}, {"title", ColumnType::kText}}, {"id"}};
//   t.find_column("title")->type == ColumnType::kText;  t.pk_index("id") == 0;
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reference/common/row.h"
#include "reference/common/status.h"
#include "reference/common/value.h"

namespace shapesim {

struct ColumnSchema {
  std::string name;
  ColumnType type = ColumnType::kText;
  bool not_null = false;
  int dims = 0;  // 1 for an array column ("int4[]"); values are PostgreSQL array literals
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
