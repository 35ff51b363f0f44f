// TableSchema <-> JSON, the form used by scenario files and by the store's catalog:
//   {"schema":"public","name":"tasks","columns":[{"name":"id","type":"int8","not_null":true}],
//    "primary_key":["id"]}
// "schema" defaults to "public", "not_null" to false (primary-key columns are always not null).
#pragma once

#include <nlohmann/json.hpp>

#include "reference/common/table_schema.h"

namespace shapesim {

nlohmann::json table_schema_to_json(const TableSchema& t);
Result<TableSchema> table_schema_from_json(const nlohmann::json& j);
// Converts a JSON object of column values to a typed Row; unknown columns are errors, and
// the first error in column-name order is the one reported.
Result<Row> row_from_json(const TableSchema& t, const nlohmann::json& j);
// One column of row_from_json: row[name] = the value `v` converted to the column's type.
Status set_column_from_json(const TableSchema& t, const std::string& name, const nlohmann::json& v, Row& row);

}  // namespace shapesim
