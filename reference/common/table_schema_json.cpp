#include "reference/common/table_schema_json.h"

namespace shapesim {

nlohmann::json table_schema_to_json(const TableSchema& t) {
  nlohmann::json cols = nlohmann::json::array();
  for (const auto& c : t.columns) {
    nlohmann::json col = {{"name", c.name},
                          {"type", std::string(column_type_name(c.type)) + (c.dims > 0 ? "[]" : "")},
                          {"not_null", c.not_null}};
    if (c.dims > 1) col["dims"] = c.dims;
    if (!c.pg_type.empty()) col["pg_type"] = c.pg_type;
    cols.push_back(std::move(col));
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
    std::string type_name = c["type"].get<std::string>();
    int dims = 0;
    if (type_name.size() > 2 && type_name.compare(type_name.size() - 2, 2, "[]") == 0) {
      type_name.resize(type_name.size() - 2);
      dims = 1;
    }
    SHAPESIM_ASSIGN_OR_RETURN(ColumnType type, parse_column_type(type_name));
    bool not_null = c.contains("not_null") && c["not_null"].is_boolean() && c["not_null"].get<bool>();
    ColumnSchema column{c["name"].get<std::string>(), type, not_null, dims};
    if (c.contains("dims")) {
      if (!c["dims"].is_number_integer() || dims == 0 || c["dims"].get<int64_t>() < 1 || c["dims"].get<int64_t>() > 6) {
        return invalid_argument("table " + t.name + ": column \"" + column.name +
                                "\": \"dims\" must be an integer from 1 to 6, on an array type");
      }
      column.dims = static_cast<int>(c["dims"].get<int64_t>());
    }
    if (c.contains("pg_type")) {
      if (!c["pg_type"].is_string()) {
        return invalid_argument("table " + t.name + ": column \"" + column.name + "\": \"pg_type\" must be a string");
      }
      column.pg_type = c["pg_type"].get<std::string>();
    }
    t.columns.push_back(std::move(column));
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

Status set_column_from_json(const TableSchema& t, const std::string& name, const nlohmann::json& v, Row& row) {
  const ColumnSchema* c = t.find_column(name);
  if (!c) return invalid_argument("column \"" + name + "\" of relation \"" + t.name + "\" does not exist");
  if (c->dims > 0 && !v.is_null()) {
    // Array columns hold PostgreSQL array literals: a JSON string is taken as one, a JSON
    // array is written as one.
    if (v.is_string()) {
      row[name] = Value(v.get<std::string>());
      return Status::Ok();
    }
    if (!v.is_array()) return invalid_argument("column \"" + name + "\": an array column needs a JSON array or an array literal");
    std::string literal = "{";
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) literal.push_back(',');
      if (v[i].is_null()) {
        literal += "NULL";
        continue;
      }
      auto item = Value::from_json(c->type, v[i]);
      if (!item.ok()) return invalid_argument("column \"" + name + "\": " + item.status().message());
      std::string text = *item->to_pg_text();
      literal.push_back('"');
      for (char ch : text) {
        if (ch == '"' || ch == '\\') literal.push_back('\\');
        literal.push_back(ch);
      }
      literal.push_back('"');
    }
    row[name] = Value(literal + "}");
    return Status::Ok();
  }
  auto value = Value::from_json(c->type, v);
  if (!value.ok()) return invalid_argument("column \"" + name + "\": " + value.status().message());
  row[name] = std::move(*value);
  return Status::Ok();
}

Result<Row> row_from_json(const TableSchema& t, const nlohmann::json& j) {
  if (!j.is_object()) return invalid_argument("a row must be a JSON object");
  Row row;
  for (const auto& [name, v] : j.items()) SHAPESIM_RETURN_IF_ERROR(set_column_from_json(t, name, v, row));
  return row;
}

}  // namespace shapesim
