#include "reference/common/table_schema_json.h"

namespace shapesim {

nlohmann::json table_schema_to_json(const TableSchema& t) {
  nlohmann::json cols = nlohmann::json::array();
  for (const auto& c : t.columns) {
    cols.push_back({{"name", c.name}, {"type", column_type_name(c.type)}, {"not_null", c.not_null}});
  }
  return {{"schema", t.schema}, {"name", t.name}, {"columns", cols}, {"primary_key", t.primary_key}};
}

Result<TableSchema> table_schema_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return invalid_argument("a table must be a JSON object");
  TableSchema t;
  if (j.contains("schema")) {
    if (!j["schema"].is_string()) return invalid_argument("table \"schema\" must be a string");
    t.schema = j["schema"].get<std::string>();
  }
  if (!j.contains("name") || !j["name"].is_string()) return invalid_argument("a table needs a \"name\" string");
  t.name = j["name"].get<std::string>();
  if (!j.contains("columns") || !j["columns"].is_array()) {
    return invalid_argument("table " + t.name + " needs a \"columns\" array");
  }
  for (const auto& c : j["columns"]) {
    if (!c.is_object() || !c.contains("name") || !c["name"].is_string() || !c.contains("type") ||
        !c["type"].is_string()) {
      return invalid_argument("table " + t.name + ": each column needs \"name\" and \"type\" strings");
    }
    SHAPESIM_ASSIGN_OR_RETURN(ColumnType type, parse_column_type(c["type"].get<std::string>()));
    bool not_null = c.contains("not_null") && c["not_null"].is_boolean() && c["not_null"].get<bool>();
    t.columns.push_back({c["name"].get<std::string>(), type, not_null});
  }
  if (!j.contains("primary_key") || !j["primary_key"].is_array()) {
    return invalid_argument("table " + t.name + " needs a \"primary_key\" array");
  }
  for (const auto& k : j["primary_key"]) {
    if (!k.is_string()) return invalid_argument("table " + t.name + ": primary key entries must be strings");
    t.primary_key.push_back(k.get<std::string>());
  }
  SHAPESIM_RETURN_IF_ERROR(t.validate());
  for (auto& c : t.columns) {
    if (t.pk_index(c.name)) c.not_null = true;
  }
  return t;
}

Result<Row> row_from_json(const TableSchema& t, const nlohmann::json& j) {
  if (!j.is_object()) return invalid_argument("a row must be a JSON object");
  Row row;
  for (const auto& [name, v] : j.items()) {
    const ColumnSchema* c = t.find_column(name);
    if (!c) return invalid_argument("column \"" + name + "\" of relation \"" + t.name + "\" does not exist");
    auto value = Value::from_json(c->type, v);
    if (!value.ok()) return invalid_argument("column \"" + name + "\": " + value.status().message());
    row[name] = std::move(*value);
  }
  return row;
}

}  // namespace shapesim
