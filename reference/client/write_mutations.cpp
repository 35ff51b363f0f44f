#include "reference/client/write_mutations.h"

#include <algorithm>

#include "reference/common/bounded_json.h"
#include "reference/common/table_schema_json.h"
#include "reference/wire/shape_message.h"
#include "reference/wire/shape_request.h"

namespace shapesim {

namespace {

std::optional<LocalMutation::Op> op_of(const std::string& name) {
  if (name == "insert") return LocalMutation::Op::kInsert;
  if (name == "update") return LocalMutation::Op::kUpdate;
  if (name == "delete") return LocalMutation::Op::kDelete;
  return std::nullopt;
}

const char* op_name(LocalMutation::Op op) {
  switch (op) {
    case LocalMutation::Op::kInsert: return "insert";
    case LocalMutation::Op::kUpdate: return "update";
    case LocalMutation::Op::kDelete: return "delete";
  }
  return "?";
}

}  // namespace

Result<std::vector<LocalMutation>> local_mutations_for(const nlohmann::json& mutations, const TableSchema& table,
                                                       const std::string& collection) {
  if (!mutations.is_array()) return invalid_argument("\"mutations\" must be an array");
  std::vector<LocalMutation> out;
  for (const auto& m : mutations) {
    if (!m.is_object() || !m.contains("op") || !m["op"].is_string() || !m.contains("table") || !m["table"].is_string()) {
      return invalid_argument("each mutation needs \"op\" and \"table\" strings");
    }
    auto name = parse_table_name(m["table"].get<std::string>());
    if (!name.ok()) return invalid_argument("table: " + name.status().message());
    if (name->first != table.schema || name->second != table.name) continue;  // another collection's
    LocalMutation local;
    local.collection = collection;
    const std::string& op = m["op"].get_ref<const std::string&>();
    auto kind = op_of(op);
    if (!kind) return invalid_argument("mutation op \"" + op + "\" has no optimistic form");
    local.op = *kind;
    Row value, key;
    if (m.contains("value")) {
      SHAPESIM_ASSIGN_OR_RETURN(value, row_from_json(table, m["value"]));
    }
    if (m.contains("key")) {
      SHAPESIM_ASSIGN_OR_RETURN(key, row_from_json(table, m["key"]));
    }
    std::vector<std::optional<std::string>> pk;
    for (const auto& column : table.primary_key) {
      auto k = key.find(column);
      const Value* v = k != key.end() ? &k->second : nullptr;
      if (!v) {
        auto in_value = value.find(column);
        if (in_value == value.end()) return invalid_argument("a mutation of " + table.name + " names no value for key column " + column);
        v = &in_value->second;
      }
      pk.push_back(v->to_pg_text());
    }
    local.key = format_row_key(table.schema, table.name, pk);
    if (local.op != LocalMutation::Op::kDelete) {
      for (const auto& [column, v] : value) local.value[column] = v.to_pg_text();
      if (local.op == LocalMutation::Op::kInsert) {
        // A whole row, as the stream would deliver it: the columns the write left out are NULL.
        for (const auto& c : table.columns) local.value.try_emplace(c.name, std::nullopt);
      }
    }
    out.push_back(std::move(local));
  }
  return out;
}

std::string local_mutations_to_json(const std::vector<LocalMutation>& mutations) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& m : mutations) {
    nlohmann::json value = nlohmann::json::object();
    for (const auto& [k, v] : m.value) value[k] = v ? nlohmann::json(*v) : nlohmann::json(nullptr);
    out.push_back({{"op", op_name(m.op)}, {"collection", m.collection}, {"key", m.key}, {"value", std::move(value)}});
  }
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::vector<LocalMutation>> local_mutations_from_json(const std::string& text) {
  auto parsed = parse_bounded_json(text);
  if (!parsed.ok()) return internal_error("stored mutations: " + parsed.status().message());
  if (!parsed->is_array()) return internal_error("stored mutations are not a JSON array");
  std::vector<LocalMutation> out;
  for (const auto& m : *parsed) {
    if (!m.is_object() || !m.contains("op") || !m["op"].is_string() || !m.contains("collection") ||
        !m["collection"].is_string() || !m.contains("key") || !m["key"].is_string() || !m.contains("value") ||
        !m["value"].is_object()) {
      return internal_error("a stored mutation lacks op, collection, key or value");
    }
    LocalMutation local;
    const std::string& op = m["op"].get_ref<const std::string&>();
    auto kind = op_of(op);
    if (!kind) return internal_error("a stored mutation has op \"" + op + "\"");
    local.op = *kind;
    local.collection = m["collection"].get<std::string>();
    local.key = m["key"].get<std::string>();
    for (const auto& [k, v] : m["value"].items()) {
      if (!v.is_null() && !v.is_string()) return internal_error("a stored mutation's value is not text");
      local.value[k] = v.is_null() ? std::nullopt : std::optional<std::string>(v.get<std::string>());
    }
    out.push_back(std::move(local));
  }
  return out;
}

}  // namespace shapesim
