#include "reference/server/schema_file.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "reference/common/bounded_json.h"
#include "reference/common/table_schema_json.h"

namespace shapesim {

namespace {

Status seed_rows(const std::string& path, EmbeddedStore& store, const TableSchema& schema, const nlohmann::json& rows) {
  if (!rows.is_array()) return invalid_argument(path + ": table " + schema.name + ": \"rows\" must be an array of objects");
  const TableSchema* table = store.find_table(schema.schema, schema.name);
  auto existing = store.snapshot(*table);
  if (!existing.ok()) return existing.status();
  if (!existing->rows.empty()) return Status::Ok();
  WriteBatch batch{"seed:" + schema.schema + "." + schema.name, {}};
  for (size_t i = 0; i < rows.size(); ++i) {
    auto row = row_from_json(*table, rows[i]);
    if (!row.ok()) {
      return invalid_argument(path + ": table " + schema.name + ": rows[" + std::to_string(i) + "]: " + row.status().message());
    }
    batch.mutations.push_back({ChangeKind::kInsert, schema.schema, schema.name, {}, std::move(*row)});
  }
  if (batch.mutations.empty()) return Status::Ok();
  auto applied = store.apply(batch);
  if (!applied.ok()) return invalid_argument(path + ": table " + schema.name + ": " + applied.status().message());
  return Status::Ok();
}

}  // namespace

Status load_schema_file(const std::string& path, EmbeddedStore& store, size_t& tables_created) {
  std::ifstream in(path);
  if (!in) return not_found(path + ": cannot open file");
  std::stringstream buf;
  buf << in.rdbuf();
  auto j = parse_bounded_json(buf.str());
  if (!j.ok()) return invalid_argument(path + ": not valid JSON: " + j.status().message());
  const nlohmann::json& tables = j->is_object() && j->contains("tables") ? (*j)["tables"] : *j;
  if (!tables.is_array()) return invalid_argument(path + ": expected an array of tables or an object with \"tables\"");
  for (const auto& t : tables) {
    nlohmann::json definition = t;
    nlohmann::json rows;
    if (definition.is_object() && definition.contains("rows")) {
      rows = definition["rows"];
      definition.erase("rows");
    }
    auto schema = table_schema_from_json(definition);
    if (!schema.ok()) return invalid_argument(path + ": " + schema.status().message());
    Status st = store.create_table(*schema);
    if (!st.ok()) return invalid_argument(path + ": " + st.message());
    ++tables_created;
    if (!rows.is_null()) SHAPESIM_RETURN_IF_ERROR(seed_rows(path, store, *schema, rows));
  }
  return Status::Ok();
}

}  // namespace shapesim
