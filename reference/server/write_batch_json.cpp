#include "reference/server/write_batch_json.h"

#include <nlohmann/json.hpp>

#include "reference/common/bounded_json.h"
#include "reference/common/table_schema_json.h"
#include "reference/wire/shape_request.h"

namespace shapesim {

Result<ChangeKind> parse_change_kind(const std::string& op) {
  if (op == "insert") return ChangeKind::kInsert;
  if (op == "update") return ChangeKind::kUpdate;
  if (op == "delete") return ChangeKind::kDelete;
  if (op == "truncate") return ChangeKind::kTruncate;
  return invalid_argument("unknown op \"" + op + "\" (insert, update, delete or truncate)");
}

Row key_from_value(const TableSchema& table, const Row& value) {
  Row key;
  for (const auto& k : table.primary_key) {
    auto it = value.find(k);
    if (it != value.end()) key[k] = it->second;
  }
  return key;
}

Result<WriteBatch> parse_write_batch_reference(std::string_view text, SourceOfTruth& source) {
  auto parsed = parse_bounded_json(text);
  if (!parsed.ok()) return invalid_argument("body " + parsed.status().message());
  nlohmann::json& body = *parsed;
  if (!body.is_object()) return invalid_argument("body must be a JSON object");
  if (!body.contains("id") || !body["id"].is_string() || body["id"].get_ref<const std::string&>().empty()) {
    return invalid_argument("\"id\" must be a non-empty string");
  }
  if (body["id"].get_ref<const std::string&>().size() > kMaxBatchIdBytes) {
    return invalid_argument("\"id\" must be at most " + std::to_string(kMaxBatchIdBytes) + " bytes");
  }
  if (!body.contains("mutations") || !body["mutations"].is_array()) {
    return invalid_argument("\"mutations\" must be an array");
  }
  if (body["mutations"].empty()) {
    return invalid_argument("\"mutations\" must not be empty (an empty batch would commit nothing)");
  }
  WriteBatch batch;
  batch.id = body["id"].get<std::string>();
  for (const auto& m : body["mutations"]) {
    if (!m.is_object() || !m.contains("op") || !m["op"].is_string() || !m.contains("table") || !m["table"].is_string()) {
      return invalid_argument("each mutation needs \"op\" and \"table\" strings");
    }
    auto name = parse_table_name(m["table"].get<std::string>());
    if (!name.ok()) return invalid_argument("table: " + name.status().message());
    const TableSchema* table = source.find_table(name->first, name->second);
    if (!table) return invalid_argument("relation \"" + name->first + "." + name->second + "\" does not exist");
    Mutation mutation;
    mutation.schema = table->schema;
    mutation.table = table->name;
    SHAPESIM_ASSIGN_OR_RETURN(mutation.kind, parse_change_kind(m["op"].get_ref<const std::string&>()));
    if (m.contains("value")) {
      auto value = row_from_json(*table, m["value"]);
      if (!value.ok()) return invalid_argument(value.status().message());
      mutation.value = std::move(*value);
    }
    if (m.contains("key")) {
      auto key = row_from_json(*table, m["key"]);
      if (!key.ok()) return invalid_argument(key.status().message());
      mutation.key = std::move(*key);
    } else if (mutation.kind != ChangeKind::kInsert) {
      mutation.key = key_from_value(*table, mutation.value);
    }
    batch.mutations.push_back(std::move(mutation));
  }
  return batch;
}

}  // namespace shapesim
