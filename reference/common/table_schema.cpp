#include "reference/common/table_schema.h"

#include <set>

namespace shapesim {

std::string ColumnSchema::schema_type_name() const { return pg_type.empty() ? column_type_name(type) : pg_type; }

const ColumnSchema* TableSchema::find_column(const std::string& column) const {
  for (const auto& c : columns) {
    if (c.name == column) return &c;
  }
  return nullptr;
}

std::optional<size_t> TableSchema::pk_index(const std::string& column) const {
  for (size_t i = 0; i < primary_key.size(); ++i) {
    if (primary_key[i] == column) return i;
  }
  return std::nullopt;
}

Status TableSchema::validate() const {
  if (name.empty()) return invalid_argument("table name is empty");
  if (columns.empty()) return invalid_argument("table " + name + " has no columns");
  std::set<std::string> seen;
  for (const auto& c : columns) {
    if (c.name.empty()) return invalid_argument("table " + name + " has a column without a name");
    if (!seen.insert(c.name).second) return invalid_argument("column \"" + c.name + "\" specified more than once");
  }
  if (primary_key.empty()) return invalid_argument("table " + name + " has no primary key");
  for (const auto& k : primary_key) {
    if (!seen.count(k)) return invalid_argument("primary key column \"" + k + "\" does not exist");
  }
  return Status::Ok();
}

}  // namespace shapesim
